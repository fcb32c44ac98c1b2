// Unit tests of the host model (models/host/host_memory.h): memslot, gfn_to_pfn and its host
// fault, FOLL_TOUCH, struct page flags, kernel pages, out of memory, check().
// Every expected value is derived by hand in the comments from the kernel rule named there.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "common/errors.h"
#include "host/host_memory.h"

using namespace mmusim;

namespace {
// The host-virtual page number of `gfn` in the VMM process (kMemslotBase = 0x7f0000000000, so
// its page number is 0x7f0000000; gfn g is g pages above it).
Vpn hvpn(std::uint64_t gfn) { return Vpn{0x7f0000000ull + gfn}; }
}  // namespace

TEST_CASE("host: the memslot puts gfn g at hva base + g * 4 KiB (__gfn_to_hva)", "[host]") {
  // virt/kvm/kvm_main.c __gfn_to_hva: slot->userspace_addr + (gfn - slot->base_gfn) * PAGE_SIZE,
  // one memslot with base_gfn 0 at userspace_addr 0x7f00_0000_0000.
  HostMemory host(16);
  host.add_vm(8);
  host.add_vm(8);
  CHECK(host.vms() == 2);
  CHECK(host.gfn_to_hva(0, Gfn{0}).v == 0x7f0000000000ull);
  CHECK(host.gfn_to_hva(0, Gfn{1}).v == 0x7f0000001000ull);
  CHECK(host.gfn_to_hva(0, Gfn{0x12345}).v == 0x7f0012345000ull);  // 0x12345 * 0x1000 = 0x12345000
  // Each VM is its own VMM process with its own address space: the same hva for the same gfn.
  CHECK(host.gfn_to_hva(1, Gfn{5}).v == 0x7f0000005000ull);
}

TEST_CASE("host: struct page flags take 24 bytes a frame, start clear, and gfns are 32-bit", "[host]") {
  STATIC_REQUIRE(sizeof(HostPage) == 24);
  const HostPage p{};
  CHECK(p.use == HostPage::Use::Free);
  CHECK_FALSE((p.referenced || p.active || p.dirty || p.swapcache || p.writeback));
  CHECK(p.slot == SwapDevice::kNoSlot);
  HostMemory host(16);
  CHECK_NOTHROW(host.add_vm(std::uint64_t{1} << 24));  // guest.mem_mb at most 2^16 MiB
  CHECK_THROWS_AS(host.add_vm((std::uint64_t{1} << 32) + 1), std::invalid_argument);
  // The highest gfn of a VM is kept whole in its frame's reverse map.
  host.add_vm(std::uint64_t{1} << 32);
  const Pfn pfn = host.gfn_to_pfn(1, Gfn{0xffffffffull}, false).pfn;
  CHECK(host.page(pfn).gfn == 0xffffffffull);
}

TEST_CASE("host: first gfn_to_pfn is a minor fault mapping a young frame, the second finds it", "[host]") {
  // gfn_to_pfn -> get_user_pages: follow_page finds no pte -> handle_mm_fault ->
  // __handle_mm_fault (pud_alloc, pmd_alloc, pte_alloc) -> do_anonymous_page (a new page, its pte
  // made with vm_page_prot, which carries _PAGE_ACCESSED on x86: young).
  HostMemory host(64);
  host.add_vm(16);
  // add_vm: the VM's host PML4 takes one frame.
  REQUIRE(host.frames().used() == 1);
  const std::uint64_t pml4 = host.host_table(0).root_frame();
  CHECK(host.page(Pfn{pml4}).use == HostPage::Use::HostPageTable);

  const HostMemory::Gup g1 = host.gfn_to_pfn(0, Gfn{3}, false);
  CHECK(g1.minor_fault);
  // 1 PML4 + PDPT + PD + PT + the data page = 5 frames, numbered 0..4 (ascending allocator).
  CHECK(host.frames().used() == 5);
  CHECK(host.host_table(0).table_pages() == 4);
  CHECK(g1.pfn.v <= 4);
  CHECK(host.host_table(0).table_at(g1.pfn.v) == nullptr);  // the data frame is no table page
  for (std::uint64_t f = 0; f <= 4; ++f)
    if (f != g1.pfn.v) CHECK(host.page(Pfn{f}).use == HostPage::Use::HostPageTable);

  const Pte* p = host.host_table(0).leaf(hvpn(3));
  REQUIRE(p != nullptr);
  CHECK(p->present());
  CHECK(p->frame() == g1.pfn.v);
  CHECK(p->accessed());   // young at fault-in
  CHECK_FALSE(p->dirty());  // this model: dirty only when the fault is a write
  CHECK(p->writable());
  CHECK(p->user());

  const HostPage& pg = host.page(g1.pfn);
  CHECK(pg.use == HostPage::Use::GuestMemory);
  CHECK(pg.vm == 0);
  CHECK(pg.gfn == 3);  // the reverse map
  CHECK(pg.mapcount == 1);
  CHECK_FALSE(pg.dirty);
  CHECK(host.stats().minor_faults == 1);
  CHECK(host.stats().gup_calls == 1);
  CHECK(host.check().empty());

  // Second lookup: follow_page finds the pte, no fault, no new frame.
  const HostMemory::Gup g2 = host.gfn_to_pfn(0, Gfn{3}, false);
  CHECK_FALSE(g2.minor_fault);
  CHECK(g2.pfn == g1.pfn);
  CHECK(host.frames().used() == 5);
  CHECK(host.stats().minor_faults == 1);
  CHECK(host.stats().gup_calls == 2);

  // A second gfn in the same 2 MiB of hva shares the PT: 1 new frame only (5 + 1 = 6).
  const HostMemory::Gup g3 = host.gfn_to_pfn(0, Gfn{4}, false);
  CHECK(g3.minor_fault);
  CHECK(g3.pfn != g1.pfn);
  CHECK(host.frames().used() == 6);
  CHECK(host.stats().minor_faults == 2);
  CHECK(host.check().empty());
}

