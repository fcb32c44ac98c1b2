// Host page reclaim (mm/vmscan.c, anonymous pages): kswapd's balance_pgdat and direct reclaim's
// try_to_free_pages, both through shrink_zone at priorities 12..0, in batches of
// SWAP_CLUSTER_MAX = 32: shrink_active_list (aging) and shrink_inactive_list / shrink_page_list
// (eviction), then shrink_slab. Two kernels: 2.6.28's split LRU (the default) and 2.6.24's one
// active/inactive pair (VmscanConfig::classic_2624), which for a host of anonymous memory are the
// same two lists, scanned by different rules. The per-page steps are HostMemory's; the lists are
// the split LRU's (host/split_lru.h).
#pragma once
#include <cstdint>

#include "host/host_memory.h"
#include "host/split_lru.h"
#include "reclaim/reclaimer.h"

namespace mmusim {

struct VmscanConfig {
  Cycles scan_page_cycles = 100;  // isolating and looking at one page
  Cycles rmap_walk_cycles = 300;  // one rmap walk (page_referenced or try_to_unmap)
  // The mechanisms of 2.6.28 (reclaim.* keys); each false is the simpler rule named.
  // nr_reclaimed counts pages freed; false: swap writes started count as progress too.
  bool progress_freed = false;
  // shrink_zone's nr_scan += size >> priority, scanned once it reaches SWAP_CLUSTER_MAX, no
  // direct-reclaim bail-out, balance_pgdat's background aging; false: (size >> priority) + 1 each
  // call, direct reclaim stops at a cluster.
  bool zone_scan_accounting = false;
  // congestion_wait(WRITE, HZ/10) at priority below DEF_PRIORITY - 2: until the next swap write
  // completes, or this long (0: no wait).
  Cycles congestion_timeout_cycles = 0;
  // A batch takes simulated time: writes complete between batches, and a direct reclaimer's
  // batches run one after another (false: a pass at one instant).
  bool timed_batches = false;
  // 2.6.24's shrink_zone and shrink_active_list: (size >> priority) + 1 added to each list's
  // nr_scan, scanned once it reaches SWAP_CLUSTER_MAX, the active list first in each round and
  // aged by its own quota; an active mapped page is deactivated only when reclaim_mapped
  // (swap_tendency = mapped_ratio / 2 + distress + swappiness + imbalance >= 100) and it is not
  // referenced. zone_scan_accounting does not apply.
  bool classic_2624 = false;
  // shrink_slab after each priority's scan (2.6.24, 2.6.28): the host's shrinkers.
  bool shrink_slab = true;
};

class Vmscan : public Reclaimer {
 public:
  static constexpr unsigned kSwapClusterMax = 32;
  static constexpr int kDefPriority = 12;

  // The host's LRU policy must be the split LRU (std::bad_cast otherwise).
  Vmscan(HostMemory& host, VmscanConfig cfg);

  void kswapd_begin() override;
  Batch kswapd_batch(Cycles now) override;
  Cycles congestion_wait(Cycles now) override;
  // Priorities 12..0 until a cluster is reclaimed, congestion waits included; if that is not
  // enough and swap writes are in flight, it waits for the first to complete (throttling).
  Cycles try_to_free_pages(Cycles now) override;

  const ReclaimStats& stats() const override { return stats_; }
  void set_explain(EventSink* sink) override { explain_ = sink; }
  // inactive_anon_is_low: inactive * ratio < active, ratio = int_sqrt(10 * memory in GB), 1 below 1 GB.
  // The sizes count pages: a huge page 512 (2.6.38's NR_INACTIVE_ANON and NR_ACTIVE_ANON).
  bool inactive_anon_is_low() const;
  // What a priority adds to a list's scan quota: its pages >> priority (shrink_zone, 2.6.24 and
  // 2.6.28; get_scan_count's zone_nr_lru_pages >> priority, 2.6.38, where a huge page counts 512).
  // The quota is spent in list entries.
  std::uint64_t scan_target(LruList list, int priority) const { return lru_.size(list) >> priority; }

 private:
  // Where a pass stands between batches (struct scan_control, and the locals of the priority
  // loop and of shrink_zone that must survive a batch).
  struct ScanControl {
    bool direct = false;          // try_to_free_pages (else balance_pgdat)
    int priority = kDefPriority;  // the priority being scanned
    bool in_zone = false;         // shrink_zone's loop at `priority` is under way
    std::uint64_t nr_active = 0, nr_inactive = 0;  // list entries still to scan in this shrink_zone
    std::uint64_t zone_progress = 0;               // pages reclaimed in this shrink_zone
    std::uint64_t progress = 0;                    // pages reclaimed in the pass
    std::uint64_t pass_start_scanned = 0, priority_start_scanned = 0;  // pages_scanned (entries) when the pass, the priority began
    bool congestion_wait = false;  // the batch ended a priority that calls for congestion_wait
    bool done = false;
  };
  // Runs the pass up to the end of its next batch (or to its end); the work goes to `work`.
  void batch(ScanControl& sc, Cycles now, CauseCycles& work);
  // The oldest entry of `list`, counted in pages_scanned (1) and pages_taken (its pages); kNone if none.
  std::uint64_t isolate_tail(LruList list);
  void shrink_active_list(std::uint64_t n, Cycles now, CauseCycles& work);
  // 2.6.24's shrink_active_list at `priority`.
  void shrink_active_list_2624(std::uint64_t n, int priority, Cycles now, CauseCycles& work);
  // shrink_slab (2.6.28): each shrinker's nr grows by 4 * scanned / seeks * objects / (lru + 1),
  // at most twice its objects, and is spent in calls of SHRINK_BATCH = 128.
  void shrink_slab(std::uint64_t scanned, CauseCycles& work);
  // A pass ends: zone->prev_priority becomes the last priority it scanned (2.6.24).
  void end_pass(const ScanControl& sc);
  std::uint64_t shrink_inactive_list(std::uint64_t n, Cycles now, CauseCycles& work);

  HostMemory& host_;
  SplitLru& lru_;
  VmscanConfig cfg_;
  std::uint64_t ratio_;
  ReclaimStats stats_;
  ScanControl kswapd_;
  std::uint64_t nr_scan_active_ = 0, nr_scan_inactive_ = 0;  // zone->lru[l].nr_scan
  int prev_priority_ = kDefPriority;                          // zone->prev_priority (2.6.24's distress)
  EventSink* explain_ = nullptr;
};

}  // namespace mmusim
