// 1 GiB pages (guest.hugetlb_1g_gib): hugetlbfs maps a 1 GiB page at the first touch of each 1 GiB
// of its range (hugetlb_fault, 2.6.27); a PS entry at level 3 ends the walk after 2 references; the
// dTLB and the STLB hold 1 GiB entries in arrays of their own (Skylake: 4 and 16), the iTLB holds
// a 1 GiB page's 2 MiB parts; a 2D walk over a guest 1 GiB page reads (2 + 1)(h + 1) - 1 entries;
// shadow paging maps it with direct pages (2.6.32 FNAME(fetch)). Every count is derived in its
// comment.
#include <catch2/catch.hpp>

#include "common/errors.h"
#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/shadow_mmu.h"
#include "mmu/checker.h"
#include "mmu/mmu.h"
#include "native/native_os.h"

using namespace mmusim;

namespace {
constexpr std::uint64_t kGig = 1u << 18;  // 4 KiB frames (and vpns) in 1 GiB

MmuConfig small_config() {
  MmuConfig c;
  c.l1i_entries = 4, c.l1i_ways = 4;
  c.l1d_entries = 4, c.l1d_ways = 4;
  c.stlb_entries = 8, c.stlb_ways = 4;
  c.l1i_2m_entries = 4, c.l1i_2m_ways = 4;
  c.l1d_2m_entries = 4, c.l1d_2m_ways = 4;
  c.l1d_1g_entries = 4, c.l1d_1g_ways = 4;
  c.stlb_1g_entries = 8, c.stlb_1g_ways = 4;
  c.l1_hit_cycles = 1, c.stlb_hit_cycles = 9, c.walk_ref_cycles = 20;
  return c;
}
}  // namespace

TEST_CASE("1 GiB pages: a level-3 leaf ends the walk after 2 references; dTLB and STLB keep 1 GiB entries", "[huge][1g]") {
  FrameAllocator frames(2 * kGig, "host");
  PageTable pt(frames);  // PML4 at frame 0: the first 1 GiB block is not free, the block is the second
  const auto block = frames.alloc_block(18);
  REQUIRE(block == std::optional<std::uint64_t>{kGig});
  pt.map_large(Vpn{0}, *block, pte_bits::W | pte_bits::U, PageSize::k1G);
  Mmu mmu(small_config());
  mmu.load_cr3(0, pt.root());
  // 2 MiB part 3 of the 1 GiB page, its 4 KiB page 7: L1 miss (1) + STLB miss (9) + PML4 and PDPT
  // (2 refs = 40) = 50 cycles; one 1 GiB walk.
  const Translation t = mmu.translate(Vpn{3 * 512 + 7}, false, false);
  REQUIRE(t.ok);
  CHECK(t.cycles == 50);
  CHECK(mmu.stats().walk_refs == 2);
  CHECK(t.frame == kGig + 3 * 512 + 7);
  CHECK(t.size == PageSize::k1G);
  CHECK(mmu.stats().walks_1g == 1);
  CHECK(mmu.stats().walks_2m == 0);
  REQUIRE(mmu.l1d_1g() != nullptr);
  REQUIRE(mmu.stlb_1g() != nullptr);
  // Any other page of the 1 GiB page, in another 2 MiB part too, hits the dTLB's 1 GiB entry: 1 cycle.
  const Translation u = mmu.translate(Vpn{200 * 512 + 100}, false, false);
  CHECK(u.cycles == 1);
  CHECK(u.frame == kGig + 200 * 512 + 100);
  CHECK(mmu.stats().tlb_1g_hits == 1);
  CHECK(mmu.stats().walks == 1);
  // An instruction fetch: the iTLB has no 1 GiB array, so it misses (1), the STLB's 1 GiB array
  // hits (9): 10 cycles, and the iTLB's 2 MiB array gets the 2 MiB part 5 that holds the address.
  const Translation f = mmu.translate(Vpn{5 * 512 + 1}, false, true);
  CHECK(f.cycles == 10);
  CHECK(f.frame == kGig + 5 * 512 + 1);
  CHECK(mmu.stats().tlb_1g_hits == 2);
  // A fetch from the same 2 MiB part hits that 2 MiB entry (1 cycle); one from another 2 MiB part
  // misses it and hits the STLB's 1 GiB entry again (10 cycles).
  CHECK(mmu.translate(Vpn{5 * 512 + 9}, false, true).cycles == 1);
  CHECK(mmu.stats().tlb_2m_hits == 1);
  CHECK(mmu.translate(Vpn{6 * 512}, false, true).cycles == 10);
  CHECK(mmu.stats().tlb_1g_hits == 3);
  CHECK(mmu.stats().walks == 1);
  CheckTarget target;
  target.root = [&](std::uint32_t) { return pt.root(); };
  target.table_live = [](std::uint32_t, std::uint64_t, const TableNode*) { return true; };
  target.frames = &frames;
  CHECK(check_translation_caches(mmu, target).empty());
  // INVLPG of any address in the page drops the 1 GiB entries of the dTLB and the STLB: the next
  // data lookup walks again (50 cycles).
  mmu.invlpg(0, Vpn{77 * 512});
  CHECK(mmu.translate(Vpn{3 * 512 + 7}, false, false).cycles == 50);
  CHECK(mmu.stats().walks == 2);
}

