// Host page reclaim (mm/vmscan.c, Linux 2.6.28 split LRU, anonymous pages): kswapd's
// balance_pgdat and direct reclaim's try_to_free_pages, both through shrink_zone at priorities
// 12..0, in batches of SWAP_CLUSTER_MAX = 32: shrink_active_list (aging) and
// shrink_inactive_list / shrink_page_list (eviction). The per-page steps are HostMemory's.
#pragma once
#include <cstdint>

#include "host/host_memory.h"

namespace mmusim {

struct VmscanConfig {
  Cycles scan_page_cycles = 100;  // isolating and looking at one page
  Cycles rmap_walk_cycles = 300;  // one rmap walk (page_referenced or try_to_unmap)
};

struct VmscanStats {
  std::uint64_t pages_scanned = 0;      // pages taken off an LRU list and looked at
  std::uint64_t pages_activated = 0;    // inactive pages found referenced and moved to the active list
  std::uint64_t pages_deactivated = 0;  // active pages moved to the inactive list
  std::uint64_t pages_rotated = 0;      // of those, referenced (recent_rotated)
};

class Vmscan {
 public:
  static constexpr unsigned kSwapClusterMax = 32;
  static constexpr int kDefPriority = 12;

  Vmscan(HostMemory& host, VmscanConfig cfg);

  struct Pass {
    Cycles cycles = 0;           // the work (scanning, rmap walks, notifier calls, IPIs)
    std::uint64_t progress = 0;  // pages freed or sent to swap
  };
  // One balance_pgdat pass of kswapd at `now`: priorities 12..0 until the free pages are above the
  // high watermark or a cluster is reclaimed.
  Pass kswapd_pass(Cycles now);
  // try_to_free_pages at `now` in the allocating context: priorities 12..0 until a cluster is
  // reclaimed; if that is not enough and swap writes are in flight, it waits for the first to
  // complete (throttling). Returns the cycles the allocating task spent.
  Cycles try_to_free_pages(Cycles now);

  const VmscanStats& stats() const { return stats_; }
  // Its summary.csv figures (vmscan_counters.cc).
  static const CounterTable<Vmscan>& counters();
  // Explain mode: one line per page scanned, with the decision taken.
  void set_explain(ExplainSink* sink) { explain_ = sink; }
  // inactive_anon_is_low: inactive * ratio < active, ratio = int_sqrt(10 * memory in GB), 1 below 1 GB.
  bool inactive_anon_is_low() const;

 private:
  std::uint64_t shrink_zone(int priority, Cycles now, CauseCycles& work, bool direct);
  void shrink_active_list(std::uint64_t n, CauseCycles& work);
  std::uint64_t shrink_inactive_list(std::uint64_t n, Cycles now, CauseCycles& work);

  HostMemory& host_;
  VmscanConfig cfg_;
  std::uint64_t ratio_;
  VmscanStats stats_;
  ExplainSink* explain_ = nullptr;
};

}  // namespace mmusim
