// The multi-generational LRU (models/host/lru_gen.h) and its reclaim (models/reclaim/lru_gen_reclaim.h):
// generation bookkeeping, tiers, the aging walk and its Bloom filter, look-around, eviction order,
// and the secondary-MMU switch of 6.12. Every expected value is derived by hand in the comments from
// the kernel rule named there (mm/vmscan.c, include/linux/mm_inline.h, mm/swap.c of 6.6 and 6.12).
#include <catch2/catch.hpp>

#include <memory>
#include <vector>

#include "common/errors.h"
#include "host/host_memory.h"
#include "host/lru_gen.h"
#include "reclaim/lru_gen_reclaim.h"

using namespace mmusim;

namespace {
// A host with the multi-gen LRU and a swap device; frames enough that nothing is reclaimed unless
// a test asks.
struct MgHost {
  explicit MgHost(std::uint64_t frames = 1024) {
    HostConfig c;
    c.swap_slots = 256;
    c.swap_write_cycles = 1000;
    c.swap_read_cycles = 1000;
    c.writeback_rotate = true;
    c.unmap_checks_young = false;  // 5.11 and later
    c.clear_young_flush = false;
    host = std::make_unique<HostMemory>(frames, c, std::make_unique<LruGen>(frames));
  }
  LruGen& lru() { return dynamic_cast<LruGen&>(host->lru_policy()); }
  std::unique_ptr<HostMemory> host;
};

// A secondary MMU that reports young only the gfns it was told were accessed through it (as
// KVM's kvm_age_gfn on EPT entries with A bits), and counts the calls.
struct FakeSecondary : MmuNotifier {
  std::vector<std::uint64_t> young_gfns;
  unsigned clear_young_calls = 0;
  void invalidate_page(Gfn, CauseCycles&) override {}
  void invalidate_range_start(Gfn, Gfn, CauseCycles&) override {}
  void invalidate_range_end(Gfn, Gfn) override {}
  bool clear_flush_young(Gfn g, CauseCycles&) override { return take(g.v); }
  bool clear_young(Gfn g) override {
    ++clear_young_calls;
    return take(g.v);
  }
  bool test_young(Gfn g) override {
    for (std::uint64_t y : young_gfns) if (y == g.v) return true;
    return false;
  }
  bool take(std::uint64_t gfn) {
    for (auto it = young_gfns.begin(); it != young_gfns.end(); ++it)
      if (*it == gfn) {
        young_gfns.erase(it);
        return true;
      }
    return false;
  }
};
}  // namespace

TEST_CASE("lru_gen: lru_gen_add_folio places pages by their flags; two youngest generations are active", "[lru_gen]") {
  LruGen g(64);
  // lru_gen_init_lruvec: max_seq = MIN_NR_GENS + 1 = 3, min_seq = 0: generations 0..3.
  CHECK(g.max_seq() == 3);
  CHECK(g.min_seq() == 0);
  CHECK(g.nr_gens() == 4);
  HostPage faulted{}, anon{}, cached{}, written{};
  // Freshly faulted (folio_add_lru in a fault sets PG_active): max_seq 3 -> gen 3, active.
  g.add_new(1, faulted);
  CHECK(g.gen_of(1) == 3);
  CHECK_FALSE(faulted.active);  // PG_active consumed
  // An anon page not in the swap cache: max_seq - 1 = 2 -> gen 2, still active (the two youngest).
  g.putback(2, anon);
  CHECK(g.gen_of(2) == 2);
  // A cold swap-cache page: min_seq + MIN_NR_GENS = 2 < max_seq 3, so min_seq + 1 = 1 -> inactive.
  cached.swapcache = true;
  g.putback(3, cached);
  CHECK(g.gen_of(3) == 1);
  CHECK(g.list_of(1) == LruList::ActiveAnon);
  CHECK(g.list_of(2) == LruList::ActiveAnon);
  CHECK(g.list_of(3) == LruList::InactiveAnon);
  CHECK(g.size(LruList::ActiveAnon) == 2);
  CHECK(g.size(LruList::InactiveAnon) == 1);
  // folio_rotate_reclaimable: a clean swap-cache page whose write completed -> min_seq 0, the tail.
  written.swapcache = true;
  g.putback(4, written);  // gen 1 first
  CHECK(g.rotate_reclaimable(4, written));
  CHECK(g.gen_of(4) == 0);
  CHECK(g.tail(0) == 4);
  // inc_max_seq with MAX_NR_GENS generations: inc_min_seq moves gen 0's page to gen 1 first;
  // then min_seq = 1, max_seq = 4 (gen 0 again, now the youngest).
  HostPage pages[8]{};
  g.inc_max_seq(100, [&](std::uint64_t pfn) -> HostPage& { return pages[pfn]; });
  CHECK(g.min_seq() == 1);
  CHECK(g.max_seq() == 4);
  CHECK(g.gen_of(4) == 1);
  CHECK(g.tail(1) == 4);  // list_move_tail
  CHECK(g.birth(4) == 100);
  // Active now: gens 0 (seq 4) and 3 (seq 3); page 2 (gen 2, seq 2) became inactive.
  CHECK(g.list_of(2) == LruList::InactiveAnon);
  CHECK(g.list_of(1) == LruList::ActiveAnon);
}

