// vmscan's summary.csv figures, declared once (common/counters.h).
#include "reclaim/vmscan.h"

namespace mmusim {

const CounterTable<Vmscan>& Vmscan::counters() {
  using K = CounterKind;
  static const CounterTable<Vmscan> t = {
      {{"pages_scanned", "pages", K::Count, "host pages taken off an LRU list by reclaim and looked at"},
       [](const Vmscan& v) { return v.stats().pages_scanned; }},
      {{"pages_activated", "pages", K::Count, "inactive pages reclaim found referenced (or could not evict) and activated"},
       [](const Vmscan& v) { return v.stats().pages_activated; }},
      {{"pages_deactivated", "pages", K::Count, "active pages moved to the inactive list (shrink_active_list)"},
       [](const Vmscan& v) { return v.stats().pages_deactivated; }},
  };
  return t;
}

}  // namespace mmusim
