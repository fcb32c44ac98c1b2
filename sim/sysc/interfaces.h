// The SystemC interfaces between modules. Calls through them are plain virtual calls: the hot
// path never waits; only the vCPU thread owns time.
#pragma once
#include <systemc>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "mmu/mmu.h"
#include "trace/record.h"

namespace mmusim {

// A CPU's translation hardware (TLBs, page-walk cache, walker): exported by MmuModule.
// The vCPU finds the model through this interface once, at the start of simulation, and then
// calls it directly: the translation is a plain (inlined) call on the hot path.
struct TranslateIf : virtual sc_core::sc_interface {
  virtual Mmu& mmu_model() = 0;
};

// Work done to a vCPU by others (a remote TLB-flush IPI makes it exit): the memory system adds
// it here and the vCPU charges it to itself before its next access.
struct PendingWork {
  CauseCycles causes;
  bool any = false;
  std::uint64_t exits = 0;  // how many (each IPI makes the vCPU exit once)
};

// The result of a change of address space on a vCPU.
struct Cr3Load {
  // The TLB tag and the roots the hardware walks (native: the PML4; shadow: the shadow root; a
  // nested mode: the guest's PML4 and the EPT root).
  TranslationContext context;
  CauseCycles cost;  // shadow mode: the exit of the guest's CR3 write
};

// The memory system the vCPUs run on (native: the OS; shadow: KVM, the guests and the host).
// Calls that change shared state are made only after the vCPU synchronised.
struct MemoryIf : virtual sc_core::sc_interface {
  // vCPU `cpu` (its index in the machine) and its TLBs, pending-work slot; called once.
  virtual void attach_cpu(unsigned cpu, Mmu* mmu, PendingWork* pending) = 0;
  // vCPU `cpu` now runs (vm, pid).
  virtual Cr3Load switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) = 0;
  // Handles the fault of a failed translation on `cpu`; returns its cost by cause. A fault that
  // slept on a swap read (major_fault > 0) is continued by finish_fault once the vCPU has waited.
  virtual CauseCycles handle_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) = 0;
  virtual CauseCycles finish_fault(unsigned cpu) = 0;
  // vCPU `cpu` has replayed all its records.
  virtual void detach_cpu(unsigned cpu) = 0;
};

struct RunSummary;

// A memory system as the top level sees it: the MemoryIf the vCPUs call, its figures, and its
// invariant checks of one CPU's translation caches plus its own state.
struct MemorySystem : MemoryIf {
  virtual sc_core::sc_export<MemoryIf>& memory_port() = 0;
  virtual void fill_summary(RunSummary& s) const = 0;
  virtual std::vector<std::string> check(const Mmu& mmu) const = 0;
  // Explain mode: the models report their steps to `sink` (after elaboration).
  virtual void set_explain(EventSink* sink) = 0;
};

// The trace, split per vCPU: exported by TraceSource.
struct TraceSourceIf : virtual sc_core::sc_interface {
  // Swaps the next records of `vcpu` into `out` (may wait for other vCPUs to drain their
  // queues); false at the end of the trace.
  virtual bool take(unsigned vcpu, std::vector<TraceRecord>& out) = 0;
};

}  // namespace mmusim
