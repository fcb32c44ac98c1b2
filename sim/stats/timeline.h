// timeline.csv: the run's figures per interval of simulated time (sim.timeline_interval_cycles),
// for plots: counters as the change over the interval, sizes as their level at its end.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "os/safe_file.h"
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
// declared as a count shows its change over the interval, a level its value at the interval's end.
// Today: the changes of accesses, swap_ins, swap_outs, faults (guest and native page faults),
// vmexits, kswapd_cycles, pages_scanned, the levels free_frames, lru_active_pages,
// lru_inactive_pages, shadow_pages, then the changes of kswapd_batches, congestion_waits,
// pages_rotated_writeback, pages_reactivated_swapcache, swap_reads, swap_readahead_pages,
// swap_readahead_hits, remote_flush_requests and remote_flush_ipis.
// Bounded: at most kMaxRows rows, whatever the simulated time (a trace of long gaps, extreme
// costs). When a row more would pass the limit, every two neighbouring rows are merged into one
// (their changes added, the later levels kept) and the interval doubles: stride() tells the sampler
// how many intervals to wait between two rows now. The file says that its rows are wider than
// sim.timeline_interval_cycles, and by what factor, on a first line before the column names ("#
// rows every N cycles (F x sim.timeline_interval_cycles = I), to stay within 20000 rows"), and
// finish() says the same on stderr. Rows are written as they come, to a temporary file
// (os/safe_file.h), so memory does not grow with simulated time; merging reads that file back and
// writes the merged rows to a new one (at most log2 of the run's intervals / kMaxRows times).
// finish() renames the file to PATH (a run that fails leaves no timeline.csv). Throws InputError.
class TimelineWriter {
 public:
  static constexpr std::size_t kMaxRows = 20000;

  // `interval_cycles` (sim.timeline_interval_cycles) is for the message when rows widen.
  explicit TimelineWriter(std::string path, std::uint64_t interval_cycles = 0);
  ~TimelineWriter();  // removes the temporary file unless finished
  TimelineWriter(const TimelineWriter&) = delete;
  TimelineWriter& operator=(const TimelineWriter&) = delete;

  void add(const TimelineRow& row);
  // sim.warmup_records: the next row's changes count from these figures (the end of the warm-up).
  void set_baseline(const RunSummary& at) { prev_ = at; }
  bool empty() const { return rows_ == 0; }
  std::uint64_t last_time_cycles() const { return last_time_; }
  // Intervals of sim.timeline_interval_cycles per row now: 1, then 2, 4, ... once rows merge.
  std::uint64_t stride() const { return stride_; }
  std::size_t rows() const { return rows_; }
  void finish();

 private:
  void write_header();  // the note of widened rows (stride() > 1), then the column names
  std::string widened() const;  // "rows every N cycles (F x sim.timeline_interval_cycles = I), ..."
  void merge_rows();  // every two neighbouring rows of the file into one, in a new file

  std::string path_;
  std::unique_ptr<AtomicFile> file_;
  std::uint64_t interval_cycles_;
  std::size_t rows_ = 0;  // rows in the file
  RunSummary prev_;
  std::uint64_t last_time_ = 0, stride_ = 1;
};

}  // namespace mmusim
