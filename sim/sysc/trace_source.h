// The trace as an sc_module: reads it in batches and splits it into one queue per vCPU, so that
// vCPUs run concurrently in simulated time, each in its own file order. The queues together hold
// at most `max_queued` records (sim.trace_queue_records), so memory does not grow with trace
// length. A vCPU whose next records lie further ahead in the file than that, while the other
// vCPUs' queues are full, waits in simulated time for them to drain: a replay artefact, counted
// in trace_stall_cycles so that it is never hidden (0 for traces whose vCPUs are interleaved).
#pragma once
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "util/progress.h"
#include "sysc/interfaces.h"
#include "trace/reader.h"

namespace mmusim {

class TraceSource : public sc_core::sc_module, public TraceSourceIf {
 public:
  sc_core::sc_export<TraceSourceIf> source_export;

  // Records a vCPU takes at a time (the last batch may be shorter). With one vCPU the reader's
  // own batches are handed over as they are (TraceReader::read_batch): give the reader batches
  // of this size, so that the vCPU synchronises at the same records as with several.
  static constexpr std::size_t kBatchRecords = 4096;

  // The reader has checked every record against the machine (RecordLimits). `guest_cpus`: the
  // CPUs of the VMs (0: all `cpus`); a host record (vm kHostVm) goes to CPU guest_cpus + vcpu.
  TraceSource(const sc_core::sc_module_name& name, std::unique_ptr<TraceReader> reader, unsigned vcpus_per_vm,
              unsigned cpus, std::size_t max_queued, unsigned guest_cpus = 0);

  // `cpu` = vm * vcpus_per_vm + vcpu, or guest_cpus + vcpu for a host record.
  bool take(unsigned cpu, std::vector<TraceRecord>& out) override;

  // Simulated time vCPUs spent waiting for the queues to drain.
  sc_core::sc_time stall_time() const { return stall_; }
  // Malformed records the reader skipped (--skip-bad-lines).
  std::uint64_t skipped_records() const { return reader_->skipped(); }

 private:
  void refill();

  std::unique_ptr<TraceReader> reader_;
  unsigned vcpus_per_vm_;
  unsigned guest_cpus_;
  std::vector<std::vector<TraceRecord>> queues_;  // one per CPU
  std::vector<TraceRecord> batch_;
  std::size_t queued_ = 0, max_queued_;
  std::uint64_t records_ = 0;
  bool eof_ = false;
  sc_core::sc_event drained_;
  sc_core::sc_time stall_ = sc_core::SC_ZERO_TIME;
  Progress progress_;
};

}  // namespace mmusim
