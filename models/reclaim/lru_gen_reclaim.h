// Reclaim with the multi-generational LRU (mm/vmscan.c lru_gen_*, Linux 6.6; the 6.12 secondary-MMU
// rule behind `notify_young`), anonymous memory of one node, no memory cgroups:
// - eviction (evict_folios): scan_folios takes the oldest generation from its tail, sort_folio
//   moves pages the aging promoted, protects tiers above get_tier_idx (and pages with a full
//   counter) one generation up and moves pages under writeback; up to MIN_LRU_BATCH pages are
//   isolated and go through shrink_folio_list (folio_referenced with lru_gen_look_around,
//   folio_check_references, add_to_swap, try_to_unmap, pageout or freeing); rejected pages go to
//   the youngest generation;
// - aging (try_to_inc_max_seq): walk_mm of every mm with at least MIN_LRU_BATCH resident pages,
//   walk_pte_range over the leaf page tables a Bloom filter names (all of them the first time an
//   mm is walked), young ptes cleared (ptep_test_and_clear_young: no TLB flush) and their pages
//   moved to max_seq's generation, then inc_max_seq; a pmd that maps a huge page (host.thp) is a
//   leaf the walk ages itself (walk_pmd_range_locked: one young bit, the 512-page folio promoted);
// - huge pages: one LRU entry that counts 512 pages (folio_nr_pages) in the generations' sizes, the
//   scan and the reclaimed count; shrink_folio_list adds one to swap whole (reclaim.thp_swap =
//   whole) or splits it, its tails joining the pages under reclaim (split_folio_to_list);
// - when aging runs: get_nr_to_scan's should_run_aging, below DEF_PRIORITY;
// - kswapd's balance_pgdat and direct reclaim's do_try_to_free_pages as priority loops around
//   try_to_shrink_lruvec, a batch being one evict_folios or one aging walk.
// With `notify_young` (6.12, 1d4832becdc2) the walks and look-around use ptep_clear_young_notify:
// every present pte of an mm with notifiers is also asked of the secondary MMU (KVM's clear_young,
// no flush), so pages used only through KVM's tables are found young.
#pragma once
#include <array>
#include <cstdint>
#include <unordered_set>
#include <vector>

#include "host/host_memory.h"
#include "host/lru_gen.h"
#include "reclaim/reclaimer.h"

namespace mmusim {

struct LruGenConfig {
  Cycles scan_page_cycles = 100;     // a page sort_folio or isolate_folio looks at
  Cycles rmap_walk_cycles = 300;     // one rmap walk (folio_referenced or try_to_unmap)
  Cycles walk_pte_cycles = 10;       // one pte visited by walk_pte_range or look-around
  Cycles notifier_call_cycles = 0;   // one secondary-MMU call (mmu_notifier_clear_young)
  bool notify_young = false;         // 6.12's ptep_clear_young_notify in walks and look-around
  Cycles min_ttl_cycles = 0;         // lru_gen_min_ttl: 0 off
  bool timed_batches = true;         // batches take simulated time (as reclaim.timed_batches)
};

class LruGenReclaim : public Reclaimer {
 public:
  static constexpr int kDefPriority = 12;
  static constexpr unsigned kSwapClusterMax = 32;

  // The host's LRU policy must be LruGen (std::bad_cast otherwise).
  LruGenReclaim(HostMemory& host, LruGenConfig cfg);

  void kswapd_begin() override;
  Batch kswapd_batch(Cycles now) override;
  // 6.x has no congestion_wait in reclaim: never asked for.
  Cycles congestion_wait(Cycles now) override { return now; }
  Cycles try_to_free_pages(Cycles now) override;
  const ReclaimStats& stats() const override;
  void set_explain(EventSink* sink) override { explain_ = sink; }

  // --- The steps, public for the tests ---
  // try_to_inc_max_seq: one aging walk of every mm, then inc_max_seq.
  void age(Cycles now, CauseCycles& work);
  // One evict_folios at `now`; returns what it scanned (0: nothing to evict).
  std::uint64_t evict_folios(std::uint64_t& reclaimed, Cycles now, CauseCycles& work);
  // folio_referenced of a mapped page as 6.6 or 6.12 (look-around included): the young references.
  unsigned folio_referenced(Pfn pfn, CauseCycles& work);
  // should_run_aging at `priority`: whether to age, and the pages to scan.
  bool should_run_aging(int priority, std::uint64_t& nr_to_scan) const;

 private:
  struct ScanControl {
    bool direct = false;
    int priority = kDefPriority;
    std::uint64_t nr_to_reclaim = 0;
    std::uint64_t nr_reclaimed = 0;   // the pass's
    bool in_lruvec = false;           // try_to_shrink_lruvec's loop is under way
    std::uint64_t scanned = 0;        // its scanned pages
    std::uint64_t iter_reclaimed = 0, iter_scanned = 0;  // at the start of the priority's shrink
    bool done = false;
  };
  // One batch of a pass (an evict_folios or an aging walk) or the pass's end; returns whether it
  // did work.
  bool step(ScanControl& sc, Cycles now, CauseCycles& work);
  void end_shrink(ScanControl& sc);
  // lru_gen_look_around around page `index` of mm `mm` whose pte `self` was found young (6.6: by
  // the primary bit; 6.12: the caller asks).
  void look_around(std::uint16_t mm, std::uint64_t index, CauseCycles& work);
  // ptep_test_and_clear_young, or with notify_young ptep_clear_young_notify, of pte `e` mapping page
  // `index` of `mm`.
  bool clear_young(std::uint16_t mm, std::uint64_t index, Pte& e, CauseCycles& work);
  // One pte of a walk or look-around, page `index` of `mm` (or a pmd mapping a huge page whose head
  // is page `index`): a present one found young is cleared and its page promoted. Returns whether
  // it was.
  bool age_pte(std::uint16_t mm, std::uint64_t index, Pte& e, CauseCycles& work);
  // Page `pfn` (its pte young) joins max_seq's generation: folio_update_gen.
  void promote(std::uint64_t pfn);
  // Walks the leaf tables under `t` (level `level`, first host page `base`) of mm `mm`.
  void walk_tables(std::uint16_t mm, TableNode* t, unsigned level, std::uint64_t base, bool force, CauseCycles& work);

  HostMemory& host_;
  LruGen& lru_;
  LruGenConfig cfg_;
  mutable ReclaimStats stats_;
  ScanControl kswapd_;
  // The Bloom filters (lru_gen_mm_state.filters, NR_BLOOM_FILTERS = 2), as exact sets of leaf tables.
  std::array<std::unordered_set<const TableNode*>, 2> bloom_;
  std::vector<bool> walked_;  // mms walked at least once
  EventSink* explain_ = nullptr;
};

}  // namespace mmusim
