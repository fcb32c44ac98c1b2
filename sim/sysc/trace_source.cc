#include "sysc/trace_source.h"


namespace mmusim {

namespace {
constexpr std::size_t kBatch = TraceSource::kBatchRecords;
}  // namespace

TraceSource::TraceSource(const sc_core::sc_module_name& name, std::unique_ptr<TraceReader> reader,
                         unsigned vcpus_per_vm, unsigned cpus, std::size_t max_queued, unsigned guest_cpus)
    : sc_module(name), reader_(std::move(reader)), vcpus_per_vm_(vcpus_per_vm), guest_cpus_(guest_cpus ? guest_cpus : cpus),
      queues_(cpus), max_queued_(max_queued) {
  source_export.bind(*this);
}

void TraceSource::refill() {
  // Read a batch and deal it out.
  batch_.resize(kBatch);
  const std::size_t n = reader_->read(batch_.data(), kBatch);
  batch_.resize(n);
  if (n == 0) {
    eof_ = true;
    progress_.finish();
    return;
  }
  for (const TraceRecord& r : batch_)
    queues_[r.vm == kHostVm ? guest_cpus_ + r.vcpu : r.vm * vcpus_per_vm_ + r.vcpu].push_back(r);
  records_ += n;
  queued_ += n;
  progress_.update(records_, reader_->bytes_done(), reader_->bytes_total());
}

bool TraceSource::take(unsigned cpu, std::vector<TraceRecord>& out) {
  if (queues_.size() == 1) {  // one vCPU: the reader's batches go to it as they are, without a queue
    if (eof_ || !reader_->read_batch(out, kBatch)) {
      eof_ = true;
      progress_.finish();
      return false;
    }
    records_ += out.size();
    progress_.update(records_, reader_->bytes_done(), reader_->bytes_total());
    return true;
  }
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
