// timeline.csv: the run's figures per interval of simulated time (sim.timeline_interval_cycles),
// for plots: counters as the change over the interval, sizes as their level at its end.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

#include "stats/summary.h"

namespace mmusim {

// Columns: time_cycles, then per-interval changes of accesses, swap_ins, swap_outs, faults (guest
// and native page faults), vmexits, kswapd_cycles, pages_scanned, and the levels free_frames,
// lru_active_pages, lru_inactive_pages, shadow_pages. Rows are written as the run makes them
// (memory does not grow with the run's length) to PATH.tmp, renamed to PATH by finish(), so that
// a failed run never leaves a timeline that looks complete. Throws InputError naming PATH.
class TimelineWriter {
 public:
  explicit TimelineWriter(std::string path);
  ~TimelineWriter();  // without finish(): removes PATH.tmp
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;

  // The cumulative figures `at` simulated time `time_cycles` (the end of an interval).
  void add(std::uint64_t time_cycles, const RunSummary& at);
  // Simulated time of the last row, 0 before the first.
  std::uint64_t last_cycles() const { return last_cycles_; }
  bool empty() const { return rows_ == 0; }
  void finish();

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  RunSummary prev_;
  std::uint64_t last_cycles_ = 0, rows_ = 0;
  bool finished_ = false;
};

}  // namespace mmusim
