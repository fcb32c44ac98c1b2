// Huge pages in the tables, the walks and the TLBs: a PS entry at level 2 (2 MiB) or 3 (1 GiB)
// ends the walk (Intel SDM vol. 3A, 4.5); a 2D walk over g guest levels and h EPT levels reads
// (g + 1)(h + 1) - 1 entries; 2 MiB entries live in the L1's 2 MiB arrays and in the shared STLB
// under keys of the 2 MiB page number. Every count is derived in its comment.
#include <catch2/catch.hpp>

#include "common/errors.h"
#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/tdp_mmu.h"
#include "mmu/checker.h"
#include "mmu/mmu.h"
#include "native/native_os.h"

using namespace mmusim;

namespace {
MmuConfig small_config(unsigned pwc = 0) {
  MmuConfig c;
  c.l1i_entries = 4, c.l1i_ways = 4;
  c.l1d_entries = 4, c.l1d_ways = 4;
  c.stlb_entries = 8, c.stlb_ways = 4;
  c.l1d_2m_entries = 4, c.l1d_2m_ways = 4;
  c.pwc_entries = pwc;
  c.l1_hit_cycles = 1, c.stlb_hit_cycles = 9, c.walk_ref_cycles = 20;
  return c;
}

CheckTarget native_target(const NativeOs& os) { return os.check_target(); }
}  // namespace

TEST_CASE("huge pages: a 2 MiB leaf ends the native walk after 3 references", "[huge]") {
  FrameAllocator frames(2048, "host");
  PageTable pt(frames);  // PML4 at frame 0
  // 2 MiB page number 1 (vpns 0x200..0x3ff) -> the block at frame 512; the PDPT and PD take
  // frames 1 and 2 (map_large allocates them after the block).
  const auto block = frames.alloc_block(9);
  REQUIRE(block == std::optional<std::uint64_t>{512});
  pt.map_large(Vpn{0x200}, *block, pte_bits::W | pte_bits::U, PageSize::k2M);
  CHECK(pt.table_pages() == 3);
  Mmu mmu(small_config());
  mmu.load_cr3(0, pt.root());
  // L1 miss (1) + STLB miss (9) + PML4, PDPT, PD (3 refs = 60) = 70 cycles.
  const Translation t = mmu.translate(Vpn{0x205}, false, false);
  REQUIRE(t.ok);
  CHECK(t.size == PageSize::k2M);
  CHECK(t.frame == 512 + 5);
  CHECK(t.cycles == 70);
  CHECK(mmu.stats().walk_refs == 3);
  CHECK(mmu.stats().walks_2m == 1);
  // Another 4 KiB page of the same 2 MiB page hits the L1's 2 MiB entry: 1 cycle, no miss.
  const Translation u = mmu.translate(Vpn{0x3ff}, true, false);
  REQUIRE(u.ok);
  CHECK(u.cycles == 1);
  CHECK(u.frame == 512 + 0x1ff);
  CHECK(mmu.stats().l1d_misses == 1);
  CHECK(mmu.stats().tlb_2m_hits == 1);
  CHECK(mmu.stats().walks == 1);
  // The read walk left the 2 MiB entry clean: the write took a dirty-bit assist (0 cycles here)
  // that set D in the PD's large entry.
  CHECK(mmu.stats().dirty_assists == 1);
  CHECK(pt.leaf(Vpn{0x300})->dirty());
  CHECK(pt.leaf(Vpn{0x300})->large());
  // INVLPG of any address in the page drops the 2 MiB entry: the next lookup walks again.
  mmu.invlpg(0, Vpn{0x250});
  CHECK(mmu.translate(Vpn{0x205}, false, false).cycles == 70);
  CHECK(mmu.stats().walks == 2);
}

TEST_CASE("huge pages: the page-walk cache holds the tables above a 2 MiB leaf, never the leaf", "[huge]") {
  FrameAllocator frames(4096, "host");
  PageTable pt(frames);
  pt.map_large(Vpn{0x200}, *frames.alloc_block(9), pte_bits::W | pte_bits::U, PageSize::k2M);
  pt.map_large(Vpn{0x400}, *frames.alloc_block(9), pte_bits::W | pte_bits::U, PageSize::k2M);
  Mmu mmu(small_config(8));
  mmu.load_cr3(0, pt.root());
  REQUIRE(mmu.translate(Vpn{0x200}, false, false).ok);
  // The walk read PML4 -> PDPT -> PD: the cache holds the PDPT (level 3) and the PD (level 2);
  // the large PD entry is a leaf, so no level-1 table is cached.
  unsigned levels[5] = {};
  for (const auto& e : mmu.pwc().entries())
    if (e.valid()) ++levels[e.level];
  CHECK(levels[3] == 1);
  CHECK(levels[2] == 1);
  CHECK(levels[1] == 0);
  // The second 2 MiB page (another STLB key) starts at the cached PD: 1 reference.
  const std::uint64_t before = mmu.stats().walk_refs;
  REQUIRE(mmu.translate(Vpn{0x400}, false, false).ok);
  CHECK(mmu.stats().walk_refs - before == 1);
  CHECK(mmu.stats().pwc_hits == 1);
}

