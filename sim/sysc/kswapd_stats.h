// kswapd's figures (reclaim/kswapd.h) as summary.csv counters. Plain C++ (no SystemC), so that
// the column registry can list them without a design.
#pragma once
#include <cstdint>

#include "common/addr.h"
#include "common/counters.h"
#include "reclaim/kswapd.h"

namespace mmusim {

inline const CounterTable<KswapdStats>& KswapdStats::counters() {
  static const CounterTable<KswapdStats> t = {
      {{"kswapd_wakeups", "wakeups", CounterKind::Count, "times kswapd woke"},
       [](const KswapdStats& s) { return s.wakeups; }},
      {{"kswapd_cycles", "cycles", CounterKind::Count, "kswapd's busy time on its own host CPU"},
       [](const KswapdStats& s) { return s.cycles; }},
      {{"kswapd_batches", "batches", CounterKind::Count,
        "batches of kswapd's passes that did work (at most SWAP_CLUSTER_MAX pages of each list)"},
       [](const KswapdStats& s) { return s.batches; }},
  };
  return t;
}

}  // namespace mmusim
