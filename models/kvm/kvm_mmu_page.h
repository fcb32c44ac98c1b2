// A shadow page (struct kvm_mmu_page, arch/x86/kvm/mmu.c): the shadow of one guest page-table
// page at one level, holding 512 sptes in a page of host kernel memory.
#pragma once
#include <array>
#include <cstdint>
#include <list>
#include <utility>
#include <vector>

#include "common/addr.h"
#include "paging/page_table.h"

namespace mmusim {

// spte bits beyond the x86 ones of pte.h (software-available bits of a shadow pte).
namespace spte_bits {
constexpr std::uint64_t HostWritable = 1ull << 9;  // SPTE_HOST_WRITEABLE: the host pte allows writes
constexpr std::uint64_t MmuWritable = 1ull << 10;  // SPTE_MMU_WRITEABLE: KVM does not write-protect the gfn
// A non-present spte with this bit is shadow_notrap_nonpresent_pte: the guest pte is known to be
// absent, so the hardware delivers the #PF to the guest without a VM exit (bypass_guest_pf).
constexpr std::uint64_t NoTrap = 1ull << 62;
// kvm.aging = access-track, mark: a leaf spte made non-present for aging, its frame and
// permissions kept; still in the rmap, restored by a fast page fault.
constexpr std::uint64_t AccessTracked = 1ull << 61;
}  // namespace spte_bits

// A leaf spte that maps its gfn, present or access-tracked (is_shadow_present_pte).
inline bool spte_mapped(const Pte& s) { return s.present() || (s.raw & spte_bits::AccessTracked); }

struct KvmMmuPage {
  KvmMmuPage(Gfn shadowed, unsigned role_level) : gfn(shadowed), level(role_level), spt(role_level) {}

  Gfn gfn;         // the guest page-table page this page shadows
  unsigned level;  // role.level: the level of the guest table (4 = PML4 ... 1 = PT)
  TableNode spt;   // the sptes; spt.frame is the host frame of this page
  // Level 1: the gfn each present spte maps (sp->gfns), for rmap removal.
  std::array<std::uint64_t, kEntriesPerTable> gfns{};
  std::vector<std::pair<KvmMmuPage*, unsigned>> parent_ptes;  // the upper sptes that point here
  unsigned root_count = 0;  // vCPUs using this page as their root
  bool unsync = false;      // level 1 only: left writable, resynced at the next CR3 load
  std::list<KvmMmuPage*>::iterator link;  // place in active_mmu_pages
};

}  // namespace mmusim