TEST_CASE("huge pages: a miss on a page whose 2 MiB entry the TLB held is not compulsory", "[huge][tlb]") {
  // The three Cs (miss_classifier.h) of a miss on a page of a 2 MiB page: compulsory only if
  // neither its 4 KiB key nor the 2 MiB key was ever held (the L1: its 4 KiB array or its 2 MiB
  // array; the STLB holds both sizes); conflict if the fully associative shadow still holds either.
  FrameAllocator frames(4096, "host");
  PageTable pt(frames);
  // 2 MiB pages 1, 3, 5, 7 and 9 (vpns 0x200, 0x600, 0xa00, 0xe00, 0x1200): all in STLB set 1 of 2.
  for (std::uint64_t p : {1, 3, 5, 7, 9})
    pt.map_large(Vpn{p * 512}, *frames.alloc_block(9), pte_bits::W | pte_bits::U, PageSize::k2M);
  {
    // A flush, then another 4 KiB page of the same 2 MiB page: the TLBs held its 2 MiB entry and
    // the shadows lost it with the flush: capacity misses, not compulsory ones.
    Mmu mmu(small_config());
    mmu.load_cr3(0, pt.root());
    REQUIRE(mmu.translate(Vpn{0x205}, false, false).ok);
    mmu.flush_all();
    REQUIRE(mmu.translate(Vpn{0x3ff}, false, false).ok);
    CHECK(mmu.l1d().miss_counts().compulsory == 1);
    CHECK(mmu.l1d().miss_counts().capacity == 1);
    CHECK(mmu.stlb().miss_counts().compulsory == 1);
    CHECK(mmu.stlb().miss_counts().capacity == 1);
  }
  {
    // Five 2 MiB pages, then page 1 again (vpn 0x201): the L1's 2 MiB array (4 entries, 1 set)
    // and its shadow (4, LRU) both dropped it: capacity. STLB set 1 (4 ways) dropped it (least
    // recent of 5) but its shadow of 8 entries holds all five: conflict.
    Mmu mmu(small_config());
    mmu.load_cr3(0, pt.root());
    for (std::uint64_t p : {1, 3, 5, 7, 9}) REQUIRE(mmu.translate(Vpn{p * 512}, false, false).ok);
    REQUIRE(mmu.translate(Vpn{0x201}, false, false).ok);
    CHECK(mmu.stats().walks == 6);
    CHECK(mmu.l1d().miss_counts().compulsory == 5);
    CHECK(mmu.l1d().miss_counts().capacity == 1);
    CHECK(mmu.l1d().miss_counts().conflict == 0);
    CHECK(mmu.stlb().miss_counts().compulsory == 5);
    CHECK(mmu.stlb().miss_counts().capacity == 0);
    CHECK(mmu.stlb().miss_counts().conflict == 1);
  }
}

TEST_CASE("huge pages: a 2 MiB key's set is its 2 MiB page number mod sets; it never matches a 4 KiB key", "[huge]") {
  Tlb t("stlb", 8, 4);  // 2 sets
  // 2 MiB page 9 -> set 9 mod 2 = 1; the 4 KiB page with the same number 9 -> set 1 too, another key.
  const std::uint64_t k2 = tlb_key_2m(3, Vpn{9 * 512 + 17}), k4 = tlb_key(3, Vpn{9});
  CHECK(t.set_of(k2) == 1);
  CHECK(k2 != k4);
  CHECK(key_large(k2));
  CHECK_FALSE(key_large(k4));
  CHECK(key_ctx(k2) == 3);
  CHECK(key_vpn(k2).v == 9 * 512);
  t.fill(k2, 512, true, true, false, PageSize::k2M);
  CHECK(t.lookup(k4) == nullptr);
  CHECK(t.lookup(k2) != nullptr);
}

