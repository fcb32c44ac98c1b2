// Host transparent huge pages (host.thp, Linux 2.6.38): a host fault in an empty 2 MiB range of a
// memslot maps a 2 MiB page whose head stands on the LRU for all 512 pages, with one young bit in
// its pmd; add_to_swap splits it first (split_huge_page); KVM maps a 2 MiB EPT entry over it
// (transparent_hugepage_adjust). Every value is derived in its comment.
#include <catch2/catch.hpp>

#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/shadow_mmu.h"
#include "kvm/tdp_mmu.h"
#include "mmu/checker.h"
#include "reclaim/vmscan.h"

using namespace mmusim;

namespace {
HostConfig thp_host(std::uint64_t swap_slots = 0) {
  HostConfig c;
  c.thp = true;
  c.new_anon_active = true;
  c.swap_slots = swap_slots;
  return c;
}
}  // namespace

TEST_CASE("host thp: a fault in an empty 2 MiB range maps a huge page, one LRU entry, one young bit", "[huge][host]") {
  // 4096 frames: min_free_kbytes = sqrt(16384 KiB * 16) = 512 KiB = 128 pages, low = 160.
  HostMemory host(4096, thp_host());
  host.add_vm(1024);  // PML4 at frame 0
  // gfn 5: pud_alloc and pmd_alloc take frames 1 and 2; the pmd is empty, gfns 0..511 lie in the
  // memslot, 4093 free >= 513 + 160: the block is the lowest aligned free one, 512 (0..511 holds
  // 0..2), then the deposited page table takes frame 3 (the lowest frame the block skipped).
  const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{5}, false);
  CHECK(g.minor_fault);
  CHECK(g.pfn.v == 512 + 5);
  CHECK(host.stats().host_huge_pages == 1);
  CHECK(host.stats().minor_faults == 1);
  CHECK(host.frames().used() == 3 + 512 + 1);
  CHECK(host.host_table(0).table_pages() == 4);  // PML4, PDPT, PD and the deposited table
  CHECK(host.resident_guest_pages() == 512);
  CHECK(host.mapped_pages() == 512);
  // One LRU entry, the head, on the active list (2.6.28's rule for a new anonymous page), counted
  // as its 512 pages (2.6.38's add_page_to_lru_list: hpage_nr_pages).
  CHECK(host.lru().size(LruList::ActiveAnon) == 512);
  CHECK(host.lru().on_lru(512));
  CHECK_FALSE(host.lru().on_lru(513));
  // Another gfn of the range finds the page present: no fault.
  const HostMemory::Gup g2 = host.gfn_to_pfn(0, Gfn{300}, false);
  CHECK_FALSE(g2.minor_fault);
  CHECK(g2.pfn.v == 512 + 300);
  CHECK(host.stats().minor_faults == 1);
  // page_referenced on the head: PG_referenced (FOLL_TOUCH's mark_page_accessed) and the pmd's
  // young bit: 2; both are then clear: 0. A touch of any of the 512 pages through gfn_to_pfn marks
  // the head again: 1. One bit stands for 512 pages.
  CauseCycles c;
  CHECK(host.page_referenced(Pfn{512}, c) == 2);
  CHECK(host.page_referenced(Pfn{512}, c) == 0);
  host.gfn_to_pfn(0, Gfn{511}, false);
  CHECK(host.page_referenced(Pfn{512}, c) == 1);
  CHECK(host.check().empty());
}

