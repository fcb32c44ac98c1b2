#include "sysc/trace_source.h"


namespace mmusim {

namespace {
constexpr std::size_t kBatch = 4096;
}  // namespace

TraceSource::TraceSource(const sc_core::sc_module_name& name, std::unique_ptr<TraceReader> reader,
                         unsigned vcpus_per_vm, unsigned cpus, std::size_t max_queued)
    : sc_module(name), reader_(std::move(reader)), vcpus_per_vm_(vcpus_per_vm), queues_(cpus), max_queued_(max_queued) {
  source_export.bind(*this);
}

void TraceSource::refill() {
  // One vCPU: read straight into its queue; several: read a batch and deal it out.
  std::vector<TraceRecord>& into = queues_.size() == 1 ? queues_[0] : batch_;
  const std::size_t old = queues_.size() == 1 ? into.size() : 0;
  into.resize(old + kBatch);
  const std::size_t n = reader_->read(into.data() + old, kBatch);
  into.resize(old + n);
  if (n == 0) {
    eof_ = true;
    progress_.finish();
    return;
  }
  if (queues_.size() > 1)
    for (const TraceRecord& r : batch_) queues_[r.vm * vcpus_per_vm_ + r.vcpu].push_back(r);
  records_ += n;
  queued_ += n;
  progress_.update(records_, reader_->bytes_done(), reader_->bytes_total());
}

bool TraceSource::take(unsigned cpu, std::vector<TraceRecord>& out) {
  out.clear();
  while (queues_[cpu].empty()) {
    if (eof_) return false;
    if (queued_ >= max_queued_) {
      const sc_core::sc_time t0 = sc_core::sc_time_stamp();
      sc_core::wait(drained_);
      stall_ += sc_core::sc_time_stamp() - t0;
      continue;
    }
    refill();
  }
  queued_ -= queues_[cpu].size();
  out.swap(queues_[cpu]);
  drained_.notify(sc_core::SC_ZERO_TIME);
  return true;
}

}  // namespace mmusim