namespace {
// A guest table whose 2 MiB or 4 KiB page at `gva_vpn` maps gfn `data`, and an EPT that maps every
// guest table page and the data with pages of `ept_size`, for the 2D walk alone.
struct TwoD {
  FrameAllocator gframes{4096, "guest"}, hframes{1u << 13, "host"};
  PageTable guest{gframes}, ept{hframes};
  TwoD(PageSize guest_size, PageSize ept_size) {
    // Guest: PML4 gfn 0; a 2 MiB page -> PDPT 1, PD 2 and the block at gfn 512; a 4 KiB page ->
    // PDPT 1, PD 2, PT 3 and the frame at gfn 4.
    if (guest_size == PageSize::k2M)
      guest.map_large(Vpn{0x200}, *gframes.alloc_block(9), pte_bits::W | pte_bits::U, PageSize::k2M);
    else
      guest.map(Vpn{0x200}, gframes.alloc(), pte_bits::W | pte_bits::U);
    // EPT: the gfns 0..1023 (tables and data), 2 MiB pages or 4 KiB pages.
    if (ept_size == PageSize::k2M) {
      for (std::uint64_t g = 0; g < 1024; g += 512)
        ept.map_large(Vpn{g}, *hframes.alloc_block(9), pte_bits::W, PageSize::k2M);
    } else {
      for (std::uint64_t g = 0; g < 1024; ++g) ept.map(Vpn{g}, hframes.alloc(), pte_bits::W);
    }
  }
  std::uint64_t refs(Mmu& mmu, Translation* out = nullptr) {
    mmu.load_context(TranslationContext{0, guest.root(), ept.root(), 0});
    const Translation t = mmu.translate(Vpn{0x200}, false, false);
    REQUIRE(t.ok);
    if (out) *out = t;
    return mmu.stats().walk_refs;
  }
};
}  // namespace

TEST_CASE("huge pages: 2D walks read (g + 1)(h + 1) - 1 entries: 15, 19, 19 and 24", "[huge][nested]") {
  // Guest 2 MiB (g = 3: PML4, PDPT, PD) and EPT 2 MiB (h = 3): each of the 3 guest tables' gfns
  // takes 3 EPT references, then its entry 1; the data's gfn 3 more: 3 * (3 + 1) + 3 = 15.
  {
    TwoD w(PageSize::k2M, PageSize::k2M);
    Mmu mmu(small_config());
    Translation t;
    CHECK(w.refs(mmu, &t) == 15);
    CHECK(mmu.stats().walk_refs_guest == 3);
    CHECK(mmu.stats().walk_refs_ept == 12);
    CHECK(t.size == PageSize::k2M);  // both dimensions large: one 2 MiB entry
    CHECK(mmu.stats().walks_2m == 1);
  }
  // Guest 2 MiB, EPT 4 KiB (h = 4): 3 * (4 + 1) + 4 = 19, cached as a 4 KiB entry.
  {
    TwoD w(PageSize::k2M, PageSize::k4K);
    Mmu mmu(small_config());
    Translation t;
    CHECK(w.refs(mmu, &t) == 19);
    CHECK(mmu.stats().walk_refs_guest == 3);
    CHECK(t.size == PageSize::k4K);
    CHECK(mmu.stats().walks_2m == 1);
  }
  // Guest 4 KiB (g = 4), EPT 2 MiB: 4 * (3 + 1) + 3 = 19.
  {
    TwoD w(PageSize::k4K, PageSize::k2M);
    Mmu mmu(small_config());
    Translation t;
    CHECK(w.refs(mmu, &t) == 19);
    CHECK(mmu.stats().walk_refs_guest == 4);
    CHECK(t.size == PageSize::k4K);
    CHECK(mmu.stats().walks_2m == 0);
  }
  // Both 4 KiB: 4 * (4 + 1) + 4 = 24, as before huge pages.
  {
    TwoD w(PageSize::k4K, PageSize::k4K);
    Mmu mmu(small_config());
    CHECK(w.refs(mmu) == 24);
  }
}

