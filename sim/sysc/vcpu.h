// One virtual CPU: an SC_THREAD that replays its records, loosely timed. It keeps a local cycle
// offset and synchronises with SystemC time only when the quantum is used up, between trace
// batches, and before it calls the memory system (whose state other vCPUs share). Cycle counts
// of one vCPU do not depend on the quantum unless another thread (a vCPU, kswapd under memory
// pressure) changes what it translates through.
#pragma once
#include <exception>
#include <functional>
#include <systemc>
#include <vector>

#include "explain/explainer.h"
#include "sysc/interfaces.h"
#include "sysc/vcpu_stats.h"

namespace mmusim {

class Vcpu : public sc_core::sc_module {
 public:
  sc_core::sc_port<TraceSourceIf> trace;
  sc_core::sc_port<TranslateIf> mmu;
  sc_core::sc_port<MemoryIf> memory;

  SC_HAS_PROCESS(Vcpu);
  // cpu: index in the machine (vm * guest.vcpus + vcpu); period: one cycle in SystemC time;
  // check_every: run `checker` every this many records (0 = never).
  // on_done: called once when the vCPU has replayed all its records (at its end time).
  Vcpu(const sc_core::sc_module_name& name, unsigned cpu, Cycles quantum, sc_core::sc_time period,
       std::uint64_t check_every = 0, std::function<void()> checker = {}, std::function<void()> on_done = {});

  const VcpuStats& stats() const { return stats_; }
  // An exception raised while replaying (bad trace record, out of memory) stops the simulation
  // and is kept here for the driver to rethrow after sc_start returns.
  std::exception_ptr error() const { return error_; }
  // Explain mode: each record becomes a line of `ex`.
  void set_explain(Explainer* ex) { explain_ = ex; }
  // sim.warmup_records: `left` counts down the records every vCPU replays (shared by all); the
  // vCPU that replays the last one calls `warmed` with its own time (SystemC time + the cycles it
  // is ahead) once that record is complete.
  void set_warmup(std::uint64_t* left, std::function<void(Cycles)> warmed) {
    warmup_left_ = left;
    warmed_ = std::move(warmed);
  }

 private:
  void run();
  void replay();
  template <bool kExplain>
  void replay_batch();
  void sync();
  // Throws the error of a simulated time past 2^64 ps, naming the key behind most of the cycles.
  [[noreturn]] void time_overflow() const;
  void charge(const CauseCycles& c, Cycles& cycles);
  Cycles switch_to(std::uint16_t vm, std::uint32_t pid);

  unsigned cpu_;
  Cycles quantum_;
  sc_core::sc_time period_;
  std::uint64_t check_every_;
  std::uint64_t check_countdown_;  // records until the next check; ~0 (never reached) when check_every_ is 0
  std::function<void()> checker_, on_done_;
  Mmu* mmu_ = nullptr;  // the model behind the `mmu` port, called directly
  PendingWork pending_;
  Cycles offset_ = 0;   // cycles ahead of SystemC time
  bool has_ctx_ = false;
  std::uint16_t vm_ = 0;
  std::uint32_t pid_ = 0;
  std::exception_ptr error_;
  VcpuStats stats_;
  std::vector<TraceRecord> batch_;  // a member: SC_THREAD stacks are small
  Explainer* explain_ = nullptr;
  std::uint64_t* warmup_left_ = nullptr;  // nullptr: no warm-up
  std::function<void(Cycles)> warmed_;
};

}  // namespace mmusim
