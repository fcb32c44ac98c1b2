#include "sysc/native_memory.h"

#include <stdexcept>

#include "mmu/checker.h"
#include "stats/summary.h"

namespace mmusim {

Cr3Load NativeMemory::switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) {
  if (ctx_of_cpu_.size() <= cpu) ctx_of_cpu_.resize(cpu + 1);
  Cr3Load l;
  l.context.ctx = ctx_of_cpu_[cpu] = os_.context(vm, pid);
  l.context.root = os_.table(l.context.ctx).root();
  return l;
}

CauseCycles NativeMemory::handle_fault(unsigned cpu, Vpn vpn, bool, bool, const Translation& t) {
  // Native pages are mapped P|W|U without NX, so only not-present faults exist.
  if (t.fault != WalkStatus::NotPresent) throw std::logic_error("native mode: unexpected protection fault");
  os_.handle_page_fault(ctx_of_cpu_.at(cpu), vpn);
  CauseCycles c;
  c.host_fault = fault_cycles_;
  return c;
}

void NativeMemory::fill_summary(RunSummary& s) const {
  s.add(os_);
  s.add(frames_);
}

std::vector<std::string> NativeMemory::check(const Mmu& mmu) const {
  auto bad = check_translation_caches(mmu, os_.check_target());
  for (std::string& b : os_.check()) bad.push_back(std::move(b));
  return bad;
}

}  // namespace mmusim