TEST_CASE("host thp: add_to_swap splits the huge page first; its tails join the LRU", "[huge][host]") {
  HostMemory host(4096, thp_host(1024));
  host.add_vm(1024);
  host.gfn_to_pfn(0, Gfn{7}, true);  // a write: the pmd dirty, the head PG_dirty
  REQUIRE(host.stats().host_huge_pages == 1);
  // split_huge_page (2.6.38 add_to_swap): the deposited table (frame 3) takes 512 ptes with the
  // pmd's bits and the pmd points at it; the 511 tails go onto the list the head's flags name (the
  // active list: the head was new and active) and the head, one page now, counts 1 there
  // (__split_huge_page_refcount: 512 - 511), so the active list still holds 512 pages, in 512
  // entries. Then the head gets its slot. No frame is allocated: 516 stay in use.
  CHECK(host.lru().size(LruList::ActiveAnon) == 512);  // before: one entry of 512
  CHECK(host.add_to_swap(Pfn{512}));
  CHECK(host.stats().huge_pages_split == 1);
  CHECK(host.frames().used() == 516);
  CHECK(host.lru().size(LruList::ActiveAnon) == 512);
  const Pte* p = host.host_pte(0, Gfn{7});
  REQUIRE(p != nullptr);
  CHECK_FALSE(p->large());
  CHECK(p->frame() == 512 + 7);
  CHECK(p->accessed());
  CHECK(p->dirty());
  CHECK(host.host_table(0).table_at(3)->e[7].frame() == 512 + 7);
  CHECK(host.page(Pfn{512}).swapcache);
  CHECK_FALSE(host.page(Pfn{513}).swapcache);
  CHECK(host.page(Pfn{513}).dirty);  // the tails are dirty after a split
  CHECK(host.check().empty());
}

TEST_CASE("host thp: a 2 MiB EPT entry only where the host maps a huge page; 15 and 16 references", "[huge][nested]") {
  // 1200 host frames: min_free_kbytes = sqrt(4800 KiB * 16) = 277 KiB = 69 pages, low 86. The
  // aligned 512-frame groups are 0..511 (the host tables' frames are there), 512..1023, and
  // 1024..1535, which does not fit: one huge page at most.
  HostMemory host(1200, thp_host());
  host.add_vm(1024);
  GuestOs guest{1024, "guest", 3200, true, true};  // guest THP
  KvmConfig kc;
  kc.host_thp = true;
  TdpMmu kvm(0, host, guest, kc);
  MmuConfig mc;
  Mmu mmu(mc);
  kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
  CauseCycles c;
  TableNode* root = kvm.new_cr3(0, 1, true, c);
  mmu.load_context(TranslationContext{1, root, kvm.nested_root(), 0});
  for (int faults = 0;; ++faults) {
    REQUIRE(faults < 12);
    const Translation t = mmu.translate(Vpn{0x205}, false, false);
    if (t.ok) break;
    kvm.page_fault(0, Vpn{0x205}, false, false, t);
  }
  // The guest's PML4 (gfn 0) cleared at the first CR3 load: the host's first fault, gfns 0..511
  // huge. The guest's 2 MiB page is gfns 512..1023: no aligned block is left, 4 KiB host pages.
  CHECK(host.stats().host_huge_pages == 1);
  CHECK(guest.stats().huge_pages_mapped == 1);
  // EPT: one 2 MiB entry over gfns 0..511 (the guest tables' gfns 0, 1, 2 are reached through it),
  // one 4 KiB entry for the data gfn 0x205 - 0x200 + 512 = 517.
  CHECK(kvm.stats().large_sptes == 1);
  CHECK(kvm.ept_entries() == 2);
  // Every cache empty: the three guest tables' gfns through the 2 MiB EPT entry (3 refs each) and
  // their entries (1 each), then the data gfn through 4 KiB EPT pages (4): 3 * 4 + 4 = 16.
  mmu.flush_all();
  std::uint64_t before = mmu.stats().walk_refs;
  Translation t = mmu.translate(Vpn{0x205}, false, false);
  REQUIRE(t.ok);
  CHECK(mmu.stats().walk_refs - before == 16);
  CHECK(t.size == PageSize::k4K);
  CheckTarget target;
  target.root = [&](std::uint32_t pid) { return kvm.root_of_pid(pid); };
  target.table_live = [&](std::uint32_t, std::uint64_t f, const TableNode* n) { return kvm.table_live(f, n); };
  target.frames = &host.frames();
  target.ept_root = [&](std::uint32_t) { return kvm.nested_root(); };
  target.ept_root_of_vm = [&](std::uint32_t) { return kvm.nested_root(); };
  target.ept_table_live = [&](std::uint32_t, std::uint64_t f, const TableNode* n) { return kvm.ept_table_live(f, n); };
  CHECK(check_translation_caches(mmu, target).empty());
  CHECK(kvm.check().empty());
  CHECK(host.check().empty());
}

