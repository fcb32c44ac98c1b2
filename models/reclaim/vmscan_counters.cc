// The reclaimer's summary.csv figures, declared once (common/counters.h).
#include "reclaim/reclaimer.h"

namespace mmusim {

const CounterTable<ReclaimStats>& ReclaimStats::counters() {
  using K = CounterKind;
  using S = ReclaimStats;
  static const CounterTable<S> t = {
      {{"pages_scanned", "pages", K::Count,
        "host pages taken off an LRU list by reclaim and looked at; the split LRU counts list entries, a huge page one "
        "(2.6.38's nr_scanned), MGLRU pages, a huge page 512"},
       [](const S& s) { return s.pages_scanned; }},
      {{"pages_taken", "pages", K::Count,
        "split LRU: the pages of the entries reclaim took off a list, a huge page 512 (isolate_lru_pages' nr_taken, "
        "2.6.38); 0 under MGLRU"},
       [](const S& s) { return s.pages_taken; }},
      {{"pages_activated", "pages", K::Count,
        "inactive pages reclaim found referenced (or could not evict) and activated, a huge page one (list entries, "
        "as 2.6.38's pgactivate)"},
       [](const S& s) { return s.pages_activated; }},
      {{"pages_deactivated", "pages", K::Count,
        "active pages moved to the inactive list (shrink_active_list), a huge page 512 (2.6.38's pgdeactivate)"},
       [](const S& s) { return s.pages_deactivated; }},
      {{"congestion_waits", "waits", K::Count, "congestion_wait sleeps of kswapd and of direct reclaim"},
       [](const S& s) { return s.congestion_waits; }},
      {{"congestion_wait_cycles", "cycles", K::Count, "time spent in them (until a swap write completed, or the timeout)"},
       [](const S& s) { return s.congestion_wait_cycles; }},
      {{"pages_reactivated_swapcache", "pages", K::Count,
        "unmapped swap-cache pages a scan found referenced and activated instead of freeing"},
       [](const S& s) { return s.pages_reactivated_swapcache; }},
      {{"slab_shrink_calls", "calls", K::Count,
        "shrinker calls of shrink_slab, SHRINK_BATCH = 128 objects each (KVM's mmu_shrink, kvm.mmu_shrink)"},
       [](const S& s) { return s.slab_shrink_calls; }},
      {{"reclaim_mapped_refusals", "pages", K::Count,
        "2.6.24 (reclaim.lru = classic-2.6.24): active mapped pages left active because reclaim_mapped was off"},
       [](const S& s) { return s.reclaim_mapped_refusals; }},
      {{"aging_passes", "passes", K::Count, "MGLRU: aging walks of every mm that made a new generation (try_to_inc_max_seq)"},
       [](const S& s) { return s.aging_passes; }},
      {{"aging_ptes_scanned", "ptes", K::Count, "MGLRU: host ptes the aging walks (walk_pte_range) and lru_gen_look_around visited"},
       [](const S& s) { return s.aging_ptes_scanned; }},
      {{"aging_young_ptes", "ptes", K::Count, "MGLRU: of those, found young and cleared (their pages moved to the youngest generation)"},
       [](const S& s) { return s.aging_young_ptes; }},
      {{"aging_secondary_calls", "calls", K::Count,
        "MGLRU with reclaim.mglru_notify_young: secondary-MMU clear_young calls of the walks and look-around"},
       [](const S& s) { return s.aging_secondary_calls; }},
      {{"pages_promoted", "pages", K::Count, "MGLRU: pages eviction found promoted by the aging and moved to their generation (sort_folio)"},
       [](const S& s) { return s.pages_promoted; }},
      {{"pages_protected", "pages", K::Count, "MGLRU: pages eviction protected one generation up by their tier (sort_folio)"},
       [](const S& s) { return s.pages_protected; }},
      {{"workingset_refaults", "pages", K::Count, "MGLRU: swap-ins whose workingset shadow was recent (lru_gen_refault)"},
       [](const S& s) { return s.workingset_refaults; }},
  };
  return t;
}

}  // namespace mmusim