TEST_CASE("host: FOLL_TOUCH mark_page_accessed walks the four LRU states, then stays (mark_page_accessed)", "[host]") {
  // mm/swap.c mark_page_accessed:
  //   if (!PageActive && PageReferenced) { activate_page; ClearPageReferenced }
  //   else if (!PageReferenced) SetPageReferenced
  // follow_page with FOLL_TOUCH calls it once per get_user_pages. New pages start inactive here
  // (reclaim.new_anon_active = false, the 6.x rule) so that all four states show.
  HostConfig six;
  six.new_anon_active = false;
  HostMemory host(64, six);
  host.add_vm(16);
  const Pfn pfn = host.gfn_to_pfn(0, Gfn{7}, false).pfn;
  // call 1: fresh page (inactive, unreferenced) -> inactive, referenced
  CHECK_FALSE(host.page(pfn).active);
  CHECK(host.page(pfn).referenced);
  // call 2: inactive, referenced -> activate: active, unreferenced
  host.gfn_to_pfn(0, Gfn{7}, false);
  CHECK(host.page(pfn).active);
  CHECK_FALSE(host.page(pfn).referenced);
  // call 3: active, unreferenced -> active, referenced
  host.gfn_to_pfn(0, Gfn{7}, false);
  CHECK(host.page(pfn).active);
  CHECK(host.page(pfn).referenced);
  // call 4 and 5: active, referenced stays
  host.gfn_to_pfn(0, Gfn{7}, false);
  host.gfn_to_pfn(0, Gfn{7}, false);
  CHECK(host.page(pfn).active);
  CHECK(host.page(pfn).referenced);
  CHECK(host.stats().gup_calls == 5);
  CHECK(host.stats().minor_faults == 1);

  // The same rule called directly (rmap_remove -> kvm_set_pfn_accessed -> mark_page_accessed).
  const Pfn other = host.gfn_to_pfn(0, Gfn{8}, false).pfn;  // inactive, referenced
  host.mark_page_accessed(other);                           // active, unreferenced
  CHECK(host.page(other).active);
  CHECK_FALSE(host.page(other).referenced);
}

TEST_CASE("host: gfn_to_pfn with write sets PG_dirty on a clean page (follow_page, set_page_dirty)", "[host]") {
  // follow_page, FOLL_TOUCH: if ((flags & FOLL_WRITE) && !pte_dirty(pte) && !PageDirty(page))
  // set_page_dirty(page). The pte itself is not made dirty by follow_page.
  HostMemory host(64);
  host.add_vm(16);
  const Pfn pfn = host.gfn_to_pfn(0, Gfn{2}, false).pfn;  // read fault: clean pte, clean page
  REQUIRE_FALSE(host.page(pfn).dirty);
  REQUIRE_FALSE(host.host_table(0).leaf(hvpn(2))->dirty());
  const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{2}, true);
  CHECK_FALSE(g.minor_fault);
  CHECK(host.page(pfn).dirty);
  CHECK_FALSE(host.host_table(0).leaf(hvpn(2))->dirty());

  // A write fault (do_anonymous_page with write access): the new pte is dirty, so the host knows
  // the page is dirty (try_to_unmap moves pte D into PG_dirty at reclaim).
  const Pfn w = host.gfn_to_pfn(0, Gfn{9}, true).pfn;
  const Pte* pw = host.host_table(0).leaf(hvpn(9));
  CHECK(pw->dirty());
  CHECK(pw->accessed());
  CHECK((host.page(w).dirty || pw->dirty()));

  // set_page_dirty directly.
  const Pfn r = host.gfn_to_pfn(0, Gfn{10}, false).pfn;
  REQUIRE_FALSE(host.page(r).dirty);
  host.set_page_dirty(r);
  CHECK(host.page(r).dirty);
}