TEST_CASE("host thp: guest and host 2 MiB pages give a 15-reference walk and a 2 MiB TLB entry", "[huge][nested]") {
  // 4096 host frames: both 2 MiB ranges of the 1024-gfn memslot find a free block (512 and 1024).
  HostMemory host(4096, thp_host());
  host.add_vm(1024);
  GuestOs guest{1024, "guest", 3200, true, true};
  KvmConfig kc;
  kc.host_thp = true;
  TdpMmu kvm(0, host, guest, kc);
  MmuConfig mc;
  Mmu mmu(mc);
  kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
  CauseCycles c;
  TableNode* root = kvm.new_cr3(0, 1, true, c);
  mmu.load_context(TranslationContext{1, root, kvm.nested_root(), 0});
  for (int faults = 0;; ++faults) {
    REQUIRE(faults < 12);
    const Translation t = mmu.translate(Vpn{0x205}, false, false);
    if (t.ok) break;
    kvm.page_fault(0, Vpn{0x205}, false, false, t);
  }
  CHECK(host.stats().host_huge_pages == 2);
  CHECK(kvm.stats().large_sptes == 2);
  // (3 + 1)(3 + 1) - 1 = 15: each guest table's gfn through a 2 MiB EPT entry, the data's too.
  mmu.flush_all();
  const std::uint64_t before = mmu.stats().walk_refs;
  const Translation t = mmu.translate(Vpn{0x205}, false, false);
  REQUIRE(t.ok);
  CHECK(mmu.stats().walk_refs - before == 15);
  CHECK(t.size == PageSize::k2M);
  // An invalidation of any one gfn of the data's 2 MiB range (as try_to_unmap of one of its pages
  // after a split) drops the 2 MiB EPT entry covering it (kvm_unmap_hva's rmap_pde): the level-2
  // slot is empty again, and only the entry over gfns 0..511 is left.
  CauseCycles rc;
  kvm.invalidate_page(Gfn{600}, rc);
  CHECK(kvm.ept_entries() == 1);
  CHECK(kvm.ept_entry(600) == nullptr);
  CHECK(kvm.ept_entry(5) != nullptr);
  CHECK(kvm.check().empty());
}

namespace {
// One VM with one vCPU under shadow paging, its guest with THP, on a host with or without THP.
struct ShadowThp {
  HostMemory host;
  GuestOs guest{1024, "guest", 3200, true, true};
  ShadowMmu kvm;
  Mmu mmu{MmuConfig{}};
  explicit ShadowThp(bool host_thp) : host(4096, host_thp ? thp_host() : HostConfig{}), kvm(0, add(host), guest, cfg(host_thp)) {
    kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
    CauseCycles c;
    mmu.load_cr3(1, kvm.new_cr3(0, 1, true, c));
  }
  static HostMemory& add(HostMemory& h) {
    h.add_vm(1024);
    return h;
  }
  static KvmConfig cfg(bool host_thp) {
    KvmConfig k;
    k.host_thp = host_thp;
    return k;
  }
  void touch(std::uint64_t vpn) {
    for (int faults = 0;; ++faults) {
      REQUIRE(faults < 12);
      const Translation t = mmu.translate(Vpn{vpn}, false, false);
      if (t.ok) return;
      kvm.page_fault(0, Vpn{vpn}, false, false, t);
    }
  }
};
}  // namespace

