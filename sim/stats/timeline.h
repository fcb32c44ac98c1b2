// timeline.csv: the run's figures per interval of simulated time (sim.timeline_interval_cycles),
// for plots: counters as the change over the interval, sizes as their level at its end.
#pragma once
#include <string>
#include <vector>

#include "stats/summary.h"

namespace mmusim {

struct TimelineRow {
  std::uint64_t time_cycles = 0;  // end of the interval
  RunSummary at;                  // cumulative figures at that time
};

// Columns: time_cycles, then per-interval changes of accesses, swap_ins, swap_outs, faults (guest
// and native page faults), vmexits, kswapd_cycles, pages_scanned, and the levels free_frames,
// lru_active_pages, lru_inactive_pages, shadow_pages. Written atomically; throws InputError.
void write_timeline_csv(const std::string& path, const std::vector<TimelineRow>& rows);

}  // namespace mmusim