TEST_CASE("host: two VMs have separate host tables and separate frames for the same gfn", "[host]") {
  // Each VM is a VMM process: its own mm, its own page table, its own anonymous pages.
  HostMemory host(64);
  host.add_vm(16);  // frame 0: VM 0's PML4
  host.add_vm(16);  // frame 1: VM 1's PML4
  CHECK(host.host_table(0).root_frame() != host.host_table(1).root_frame());
  CHECK(host.frames().used() == 2);
  const HostMemory::Gup a = host.gfn_to_pfn(0, Gfn{5}, true);
  const HostMemory::Gup b = host.gfn_to_pfn(1, Gfn{5}, true);
  CHECK(a.minor_fault);
  CHECK(b.minor_fault);  // VM 1 faults too: VM 0's page is not its page
  CHECK(a.pfn != b.pfn);
  // 2 PML4s + 2 x (PDPT + PD + PT + data) = 10
  CHECK(host.frames().used() == 10);
  CHECK(host.host_table(0).leaf(hvpn(5))->frame() == a.pfn.v);
  CHECK(host.host_table(1).leaf(hvpn(5))->frame() == b.pfn.v);
  CHECK(host.page(a.pfn).vm == 0);
  CHECK(host.page(b.pfn).vm == 1);
  CHECK(host.page(b.pfn).gfn == 5);
  // No table page is shared between the two VMs.
  std::set<std::uint64_t> t0, t1;
  for (const auto& [f, n] : host.host_table(0).tables()) t0.insert(f);
  for (const auto& [f, n] : host.host_table(1).tables()) t1.insert(f);
  CHECK(t0.size() == 4);
  CHECK(t1.size() == 4);
  for (std::uint64_t f : t0) CHECK(t1.count(f) == 0);
  CHECK(host.stats().minor_faults == 2);
  CHECK(host.check().empty());
}

TEST_CASE("host: kernel pages for shadow pages are marked, freed and reused (alloc_page, __free_page)", "[host]") {
  // kvm_mmu_alloc_page takes pages with alloc_page(GFP_KERNEL); kvm_mmu_free_page __free_page()s
  // them. Allocator: ascending, then a freed frame first (LIFO).
  HostMemory host(8);
  host.add_vm(4);  // frame 0: the PML4
  CHECK(host.page(Pfn{0}).use == HostPage::Use::HostPageTable);
  const std::uint64_t k1 = host.alloc_kernel_page();
  const std::uint64_t k2 = host.alloc_kernel_page();
  CHECK(k1 == 1);
  CHECK(k2 == 2);
  CHECK(host.page(Pfn{k1}).use == HostPage::Use::ShadowPage);
  CHECK(host.page(Pfn{k2}).use == HostPage::Use::ShadowPage);
  CHECK(host.frames().used() == 3);
  CHECK(host.check().empty());  // a shadow page counts once, without a host pte

  host.free_kernel_page(k1);
  CHECK(host.page(Pfn{k1}).use == HostPage::Use::Free);
  CHECK(host.frames().used() == 2);
  CHECK(host.check().empty());

  // Freed frame 1 is reused first, here for a guest page (then tables 3, 4, 5).
  const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{0}, false);
  CHECK(g.pfn.v == k1);
  CHECK(host.page(g.pfn).use == HostPage::Use::GuestMemory);
  CHECK(host.frames().used() == 6);
  // Freeing something that is no shadow page is a logic error, not a silent free.
  CHECK_THROWS_AS(host.free_kernel_page(g.pfn.v), std::logic_error);
  CHECK_THROWS_AS(host.free_kernel_page(0), std::logic_error);  // a page-table page
  CHECK(host.check().empty());
}

TEST_CASE("host: out of host memory throws OutOfMemory naming host.mem_mb", "[host]") {
  HostMemory host(5);
  host.add_vm(16);                      // 1 frame
  host.gfn_to_pfn(0, Gfn{0}, true);     // 3 tables + 1 page: 5 of 5
  REQUIRE(host.frames().free_count() == 0);
  try {
    host.gfn_to_pfn(0, Gfn{1}, true);  // same PT, needs 1 data frame: none left
    FAIL("no OutOfMemory");
  } catch (const OutOfMemory& e) {
    CHECK(e.key == "host.mem_mb");
  }
  try {
    host.alloc_kernel_page();
    FAIL("no OutOfMemory");
  } catch (const OutOfMemory& e) {
    CHECK(e.key == "host.mem_mb");
  }
  // Nothing was half done: the failed fault left no frame and no pte behind.
  CHECK(host.frames().used() == 5);
  CHECK(host.stats().minor_faults == 1);
  CHECK(host.host_table(0).leaf(hvpn(1))->raw == 0);
  CHECK(host.check().empty());
  // A gfn outside the memslot is a caller bug (gfn_to_memslot finds no slot).
  CHECK_THROWS_AS(host.gfn_to_pfn(0, Gfn{16}, false), std::logic_error);
}