TEST_CASE("shadow thp: a guest 2 MiB page gets a 2 MiB spte only over a host huge page", "[huge][kvm]") {
  // The guest maps vpn 0x205 with a 2 MiB page (gfns 512..1023; its PML4, PDPT and PD are gfns 0,
  // 1, 2). KVM shadows the PML4, PDPT and PD (3 shadow pages).
  SECTION("host 4 KiB pages: a direct level-1 page of 4 KiB sptes (FNAME(fetch), metaphysical)") {
    ShadowThp m(false);
    m.touch(0x205);
    CHECK(m.guest.stats().huge_pages_mapped == 1);
    CHECK(m.kvm.stats().large_sptes == 0);
    CHECK(m.kvm.mode_pages() == 4);  // PML4, PDPT, PD shadows and the direct page of gfn 512
    // The shadow table is walked like a 4 KiB mapping: 4 references, a 4 KiB TLB entry.
    m.mmu.flush_all();
    const std::uint64_t before = m.mmu.stats().walk_refs;
    const Translation t = m.mmu.translate(Vpn{0x205}, false, false);
    REQUIRE(t.ok);
    CHECK(m.mmu.stats().walk_refs - before == 4);
    CHECK(t.size == PageSize::k4K);
    // Another 4 KiB page of the guest's 2 MiB page: a new spte in the same direct page.
    m.touch(0x3ff);
    CHECK(m.kvm.mode_pages() == 4);
    CHECK(m.kvm.check().empty());
  }
  SECTION("host huge pages: one 2 MiB spte, a 3-reference walk, a 2 MiB TLB entry") {
    ShadowThp m(true);
    m.touch(0x205);
    CHECK(m.guest.stats().huge_pages_mapped == 1);
    // gfns 0..511 and 512..1023 are host huge pages (the guest cleared gfn 0, then 512..1023).
    CHECK(m.host.stats().host_huge_pages == 2);
    CHECK(m.kvm.stats().large_sptes == 1);
    CHECK(m.kvm.mode_pages() == 3);
    m.mmu.flush_all();
    const std::uint64_t before = m.mmu.stats().walk_refs;
    const Translation t = m.mmu.translate(Vpn{0x205}, false, false);
    REQUIRE(t.ok);
    CHECK(m.mmu.stats().walk_refs - before == 3);
    CHECK(t.size == PageSize::k2M);
    // Every 4 KiB page of it hits the 2 MiB entry: no fault, no walk.
    const std::uint64_t walks = m.mmu.stats().walks;
    m.touch(0x3ff);
    CHECK(m.mmu.stats().walks == walks);
    CHECK(m.kvm.check().empty());
    CHECK(m.host.check().empty());
  }
}

