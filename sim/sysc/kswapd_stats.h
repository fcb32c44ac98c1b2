// kswapd's figures. Plain C++ (no SystemC), so that the column registry can list them without a
// design.
#pragma once
#include <cstdint>

#include "common/addr.h"
#include "common/counters.h"

namespace mmusim {

struct KswapdStats {
  std::uint64_t wakeups = 0;  // times kswapd woke to balance
  Cycles cycles = 0;          // kswapd's busy time

  // Its summary.csv figures.
  static const CounterTable<KswapdStats>& counters();
};

inline const CounterTable<KswapdStats>& KswapdStats::counters() {
  static const CounterTable<KswapdStats> t = {
      {{"kswapd_wakeups", "wakeups", CounterKind::Count, "times kswapd woke"},
       [](const KswapdStats& s) { return s.wakeups; }},
      {{"kswapd_cycles", "cycles", CounterKind::Count, "kswapd's busy time on its own host CPU"},
       [](const KswapdStats& s) { return s.cycles; }},
  };
  return t;
}

}  // namespace mmusim