TEST_CASE("host: check() reports a frame nobody maps and a pte mapping another VM's page", "[host][check]") {
  HostMemory host(64);
  host.add_vm(16);
  host.add_vm(16);
  const Pfn a = host.gfn_to_pfn(0, Gfn{3}, true).pfn;
  const Pfn b = host.gfn_to_pfn(1, Gfn{3}, true).pfn;
  REQUIRE(host.check().empty());

  // Through the public API: host_table() is const, but PageTable::leaf() hands out a mutable pte.
  Pte* pa = host.host_table(0).leaf(hvpn(3));
  const Pte saved = *pa;

  // 1. The pte of VM 0 cleared while its frame stays in use (an unmap that forgot to free):
  //    frame a is accounted for 0 times.
  pa->raw = 0;
  auto bad = host.check();
  REQUIRE(bad.size() == 1);
  CHECK(bad[0] == "host frame " + std::to_string(a.v) + " accounted for 0 times");

  // 2. VM 0's pte pointing at VM 1's page: not VM 0's guest memory, frame b mapped twice,
  //    frame a mapped by nobody. 3 messages.
  *pa = Pte::make(b.v, pte_bits::W | pte_bits::U | pte_bits::A);
  bad = host.check();
  CHECK(bad.size() == 3);
  CHECK(std::count_if(bad.begin(), bad.end(), [](const std::string& s) {
          return s.find("that is not its mapped guest memory") != std::string::npos;
        }) == 1);

  *pa = saved;
  CHECK(host.check().empty());
}

TEST_CASE("host: a fault that runs out of frames half way leaves no orphan frame (do_anonymous_page order)", "[host]") {
  // Kernel order: __handle_mm_fault allocates the missing tables (pud_alloc, pmd_alloc,
  // pte_alloc) before do_anonymous_page allocates the page, and a failed page allocation frees
  // nothing it has not linked. With 4 frames: PML4 + PDPT + PD fit, the PT does not.
  // Expected: OutOfMemory and every frame in use accounted for (check() empty). (This failed
  // while gfn_to_pfn took the data frame before the tables; it is a plain test since the fix.)
  HostMemory host(4);
  host.add_vm(16);
  CHECK_THROWS_AS(host.gfn_to_pfn(0, Gfn{3}, true), OutOfMemory);
  CHECK(host.stats().minor_faults == 0);
  CHECK(host.check().empty());
}

TEST_CASE("host: 2.6.28 puts a new anonymous page on the active list (lru_cache_add_active)", "[host][lru]") {
  // do_anonymous_page -> lru_cache_add_active_or_unevictable (2.6.28; lru_cache_add_active in
  // 2.6.24): the page starts active, then FOLL_TOUCH's mark_page_accessed sets PG_referenced.
  HostMemory host(64);
  host.add_vm(16);
  const Pfn pfn = host.gfn_to_pfn(0, Gfn{7}, false).pfn;
  CHECK(host.page(pfn).active);
  CHECK(host.page(pfn).referenced);
  CHECK(host.lru().list_of(pfn.v) == LruList::ActiveAnon);
  CHECK(host.lru().size(LruList::ActiveAnon) == 1);
  CHECK(host.check().empty());
}

TEST_CASE("gfn_to_pfn: get_user_pages_fast marks nothing for a present, writable host pte; FOLL_TOUCH marks every time", "[host]") {
  for (const bool fast : {true, false}) {
    HostConfig c;
    c.gup_fast = fast;
    HostMemory host(1024, c);
    host.add_vm(16);
    // The first call faults the page in: get_user_pages_fast falls back to get_user_pages, whose
    // FOLL_TOUCH marks the new (active) page: PG_referenced set either way.
    const Pfn p = host.gfn_to_pfn(0, Gfn{3}, true).pfn;
    CHECK(host.page(p).referenced);
    CauseCycles work;
    host.page_referenced(p, work);  // cleared, as a scan would
    // The second finds the host pte present and writable: 2.6.28 takes the page without a mark,
    // 2.6.25 to 2.6.27 mark it again.
    host.gfn_to_pfn(0, Gfn{3}, true);
    CHECK(host.page(p).referenced == !fast);
  }
}