TEST_CASE("host thp, split LRU: list sizes count a huge page as 512; inactive_anon_is_low and scan targets follow", "[huge][reclaim]") {
  HostMemory host(4096, thp_host());
  host.add_vm(1024);  // VM 0: its 2 MiB ranges lie in the memslot
  host.add_vm(64);    // VM 1: 64 gfns, no whole 2 MiB range: 4 KiB pages only
  Vmscan vm(host, VmscanConfig{});
  const std::uint64_t head = host.gfn_to_pfn(0, Gfn{5}, false).pfn.v - 5;
  std::vector<Pfn> small;
  for (std::uint64_t g = 0; g < 3; ++g) small.push_back(host.gfn_to_pfn(1, Gfn{g}, false).pfn);
  REQUIRE(host.stats().host_huge_pages == 1);
  // All new and active (2.6.28): the head counts 512 (hpage_nr_pages), the three 4 KiB pages 1
  // each: 512 + 3 = 515.
  CHECK(host.lru().list_of(head) == LruList::ActiveAnon);
  CHECK(host.lru().size(LruList::ActiveAnon) == 512 + 3);
  CHECK(host.lru().size(LruList::InactiveAnon) == 0);
  // Scan targets, pages >> priority (get_scan_count, 2.6.38): 515 >> 12 = 0, 515 >> 9 = 1,
  // 515 >> 8 = 2, the whole 515 at priority 0. (Counting the huge page as one entry, 4 >> 9 = 0.)
  CHECK(vm.scan_target(LruList::ActiveAnon, 12) == 0);
  CHECK(vm.scan_target(LruList::ActiveAnon, 9) == 1);
  CHECK(vm.scan_target(LruList::ActiveAnon, 8) == 2);
  CHECK(vm.scan_target(LruList::ActiveAnon, 0) == 515);
  // The three 4 KiB pages to the inactive list: inactive 3, active 512. 16 MiB of host memory:
  // inactive_ratio 1; 3 * 1 < 512: the inactive list is low (it would not be with the head as
  // one page: 3 < 1 is false).
  for (const Pfn p : small) host.deactivate(p);
  CHECK(host.lru().size(LruList::InactiveAnon) == 3);
  CHECK(host.lru().size(LruList::ActiveAnon) == 512);
  CHECK(vm.inactive_anon_is_low());
  CHECK(vm.scan_target(LruList::ActiveAnon, 9) == 1);    // 512 >> 9
  CHECK(vm.scan_target(LruList::InactiveAnon, 0) == 3);  // the whole list
  CHECK(host.check().empty());
}

TEST_CASE("host thp, split LRU: isolating a huge page scans one entry and takes 512 pages (isolate_lru_pages, 2.6.38)",
          "[huge][reclaim]") {
  // 1024 frames, min_free_kb 1440: min 360, low 450, high 540 pages. The fault: PML4, PDPT and PD
  // in frames 0..2, 1021 free >= 513 + 450, the block 512..1023, the deposited table frame 3:
  // 508 free, below high. No swap.
  HostConfig c = thp_host();
  c.min_free_kb = 1440;
  HostMemory host(1024, c);
  host.add_vm(1024);
  host.gfn_to_pfn(0, Gfn{5}, false);  // head 512, active, PG_referenced (FOLL_TOUCH), pmd young
  REQUIRE(host.stats().host_huge_pages == 1);
  REQUIRE(host.free_pages() == 508);
  Vmscan vm(host, VmscanConfig{100, 300});
  // One kswapd batch (balance_pgdat, priority 12, free 508 <= high 540), the simpler scan rule:
  // quotas (512 >> 12) + 1 = 1 for the active list and (0 >> 12) + 1 = 1 for the inactive one.
  // - active quota, 1 entry: inactive 0 < active 512, shrink_active_list: the head, one entry
  //   scanned, 512 pages taken; referenced (PG_referenced and the young pmd, cleared), deactivated:
  //   512 pages deactivated.
  // - inactive quota, 1 entry: the head again (scanned 2, taken 1024); not referenced now;
  //   add_to_swap fails without swap: activated (one entry, as pgactivate).
  // - the end of shrink_zone: inactive 0 < active 512: shrink_active_list(32) takes the head
  //   (scanned 3, taken 1536) and deactivates it (1024 pages); the active list is then empty.
  // The priority scanned pages: the batch ends.
  vm.kswapd_begin();
  const Reclaimer::Batch b = vm.kswapd_batch(0);
  CHECK_FALSE(b.pass_done);
  CHECK(b.progress == 0);
  CHECK(vm.stats().pages_scanned == 3);
  CHECK(vm.stats().pages_taken == 3 * 512);
  CHECK(vm.stats().pages_deactivated == 2 * 512);
  CHECK(vm.stats().pages_activated == 1);
  CHECK(host.lru().size(LruList::InactiveAnon) == 512);
  CHECK(host.lru().size(LruList::ActiveAnon) == 0);
  CHECK(host.check().empty());
}