TEST_CASE("1 GiB pages: a miss on a page whose 1 GiB entry the TLB held is not compulsory", "[huge][1g][tlb]") {
  // The three Cs (miss_classifier.h) of a miss on a page of a 1 GiB page: compulsory only if no key
  // of the page (4 KiB, 2 MiB, 1 GiB) was ever held; conflict if a fully associative shadow still
  // holds one. 1 GiB pages at virtual 1, 3, 5, 7 and 9 GiB: all in set 1 of the STLB's 1 GiB array
  // (8 entries, 4-way: 2 sets).
  FrameAllocator frames(6 * kGig, "host");
  PageTable pt(frames);
  for (std::uint64_t g : {1, 3, 5, 7, 9})
    pt.map_large(Vpn{g * kGig}, *frames.alloc_block(18), pte_bits::W | pte_bits::U, PageSize::k1G);
  {
    // A flush, then another page of the same 1 GiB page: the TLBs held its 1 GiB entry and the
    // shadows lost it with the flush: capacity misses, not compulsory ones.
    Mmu mmu(small_config());
    mmu.load_cr3(0, pt.root());
    REQUIRE(mmu.translate(Vpn{kGig + 5}, false, false).ok);
    mmu.flush_all();
    REQUIRE(mmu.translate(Vpn{kGig + 77 * 512}, false, false).ok);
    CHECK(mmu.l1d().miss_counts().compulsory == 1);
    CHECK(mmu.l1d().miss_counts().capacity == 1);
    CHECK(mmu.stlb().miss_counts().compulsory == 1);
    CHECK(mmu.stlb().miss_counts().capacity == 1);
  }
  {
    // Five 1 GiB pages, then the first again: the dTLB's 1 GiB array (4 entries, 1 set) and its
    // shadow (4, LRU) both dropped it: capacity. The STLB's 1 GiB set 1 (4 ways) dropped it (the
    // least recent of 5) but its shadow of 8 entries holds all five: conflict.
    Mmu mmu(small_config());
    mmu.load_cr3(0, pt.root());
    for (std::uint64_t g : {1, 3, 5, 7, 9}) REQUIRE(mmu.translate(Vpn{g * kGig}, false, false).ok);
    REQUIRE(mmu.translate(Vpn{kGig + 1}, false, false).ok);
    CHECK(mmu.stats().walks == 6);
    CHECK(mmu.l1d().miss_counts().compulsory == 5);
    CHECK(mmu.l1d().miss_counts().capacity == 1);
    CHECK(mmu.l1d().miss_counts().conflict == 0);
    CHECK(mmu.stlb().miss_counts().compulsory == 5);
    CHECK(mmu.stlb().miss_counts().capacity == 0);
    CHECK(mmu.stlb().miss_counts().conflict == 1);
  }
}

TEST_CASE("1 GiB pages: a 1 GiB key's set is its 1 GiB page number mod sets; no 2 MiB or 4 KiB key equals it", "[huge][1g]") {
  Tlb t("stlb_1g", 8, 4);  // 2 sets
  // 1 GiB page 5 -> set 5 mod 2 = 1. The 2 MiB page 5 and the 4 KiB page 5 have other keys.
  const std::uint64_t k1 = tlb_key_1g(3, Vpn{5 * kGig + 12345});
  CHECK(t.set_of(k1) == 1);
  CHECK(k1 != tlb_key_2m(3, Vpn{5 * 512}));
  CHECK(k1 != tlb_key(3, Vpn{5}));
  CHECK(key_size(k1) == PageSize::k1G);
  CHECK(key_size(tlb_key_2m(3, Vpn{5 * 512})) == PageSize::k2M);
  CHECK(key_size(tlb_key(3, Vpn{5})) == PageSize::k4K);
  CHECK(key_ctx(k1) == 3);
  CHECK(key_vpn(k1).v == 5 * kGig);
}

