#include "sysc/vcpu.h"

namespace mmusim {

VcpuStats& VcpuStats::operator+=(const VcpuStats& o) {
  accesses += o.accesses;
  context_switches += o.context_switches;
  page_faults += o.page_faults;
  cycles += o.cycles;
  gap_cycles += o.gap_cycles;
  fault_cycles += o.fault_cycles;
  return *this;
}

Vcpu::Vcpu(const sc_core::sc_module_name& name, unsigned id, Cycles quantum, sc_core::sc_time period,
           std::uint64_t check_every, std::function<void()> checker)
    : sc_module(name), id_(id), quantum_(quantum), period_(period), check_every_(check_every),
      checker_(std::move(checker)) {
  SC_THREAD(run);
}

void Vcpu::sync() {
  if (offset_ == 0) return;
  sc_core::wait(period_ * static_cast<double>(offset_));
  offset_ = 0;
}

void Vcpu::switch_to(std::uint16_t vm, std::uint32_t pid) {
  sync();  // may create a process: shared state
  if (has_ctx_) ++stats_.context_switches;
  has_ctx_ = true;
  vm_ = vm;
  pid_ = pid;
  ctx_ = memory->context(vm, pid);
  mmu_->load_cr3(ctx_, memory->table(ctx_));
}

void Vcpu::run() {
  try {
    replay();
  } catch (...) {
    error_ = std::current_exception();
    sc_core::sc_stop();
  }
}

void Vcpu::replay() {
  mmu_ = &mmu->mmu_model();
  for (;;) {
    sync();  // taking a batch may wait for other vCPUs in simulated time
    if (!trace->take(id_, batch_)) break;
    for (const TraceRecord& r : batch_) {
      Cycles c = r.gap;
      stats_.gap_cycles += r.gap;
      if (!has_ctx_ || r.pid != pid_ || r.vm != vm_) switch_to(r.vm, r.pid);
      const bool write = op_writes(r.op), fetch = r.op == Op::Fetch;
      // Every 4 KiB page of [gva, gva + size) in address order; size 0 counts as 1 (semantics 1).
      const std::uint64_t first = r.gva >> kPageShift;
      const std::uint64_t last = (r.gva + (r.size ? r.size : 1) - 1) >> kPageShift;
      for (std::uint64_t vpn = first; vpn <= last; ++vpn) {
        for (;;) {
          const Translation t = mmu_->translate(Vpn{vpn}, write, fetch);
          c += t.cycles;
          if (t.ok) break;
          offset_ += c;
          stats_.cycles += c;
          c = 0;
          sync();
          const Cycles f = memory->handle_fault(ctx_, Vpn{vpn}, t);
          ++stats_.page_faults;
          stats_.fault_cycles += f;
          c += f;
        }
      }
      offset_ += c;
      stats_.cycles += c;
      ++stats_.accesses;
      if (offset_ >= quantum_) sync();
      if (check_every_ && stats_.accesses % check_every_ == 0) checker_();
    }
  }
  sync();
  if (checker_) checker_();
  done_ = true;
}

}  // namespace mmusim
