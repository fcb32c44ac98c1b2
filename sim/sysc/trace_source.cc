#include "sysc/trace_source.h"

#include <sstream>

#include "input_error.h"

namespace mmusim {

namespace {
constexpr std::size_t kBatch = 4096;

bool canonical(std::uint64_t a) {
  const std::uint64_t top = a >> 47;  // bits 63:47 all equal (48-bit virtual addresses)
  return top == 0 || top == (std::uint64_t{1} << 17) - 1;
}
}  // namespace

TraceSource::TraceSource(const sc_core::sc_module_name& name, std::unique_ptr<TraceReader> reader, std::string path,
                         unsigned vms, unsigned vcpus_per_vm, std::size_t max_queued)
    : sc_module(name), reader_(std::move(reader)), path_(std::move(path)), vms_(vms), vcpus_per_vm_(vcpus_per_vm),
      queues_(vms * vcpus_per_vm),
      max_queued_(max_queued) {
  source_export.bind(*this);
}

void TraceSource::check(const TraceRecord& r, std::uint64_t n) const {
  const std::uint64_t last = r.gva + (r.size ? r.size : 1) - 1;
  if (r.vcpu < vcpus_per_vm_ && r.vm < vms_ && canonical(r.gva) && last >= r.gva && (r.gva >> 47) == (last >> 47)) return;
  auto fail = [&](const char* key, const std::string& what) {
    throw InputError(path_, 0, "", "record " + std::to_string(n) + ": " + key + ": " + what);
  };
  if (r.vm >= vms_) fail("vm", std::to_string(r.vm) + " is not below guest.vms = " + std::to_string(vms_));
  if (r.vcpu >= vcpus_per_vm_)
    fail("vcpu", std::to_string(r.vcpu) + " is not below guest.vcpus = " + std::to_string(vcpus_per_vm_));
  if (!canonical(r.gva) || last < r.gva || (r.gva >> 47) != (last >> 47)) {
    std::ostringstream s;
    s << "0x" << std::hex << r.gva << " size " << std::dec << r.size << " leaves the canonical 48-bit address space";
    fail("gva", s.str());
  }
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
  for (std::size_t i = old; i < old + n; ++i) check(into[i], records_ + i - old + 1);
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