TEST_CASE("1 GiB pages: a 2D walk over a guest 1 GiB page reads (2 + 1)(h + 1) - 1 entries: 14 and 11", "[huge][1g][nested]") {
  // Guest: PML4 gfn 0, PDPT gfn 1 (map_large allocates it after the block), the 1 GiB page at gfn
  // 262,144 (the first aligned block free). EPT: the two table gfns and the data's 2 MiB range.
  const auto walk = [](PageSize ept_size, Translation& out) {
    FrameAllocator gframes{2 * kGig, "guest"}, hframes{8192, "host"};
    PageTable guest{gframes}, ept{hframes};
    const auto block = gframes.alloc_block(18);
    REQUIRE(block == std::optional<std::uint64_t>{kGig});
    guest.map_large(Vpn{kGig}, *block, pte_bits::W | pte_bits::U, PageSize::k1G);
    const std::uint64_t data = kGig + 3 * 512;  // vpn kGig + 3 * 512 + 7 lies in the 2 MiB range from this gfn
    if (ept_size == PageSize::k2M) {
      ept.map_large(Vpn{0}, *hframes.alloc_block(9), pte_bits::W, PageSize::k2M);
      ept.map_large(Vpn{data}, *hframes.alloc_block(9), pte_bits::W, PageSize::k2M);
    } else {
      for (std::uint64_t g : {std::uint64_t{0}, std::uint64_t{1}}) ept.map(Vpn{g}, hframes.alloc(), pte_bits::W);
      for (std::uint64_t g = data; g < data + 512; ++g) ept.map(Vpn{g}, hframes.alloc(), pte_bits::W);
    }
    Mmu mmu(small_config());
    mmu.load_context(TranslationContext{0, guest.root(), ept.root(), 0});
    out = mmu.translate(Vpn{kGig + 3 * 512 + 7}, false, false);
    REQUIRE(out.ok);
    CHECK(mmu.stats().walks_1g == 1);
    CHECK(mmu.stats().walk_refs_guest == 2);
    return mmu.stats().walk_refs;
  };
  Translation t;
  // EPT 4 KiB (h = 4): each of the 2 guest tables' gfns takes 4 EPT references, then its entry 1;
  // the data's gfn 4 more: 2 * (4 + 1) + 4 = 14. Cached as 4 KiB, the smaller of the two leaves.
  CHECK(walk(PageSize::k4K, t) == 14);
  CHECK(t.size == PageSize::k4K);
  // EPT 2 MiB (h = 3): 2 * (3 + 1) + 3 = 11, cached as a 2 MiB entry.
  CHECK(walk(PageSize::k2M, t) == 11);
  CHECK(t.size == PageSize::k2M);
}

TEST_CASE("1 GiB pages: the native OS maps a 1 GiB page at the first touch of its hugetlb range", "[huge][1g]") {
  FrameAllocator frames(2 * kGig + 64, "host");
  NativeOs os(frames);
  os.set_hugetlb_1g(HugetlbRange{1, 1});  // virtual 1 GiB .. 2 GiB
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);  // PML4 at frame 0
  mmu.load_cr3(ctx, os.table(ctx).root());
  auto touch = [&](std::uint64_t vpn) {
    for (int faults = 0;; ++faults) {
      REQUIRE(faults < 3);
      if (mmu.translate(Vpn{vpn}, false, false).ok) return;
      os.handle_page_fault(ctx, Vpn{vpn});
    }
  };
  // vpn kGig + 5: the block is the first aligned free one, at frame kGig (frame 0 holds the PML4);
  // map_large then takes frame 1 for the PDPT. One fault, two table pages.
  touch(kGig + 5);
  CHECK(os.stats().hugetlb_1g_pages == 1);
  CHECK(os.stats().page_faults == 1);
  CHECK(os.table(ctx).leaf(Vpn{kGig + 5})->frame() == kGig);
  CHECK(os.table(ctx).leaf(Vpn{kGig + 5})->large());
  CHECK(os.table(ctx).table_pages() == 2);
  CHECK(frames.used() == 2 + kGig);
  // The rest of the 1 GiB needs no fault.
  touch(2 * kGig - 1);
  CHECK(os.stats().page_faults == 1);
  // Outside the range (vpn 5, in the first 1 GiB of the PDPT's): the 4 KiB path, with a PD and a
  // PT below the PDPT: 4 table pages, 3 frames more.
  touch(5);
  CHECK(os.stats().page_faults == 2);
  CHECK_FALSE(os.table(ctx).leaf(Vpn{5})->large());
  CHECK(os.table(ctx).table_pages() == 4);
  CHECK(frames.used() == 2 + kGig + 3);
  CHECK(os.check().empty());
  CHECK(check_translation_caches(mmu, os.check_target()).empty());
}