TEST_CASE("lru_gen: folio_inc_refs climbs the tiers order_base_2(refs + 1)", "[lru_gen]") {
  LruGen g(8);
  HostPage pg{};
  g.add_new(0, pg);
  // Accesses the kernel sees in software (folio_mark_accessed): 1st sets PG_referenced (refs 0,
  // tier 0); 2nd PG_workingset (refs 1, tier 1); 3rd and 4th the counter (refs 2 and 3, tier 2);
  // 5th the counter's last value (refs 4 = BIT(LRU_REFS_WIDTH), tier 3); a 6th changes nothing.
  const unsigned refs[] = {0, 1, 2, 3, 4, 4};
  const unsigned tiers[] = {0, 1, 2, 2, 3, 3};
  for (int i = 0; i < 6; ++i) {
    g.mark_accessed(0, pg);
    CHECK(pg.referenced);
    CHECK(g.refs(0) == refs[i]);
    CHECK(LruGen::tier_from_refs(g.refs(0)) == tiers[i]);
  }
}

TEST_CASE("lru_gen: the aging walk promotes young pages, and the Bloom filter skips a table with few", "[lru_gen]") {
  MgHost m;
  HostMemory& h = *m.host;
  const std::uint16_t mm = h.add_process([](Vpn) {});
  for (std::uint64_t i = 0; i < 100; ++i) h.gfn_to_pfn(mm, Gfn{i}, false);  // do_anonymous_page: young ptes
  LruGenConfig cfg;
  LruGenReclaim r(h, cfg);
  CauseCycles work;
  // First walk: an mm new to the walks is scanned in full: its one leaf table, 512 ptes, 100 young
  // (cleared, pages already in max_seq's gen 3). 100 * 8 >= 512: the table joins the next filter.
  // inc_max_seq: four generations, so inc_min_seq (gen 0 empty) -> min_seq 1, max_seq 4.
  r.age(0, work);
  CHECK(r.stats().aging_ptes_scanned == 512);
  CHECK(r.stats().aging_young_ptes == 100);
  CHECK(work.reclaim == 512 * cfg.walk_pte_cycles);
  CHECK(m.lru().max_seq() == 4);
  CHECK(m.lru().min_seq() == 1);
  CHECK_FALSE(h.host_pte(mm, Gfn{0})->accessed());
  // The process touches pages 0..9 again (the hardware sets A).
  for (std::uint64_t i = 0; i < 10; ++i) h.host_pte(mm, Gfn{i})->raw |= pte_bits::A;
  // Second walk: the filter names the table: 512 more ptes, 10 young, those pages to gen 4 % 4 = 0
  // (their flag; they stay on gen 3's list). 10 * 8 = 80 < 512: the table is not suitable for the
  // next filter. inc_max_seq: min_seq 1's gen is empty, so min_seq 2; max_seq 5.
  r.age(0, work);
  CHECK(r.stats().aging_ptes_scanned == 1024);
  CHECK(r.stats().aging_young_ptes == 110);
  CHECK(m.lru().nr_pages(0) == 10);
  CHECK(m.lru().nr_pages(3) == 90);
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{0})->frame()) == 0);
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{10})->frame()) == 3);
  // Third walk: the filter of max_seq 5 does not name the table: nothing scanned.
  r.age(0, work);
  CHECK(r.stats().aging_ptes_scanned == 1024);
  CHECK(r.stats().aging_passes == 3);
  CHECK(h.check().empty());
}

