// timeline.csv: the run's figures per interval of simulated time (sim.timeline_interval_cycles),
// for plots: counters as the change over the interval, sizes as their level at its end.
#pragma once
#include <fstream>
#include <string>
#include <vector>

#include "stats/summary.h"

namespace mmusim {

// A column of timeline.csv: the sum of one or more summary.csv counters of the same kind.
struct TimelineColumn {
  std::string name;
  std::vector<std::string> counters;
};
const std::vector<TimelineColumn>& timeline_columns();

struct TimelineRow {
  std::uint64_t time_cycles = 0;  // end of the interval
  RunSummary at;                  // cumulative figures at that time
};

// Columns: time_cycles, then a selection of summary.csv's counters (timeline_columns()): a counter
// declared as a count shows its change over the interval, a level its value at the interval's
// end. Written as the run goes, one row at a time,
// so that memory does not grow with simulated time, and atomically: rows go to PATH.tmp, which
// finish() renames to PATH (a run that fails leaves no timeline.csv). Throws InputError.
class TimelineWriter {
 public:
  explicit TimelineWriter(std::string path);
  ~TimelineWriter();  // removes PATH.tmp unless finished
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;

  void add(const TimelineRow& row);
  bool empty() const { return rows_ == 0; }
  std::uint64_t last_time_cycles() const { return last_time_; }
  void finish();

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  RunSummary prev_;
  std::uint64_t rows_ = 0, last_time_ = 0;
  bool finished_ = false;
};

}  // namespace mmusim