TEST_CASE("huge pages: the native OS with THP maps a 2 MiB page at the first touch of an empty range", "[huge]") {
  FrameAllocator frames(2048, "host");
  NativeOs os(frames, true);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);  // PML4 at frame 0
  mmu.load_cr3(ctx, os.table(ctx).root());
  auto touch = [&](std::uint64_t vpn) {
    for (;;) {
      if (mmu.translate(Vpn{vpn}, false, false).ok) return;
      os.handle_page_fault(ctx, Vpn{vpn});
    }
  };
  // vpn 0x201: pud_alloc and pmd_alloc take frames 1 and 2; the pmd is empty, 0..511 holds 0..2,
  // so the huge page is the block at 512; then the page table deposited with it (pte_alloc_one)
  // takes the lowest never-used frame, 3.
  touch(0x201);
  CHECK(os.stats().huge_pages_mapped == 1);
  CHECK(os.stats().page_faults == 1);
  CHECK(frames.used() == 3 + 512 + 1);
  CHECK(os.table(ctx).table_pages() == 4);  // PML4, PDPT, PD and the deposited table
  CHECK(os.table(ctx).table_at(3) != nullptr);
  CHECK(os.table(ctx).leaf(Vpn{0x201})->frame() == 512);
  // Every other page of the 2 MiB range needs no fault: vpn 0x3ff hits the 2 MiB TLB entry.
  touch(0x3ff);
  CHECK(os.stats().page_faults == 1);
  // The next ranges (vpns 0x400.., 0x600..) take the blocks at 1024 and 1536, the last two of 2048
  // frames, and their deposited tables frames 4 and 5.
  touch(0x400);
  touch(0x600);
  CHECK(os.stats().huge_pages_mapped == 3);
  CHECK(os.table(ctx).leaf(Vpn{0x600})->frame() == 1536);
  CHECK(frames.used() == 3 + 3 * 512 + 3);
  // A fourth range finds no free block: the fault falls back to a 4 KiB page, the lowest frame the
  // first block skipped that the deposits left (6), then its page table (7).
  touch(0x800);
  CHECK(os.stats().huge_pages_mapped == 3);
  CHECK(os.stats().thp_fault_fallback == 1);
  CHECK(os.table(ctx).leaf(Vpn{0x800})->frame() == 6);
  CHECK_FALSE(os.table(ctx).leaf(Vpn{0x800})->large());
  CHECK(os.table(ctx).table_pages() == 3 + 3 + 1);  // PML4, PDPT, PD, 3 deposited, the PT of 0x800
  CHECK(frames.used() == 3 + 3 * 512 + 3 + 2);
  CHECK(os.check().empty());
  CHECK(check_translation_caches(mmu, native_target(os)).empty());
}

TEST_CASE("huge pages: no frame for the deposited page table is out of memory, not a fallback (2.6.38)", "[huge]") {
  // 1024 frames: the PML4 takes frame 0; frames 1..509 are taken by hand. The fault's pud_alloc and
  // pmd_alloc take 510 and 511; the block 512..1023 is free, but then no frame is left for
  // pte_alloc_one: __do_huge_pmd_anonymous_page (2.6.38) puts the huge page back and returns
  // VM_FAULT_OOM (later kernels fall back to 4 KiB pages instead).
  FrameAllocator frames(1024, "host");
  NativeOs os(frames, true);
  const auto ctx = os.context(0, 1);
  for (int i = 0; i < 509; ++i) frames.alloc();
  CHECK_THROWS_AS(os.handle_page_fault(ctx, Vpn{0x201}), OutOfMemory);
  CHECK(frames.used() == 512);  // the block went back; the PDPT and PD stay, as in Linux
  CHECK(os.stats().huge_pages_mapped == 0);
  CHECK(os.stats().thp_fault_fallback == 0);
  CHECK(os.table(ctx).table_pages() == 3);
  CHECK(os.table(ctx).leaf(Vpn{0x201}) == nullptr);  // the pmd stays empty: no huge page, no page table
}

TEST_CASE("huge pages: a guest 2 MiB page on 4 KiB EPT pages under KVM walks 19 references", "[huge][nested]") {
  HostMemory host{8192};
  host.add_vm(1024);
  GuestOs guest{1024, "guest", 3200, true, true};
  MmuConfig mc = small_config();
  TdpMmu kvm(0, host, guest, KvmConfig{});
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
  // The guest's #PF allocated PDPT (gfn 1) and PD (gfn 2), the 2 MiB page at gfn 512 and the page
  // table deposited with it (gfn 3, cleared: PGALLOC_GFP has __GFP_ZERO), and cleared all 512
  // frames of the page (clear_huge_page): with the PML4 (gfn 0), 516 guest frames, each cleared
  // once, so each one host minor fault (gfn_to_pfn of a gfn the host never mapped).
  CHECK(guest.stats().huge_pages_mapped == 1);
  CHECK(guest.frames().used() == 516);
  CHECK(guest.table_pages() == 4);
  CHECK(guest.table_at(3) != nullptr);
  CHECK(host.stats().minor_faults == 516);
  // With every cache empty again: 3 guest levels, each through a 4-level EPT walk, then the data
  // gfn's EPT walk: 3 * (4 + 1) + 4 = 19.
  mmu.flush_all();
  const std::uint64_t before = mmu.stats().walk_refs;
  const Translation t = mmu.translate(Vpn{0x205}, false, false);
  REQUIRE(t.ok);
  CHECK(mmu.stats().walk_refs - before == 19);
  CHECK(t.size == PageSize::k4K);  // the EPT maps 4 KiB: a 4 KiB entry
}
