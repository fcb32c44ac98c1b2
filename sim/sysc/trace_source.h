// The trace as an sc_module: reads it in batches and splits it into one queue per vCPU, so that
// vCPUs run concurrently in simulated time, each in its own file order. The queues together hold
// at most `max_queued` records (memory does not grow with trace length): a vCPU whose queue is
// empty while the others' are full waits for them to drain.
#pragma once
#include <memory>
#include <string>
#include <systemc>
#include <vector>

#include "progress.h"
#include "sysc/interfaces.h"
#include "trace/reader.h"

namespace mmusim {

class TraceSource : public sc_core::sc_module, public TraceSourceIf {
 public:
  sc_core::sc_export<TraceSourceIf> source_export;

  TraceSource(const sc_core::sc_module_name& name, std::unique_ptr<TraceReader> reader, std::string path,
              unsigned vcpus, std::size_t max_queued = std::size_t{1} << 18);

  bool take(unsigned vcpu, std::vector<TraceRecord>& out) override;

  std::uint64_t records() const { return records_; }

 private:
  void refill();
  void check(const TraceRecord& r) const;

  std::unique_ptr<TraceReader> reader_;
  std::string path_;
  std::vector<std::vector<TraceRecord>> queues_;
  std::vector<TraceRecord> batch_;
  std::size_t queued_ = 0, max_queued_;
  std::uint64_t records_ = 0;
  bool eof_ = false;
  sc_core::sc_event drained_;
  Progress progress_;
};

}  // namespace mmusim
