// What the host's reclaim threads ask of a reclaim algorithm: kswapd's pass (balance_pgdat's
// priority loop), run batch by batch so that simulated time can pass between batches, and the
// allocating task's direct reclaim (try_to_free_pages). models/reclaim/vmscan (2.6.28) is one
// implementation.
#pragma once
#include <cstdint>

#include "common/addr.h"
#include "common/counters.h"
#include "common/explain.h"

namespace mmusim {

struct ReclaimStats {
  // The split LRU counts pages_scanned and pages_activated in list entries (a huge page's head is
  // one, as 2.6.38's nr_scanned and pgactivate), pages_taken, pages_deactivated and pages_rotated
  // in pages (hpage_nr_pages, 512); MGLRU counts pages_scanned in pages (folio_nr_pages) and
  // pages_activated in folios.
  std::uint64_t pages_scanned = 0;      // entries (pages, MGLRU) taken off an LRU list and looked at
  std::uint64_t pages_taken = 0;        // split LRU: the pages of those entries (isolate_lru_pages' nr_taken)
  std::uint64_t pages_activated = 0;    // inactive entries found referenced and moved to the active list
  std::uint64_t pages_deactivated = 0;  // active pages moved to the inactive list
  std::uint64_t pages_rotated = 0;      // of those, referenced (recent_rotated)
  std::uint64_t pages_reactivated_swapcache = 0;  // unmapped swap-cache pages found referenced and activated
  std::uint64_t congestion_waits = 0;             // congestion_wait calls (kswapd and direct reclaim)
  Cycles congestion_wait_cycles = 0;              // time spent in them
  std::uint64_t slab_shrink_calls = 0;            // shrinker calls of shrink_slab (SHRINK_BATCH objects each)
  std::uint64_t reclaim_mapped_refusals = 0;      // 2.6.24: active mapped pages kept because reclaim_mapped was off
  // MGLRU (reclaim.lru = mglru).
  std::uint64_t aging_passes = 0;           // max_seq increments by an aging walk
  std::uint64_t aging_ptes_scanned = 0;     // ptes the aging walks and look-around visited
  std::uint64_t aging_young_ptes = 0;       // of those, found young (and cleared)
  std::uint64_t aging_secondary_calls = 0;  // secondary-MMU calls of the walks and look-around (clear_young)
  std::uint64_t pages_promoted = 0;         // pages sort_folio found promoted by the aging
  std::uint64_t pages_protected = 0;        // pages sort_folio protected by their tier
  std::uint64_t workingset_refaults = 0;    // swap-ins whose workingset shadow was recent

  // Its summary.csv figures (vmscan_counters.cc), whichever reclaimer counts them.
  static const CounterTable<ReclaimStats>& counters();
};

class Reclaimer {
 public:
  virtual ~Reclaimer() = default;

  // One batch of a pass: the work it did and whether the pass is over.
  struct Batch {
    Cycles cycles = 0;           // the work (scanning, rmap walks, notifier calls, IPIs)
    std::uint64_t progress = 0;  // the pass's progress so far (pages reclaimed)
    bool pass_done = false;      // the pass ended (this batch may have done no work)
    bool congestion_wait = false;  // the batch ended a priority after which the pass sleeps
  };
  // kswapd starts a pass of balance_pgdat.
  virtual void kswapd_begin() = 0;
  // The pass's next batch at `now`: one round of shrink_zone's loop, at most SWAP_CLUSTER_MAX
  // pages of each list.
  virtual Batch kswapd_batch(Cycles now) = 0;
  // congestion_wait(WRITE, timeout) at `now`: when the sleep ends (the next swap write completes,
  // or the timeout passes).
  virtual Cycles congestion_wait(Cycles now) = 0;
  // try_to_free_pages at `now` in the allocating context; returns the cycles the task spent.
  virtual Cycles try_to_free_pages(Cycles now) = 0;

  virtual const ReclaimStats& stats() const = 0;
  // Explain mode: one line per page scanned, with the decision taken.
  virtual void set_explain(EventSink* sink) = 0;
};

}  // namespace mmusim