TEST_CASE("lru_gen: look-around clears the young ptes of the 64 around a young one and promotes their pages", "[lru_gen]") {
  MgHost m;
  HostMemory& h = *m.host;
  const std::uint16_t mm = h.add_process([](Vpn) {});
  for (std::uint64_t i = 0; i < 100; ++i) h.gfn_to_pfn(mm, Gfn{i}, false);
  LruGenReclaim r(h, LruGenConfig{});
  CauseCycles work;
  r.age(0, work);  // all old now; max_seq 4 (gen 0)
  for (std::uint64_t i : {20, 21, 30, 90}) h.host_pte(mm, Gfn{i})->raw |= pte_bits::A;
  const std::uint64_t scanned_before = r.stats().aging_ptes_scanned, young_before = r.stats().aging_young_ptes;
  // folio_referenced of page 30 (6.6): its pte is young, so lru_gen_look_around: the leaf table
  // spans pages 0..511, more than MIN_LRU_BATCH = 64, and 30 - 0 < 32, so the window is [0, 64).
  // Besides page 30, pages 20 and 21 are young there (90 is outside): cleared, promoted to gen 0.
  // referenced: 1 (look-around), and no secondary MMU to add one.
  CHECK(r.folio_referenced(Pfn{h.host_pte(mm, Gfn{30})->frame()}, work) == 1);
  CHECK(r.stats().aging_ptes_scanned - scanned_before == 64);  // page 30 itself, then 63 around it
  CHECK(r.stats().aging_young_ptes - young_before == 3);
  for (std::uint64_t i : {20, 21, 30}) CHECK_FALSE(h.host_pte(mm, Gfn{i})->accessed());
  CHECK(h.host_pte(mm, Gfn{90})->accessed());
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{20})->frame()) == 0);
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{21})->frame()) == 0);
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{90})->frame()) == 3);
  // An old pte: no look-around, nothing referenced.
  CHECK(r.folio_referenced(Pfn{h.host_pte(mm, Gfn{40})->frame()}, work) == 0);
}

TEST_CASE("lru_gen: eviction takes the oldest generation from its tail; a referenced page goes to the youngest", "[lru_gen]") {
  MgHost m;
  HostMemory& h = *m.host;
  const std::uint16_t mm = h.add_process([](Vpn) {});
  for (std::uint64_t i = 0; i < 100; ++i) h.gfn_to_pfn(mm, Gfn{i}, false);  // gen 3, page 0 at the tail
  LruGenReclaim r(h, LruGenConfig{});
  CauseCycles work;
  // Two walks: the first clears every A bit (min_seq 1, max_seq 4), the second finds none young
  // (the filter names the table) and, with four generations, min_seq 2, max_seq 5. The 100 pages
  // stay in gen 3 (seq 3).
  r.age(0, work);
  r.age(0, work);
  CHECK(m.lru().min_seq() == 2);
  CHECK(m.lru().max_seq() == 5);
  std::uint64_t reclaimed = 0;
  // evict_folios: the oldest generation (seq 2) is empty: nothing scanned; try_to_inc_min_seq
  // moves min_seq to 3 (3 + MIN_NR_GENS <= 5) and counts 1.
  CHECK(r.evict_folios(reclaimed, 0, work) == 1);
  CHECK(m.lru().min_seq() == 3);
  h.host_pte(mm, Gfn{1})->raw |= pte_bits::A;  // page 1 used again
  // Next: scan_folios takes gen 3 from the tail, page 0 first, and isolates MIN_LRU_BATCH = 64
  // (pages 0..63). shrink_folio_list: page 1's pte is young (look-around, referenced once: keep,
  // to max_seq 5's gen 1); the other 63 get a swap slot, are unmapped and, dirty as new swap-cache
  // pages, written: 63 swap-outs, none freed yet.
  CHECK(r.evict_folios(reclaimed, 0, work) == 64);
  CHECK(reclaimed == 0);
  CHECK(r.stats().pages_scanned == 64);
  CHECK(h.stats().swap_outs == 63);
  CHECK(m.lru().gen_of(h.host_pte(mm, Gfn{1})->frame()) == 1);
  CHECK(HostMemory::is_swap_entry(*h.host_pte(mm, Gfn{0})));
  CHECK_FALSE(HostMemory::is_swap_entry(*h.host_pte(mm, Gfn{64})));  // not reached
  // Pages under writeback: lru_gen_add_folio puts them in max_seq - 1 (PG_reclaim, writeback): gen 0.
  CHECK(m.lru().nr_pages(0) == 63);
  CHECK(h.check().empty());
}

