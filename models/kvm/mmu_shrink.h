// KVM's shrinker (arch/x86/kvm/mmu.c mmu_shrink, registered by kvm_mmu_module_init, 2.6.26 and
// later): under memory pressure shrink_slab asks it to free shadow pages. Each call with work to do
// zaps one page, the oldest on active_mmu_pages of the first VM in vm_list that has any
// (kvm_mmu_remove_one_alloc_mmu_page), then moves that VM to the list's tail; it counts the pages
// all VMs hold. A zap drops the page's sptes, and rmap_remove tells the host which were accessed.
#pragma once
#include <cstdint>
#include <list>

#include "host/shrinker.h"
#include "kvm/kvm.h"

namespace mmusim {

class MmuShrink : public Shrinker {
 public:
  // kvm_create_vm: the VM joins vm_list at its tail.
  void add(Kvm* kvm) { vm_list_.push_back(kvm); }
  std::uint64_t shrink(std::uint64_t nr_to_scan, CauseCycles& c) override;
  // mmu_shrinker.seeks = DEFAULT_SEEKS * 10 (2.6.28): shadow pages are costly to rebuild.
  unsigned seeks() const override { return 20; }

 private:
  std::list<Kvm*> vm_list_;
};

}  // namespace mmusim
