#include "kvm/mmu_shrink.h"

namespace mmusim {

std::uint64_t MmuShrink::shrink(std::uint64_t nr_to_scan, CauseCycles& c) {
  std::uint64_t cache_count = 0;
  auto freed = vm_list_.end();
  for (auto it = vm_list_.begin(); it != vm_list_.end(); ++it) {
    std::uint64_t npages = (*it)->shrinkable_pages();
    if (freed == vm_list_.end() && nr_to_scan > 0 && npages > 0 && (*it)->remove_one_mmu_page(c)) {
      --npages;
      freed = it;
    }
    cache_count += npages;
    if (nr_to_scan > 0) --nr_to_scan;
  }
  if (freed != vm_list_.end()) vm_list_.splice(vm_list_.end(), vm_list_, freed);
  return cache_count;
}

}  // namespace mmusim
