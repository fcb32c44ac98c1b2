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

// ACC_* (2.6.28 mmu.c): the permissions the guest's upper levels grant a shadow page's sptes.
constexpr std::uint8_t kAccExec = 1, kAccWrite = 2, kAccUser = 4, kAccAll = kAccExec | kAccWrite | kAccUser;

// union kvm_mmu_page_role (2.6.28 include/asm-x86/kvm_host.h), the fields this model needs: with
// the gfn, the key of a shadow page, so that one guest table shadowed two ways gets two pages.
struct KvmMmuPageRole {
  unsigned level = 0;           // the level of the guest table (4 = PML4 ... 1 = PT)
  bool direct = false;          // no guest table behind it: maps a range of gfns (a guest large page; TDP)
  std::uint8_t access = kAccAll;  // what the guest's upper levels allow

  bool operator<(const KvmMmuPageRole& o) const {
    return level != o.level ? level < o.level : direct != o.direct ? direct < o.direct : access < o.access;
  }
  bool operator==(const KvmMmuPageRole& o) const { return level == o.level && direct == o.direct && access == o.access; }
};

// The role of a shadow page of a guest table at `level`: the guest's upper entries here are
// always P|W|U without NX (the guest OS model maps them so), so `access` is always ACC_ALL.
inline KvmMmuPageRole shadow_role(unsigned level) { return KvmMmuPageRole{level, false, kAccAll}; }

struct KvmMmuPage {
  KvmMmuPage(Gfn shadowed, KvmMmuPageRole r) : gfn(shadowed), role(r), spt(r.level) {}

  Gfn gfn;              // the guest page-table page this page shadows
  KvmMmuPageRole role;  // with gfn, its key in the shadow page hash
  TableNode spt;   // the sptes; spt.frame is the host frame of this page
  // Level 1: the gfn each present spte maps (sp->gfns), for rmap removal.
  std::array<std::uint64_t, kEntriesPerTable> gfns{};
  std::vector<std::pair<KvmMmuPage*, unsigned>> parent_ptes;  // the upper sptes that point here
  unsigned root_count = 0;  // vCPUs using this page as their root
  bool unsync = false;      // level 1 only: left writable, resynced at the next CR3 load
  std::list<KvmMmuPage*>::iterator link;  // place in active_mmu_pages
};

}  // namespace mmusim