TEST_CASE("1 GiB pages: with no aligned 1 GiB block free the fault stops the run, naming the key", "[huge][1g]") {
  // kGig + 64 frames: the only aligned block, at 0, holds the PML4.
  FrameAllocator frames(kGig + 64, "host");
  NativeOs os(frames);
  os.set_hugetlb_1g(HugetlbRange{0, 1});
  const auto ctx = os.context(0, 1);
  try {
    os.handle_page_fault(ctx, Vpn{7});
    FAIL("no OutOfMemory");
  } catch (const OutOfMemory& e) {
    CHECK(e.key == "guest.hugetlb_1g_gib");
    CHECK(std::string(e.what()).find("SIGBUS") != std::string::npos);
  }
  CHECK(os.stats().hugetlb_1g_pages == 0);
}

namespace {
// One VM with one vCPU under shadow paging, its guest (2 GiB) mapping virtual 1..2 GiB with a
// 1 GiB hugetlbfs page, on a host with or without THP.
struct ShadowGig {
  HostMemory host;
  GuestOs guest{2 * kGig, "guest", 3200, true, false};
  ShadowMmu kvm;
  Mmu mmu{MmuConfig{}};
  explicit ShadowGig(bool host_thp) : host(2 * kGig + 4096, host_config(host_thp)), kvm(0, add(host), guest, cfg(host_thp)) {
    guest.set_hugetlb_1g(HugetlbRange{1, 1});
    kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
    CauseCycles c;
    mmu.load_cr3(1, kvm.new_cr3(0, 1, true, c));
  }
  static HostConfig host_config(bool thp) {
    HostConfig h;
    h.thp = thp;
    return h;
  }
  static HostMemory& add(HostMemory& h) {
    h.add_vm(2 * kGig);
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
  std::uint64_t walk_refs(std::uint64_t vpn, Translation& t) {
    mmu.flush_all();
    const std::uint64_t before = mmu.stats().walk_refs;
    t = mmu.translate(Vpn{vpn}, false, false);
    REQUIRE(t.ok);
    return mmu.stats().walk_refs - before;
  }
};
}  // namespace

TEST_CASE("shadow 1 GiB pages: direct pages under the guest's 1 GiB leaf, 2 MiB sptes over host huge pages", "[huge][1g][kvm]") {
  // The guest maps vpn kGig + 3 * 512 + 7 with its 1 GiB page (gfns kGig .. 2 kGig - 1; its PML4
  // and PDPT are gfns 0 and 1) and clears all 262,144 frames. KVM shadows the PML4 and the PDPT
  // (2 pages); below the PDPT's large entry FNAME(fetch) makes a direct level-2 page for the
  // 1 GiB (gfn kGig), and under it, per 2 MiB range, a 2 MiB spte or a direct level-1 page.
  const std::uint64_t vpn = kGig + 3 * 512 + 7;
  SECTION("host 4 KiB pages: a direct level-1 page per 2 MiB range touched; 4-reference walks") {
    ShadowGig m(false);
    m.touch(vpn);
    CHECK(m.guest.stats().hugetlb_1g_pages == 1);
    // Guest frames in use: the PML4, the PDPT, the 1 GiB page; each cleared once: one host minor
    // fault each.
    CHECK(m.guest.frames().used() == 2 + kGig);
    CHECK(m.host.stats().minor_faults == 2 + kGig);
    CHECK(m.kvm.stats().large_sptes == 0);
    CHECK(m.kvm.mode_pages() == 4);  // PML4 and PDPT shadows, the direct level-2 and level-1 pages
    Translation t;
    CHECK(m.walk_refs(vpn, t) == 4);
    CHECK(t.size == PageSize::k4K);
    // Another 2 MiB range of the same guest page: one more direct level-1 page.
    m.touch(kGig + 9 * 512);
    CHECK(m.kvm.mode_pages() == 5);
    CHECK(m.kvm.check().empty());
  }
  SECTION("host huge pages: a 2 MiB spte per 2 MiB range touched; 3-reference walks, 2 MiB TLB entries") {
    ShadowGig m(true);
    m.touch(vpn);
    // gfns 0..511 (the tables) and the 512 ranges of the guest's page are host huge pages.
    CHECK(m.host.stats().host_huge_pages == 1 + 512);
    CHECK(m.kvm.stats().large_sptes == 1);
    CHECK(m.kvm.mode_pages() == 3);  // PML4 and PDPT shadows, the direct level-2 page
    Translation t;
    CHECK(m.walk_refs(vpn, t) == 3);
    CHECK(t.size == PageSize::k2M);
    m.touch(kGig + 9 * 512);
    CHECK(m.kvm.stats().large_sptes == 2);
    CHECK(m.kvm.mode_pages() == 3);
    CHECK(m.kvm.check().empty());
    CHECK(m.host.check().empty());
  }
}