TEST_CASE("lru_gen: a page used only through KVM's tables is found young with 6.12's notify, not with 6.6's walk", "[lru_gen]") {
  for (const bool notify : {false, true}) {
    MgHost m;
    HostMemory& h = *m.host;
    h.add_vm(128);
    FakeSecondary kvm;
    h.register_notifier(0, &kvm);
    for (std::uint64_t g = 0; g < 100; ++g) h.gfn_to_pfn(0, Gfn{g}, false);  // host faults: young host ptes
    LruGenConfig cfg;
    cfg.notify_young = notify;
    LruGenReclaim r(h, cfg);
    CauseCycles work;
    r.age(0, work);  // every host pte cleared; the table (100 young) joins the next filter
    // The guest uses gfn 7 through its EPT entry only: the host pte stays old, KVM's A bit is set.
    kvm.young_gfns = {7};
    const unsigned calls_before = kvm.clear_young_calls;
    r.age(0, work);
    const std::uint64_t pfn7 = h.host_pte(0, Gfn{7})->frame();
    // 6.6 (walk_pte_range): old host ptes are skipped, KVM is never asked: gfn 7 stays in gen 3.
    // 6.12 (ptep_clear_young_notify): each of the 100 present ptes is asked of KVM; gfn 7 is
    // young and goes to max_seq 4's gen 0.
    CHECK(kvm.clear_young_calls - calls_before == (notify ? 100u : 0u));
    CHECK(r.stats().aging_secondary_calls == (notify ? 200u : 0u));  // the first walk asked too
    CHECK(m.lru().gen_of(pfn7) == (notify ? 0 : 3));
    CHECK(kvm.young_gfns.size() == (notify ? 0u : 1u));
  }
}

TEST_CASE("lru_gen: lru_gen_min_ttl: kswapd below DEF_PRIORITY calls the OOM killer rather than evict a young generation",
          "[lru_gen]") {
  for (const Cycles ttl : {Cycles{0}, Cycles{1000000}}) {
    MgHost m(256);
    HostMemory& h = *m.host;
    const std::uint16_t mm = h.add_process([](Vpn) {});
    // 240 pages of 256 frames (and the process's page tables): free pages far below the high
    // watermark (min_free_kbytes 128 KiB = 32 pages; high = 32 + 16 = 48), so kswapd must reclaim.
    for (std::uint64_t i = 0; i < 240; ++i) h.gfn_to_pfn(mm, Gfn{i}, false);
    REQUIRE(h.free_pages() <= h.high_pages());
    LruGenConfig cfg;
    cfg.min_ttl_cycles = ttl;
    LruGenReclaim r(h, cfg);
    r.kswapd_begin();
    // Every generation was born at cycle 0 and it is cycle 10 now: younger than a TTL of 1,000,000
    // cycles. lru_gen_age_node skips the check at DEF_PRIORITY, the pass's first shrink; the second
    // shrink runs below it and finds the oldest generation too young: OOM. Without a TTL, the pass
    // reclaims and ends.
    const auto pass = [&] {
      for (int i = 0; i < 10000; ++i)
        if (r.kswapd_batch(10).pass_done) return;
    };
    if (ttl) CHECK_THROWS_AS(pass(), OutOfMemory);
    else CHECK_NOTHROW(pass());
  }
}
