#include "stats/timeline.h"

#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "util/input_error.h"

namespace mmusim {

namespace {

// A column with its counters' slots and whether it is a count (shown as a change) or a level.
struct Resolved {
  std::vector<std::size_t> slots;
  bool count = true;
};

const std::vector<Resolved>& resolved() {
  static const std::vector<Resolved> r = [] {
    std::vector<Resolved> out;
    for (const TimelineColumn& c : timeline_columns()) {
      Resolved x;
      for (const std::string& name : c.counters) {
        const ColumnSpec* col = find_column(name);
        if (!col || col->type != ColumnType::Counter) throw std::logic_error("timeline.csv: no counter " + name);
        if (!x.slots.empty() && x.count != (col->kind == CounterKind::Count))
          throw std::logic_error("timeline.csv: column " + c.name + " mixes counts and levels");
        x.count = col->kind == CounterKind::Count;
        x.slots.push_back(col->slot);
      }
      out.push_back(x);
    }
    return out;
  }();
  return r;
}

}  // namespace

const std::vector<TimelineColumn>& timeline_columns() {
  static const std::vector<TimelineColumn> cols = {
      {"accesses", {"accesses"}},
      {"swap_ins", {"swap_ins"}},
      {"swap_outs", {"swap_outs"}},
      {"faults", {"guest_page_faults", "page_faults"}},  // the OS's page faults, whichever mode
      {"vmexits", {"vmexits"}},
      {"kswapd_cycles", {"kswapd_cycles"}},
      {"pages_scanned", {"pages_scanned"}},
      {"free_frames", {"free_frames"}},
      {"lru_active_pages", {"lru_active_pages"}},
      {"lru_inactive_pages", {"lru_inactive_pages"}},
      {"shadow_pages", {"shadow_pages"}},
      {"kswapd_batches", {"kswapd_batches"}},
      {"congestion_waits", {"congestion_waits"}},
      {"pages_rotated_writeback", {"pages_rotated_writeback"}},
      {"pages_reactivated_swapcache", {"pages_reactivated_swapcache"}},
      {"swap_reads", {"swap_reads"}},
      {"swap_readahead_pages", {"swap_readahead_pages"}},
      {"swap_readahead_hits", {"swap_readahead_hits"}},
      {"remote_flush_requests", {"remote_flush_requests"}},
      {"remote_flush_ipis", {"remote_flush_ipis"}},
  };
  return cols;
}

TimelineWriter::TimelineWriter(std::string path, std::uint64_t interval_cycles)
    : path_(std::move(path)), file_(std::make_unique<AtomicFile>(path_, "--out")), interval_cycles_(interval_cycles) {
  write_header();
}

std::string TimelineWriter::widened() const {
  return "rows every " + std::to_string(stride_ * interval_cycles_) + " cycles (" + std::to_string(stride_) +
         " x sim.timeline_interval_cycles = " + std::to_string(interval_cycles_) + "), to stay within " +
         std::to_string(kMaxRows) + " rows";
}

void TimelineWriter::write_header() {
  std::ostream& out = file_->out();
  // Rows wider than sim.timeline_interval_cycles are said in the file itself, on a first line
  // starting with '#', as comments are in CSV files read by numpy.loadtxt, pandas.read_csv(...,
  // comment="#") and mmusim plot.
  if (stride_ > 1) out << "# " << widened() << '\n';
  out << "time_cycles";
  for (const TimelineColumn& c : timeline_columns()) out << ',' << c.name;
  out << '\n';
}

TimelineWriter::~TimelineWriter() = default;

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  std::ostream& out = file_->out();
  out << r.time_cycles;
  for (const Resolved& c : resolved()) {
    std::uint64_t now = 0, before = 0;
    for (std::size_t slot : c.slots) now += s.values[slot], before += prev_.values[slot];
    out << ',' << (c.count ? now - before : now);
  }
  out << '\n';
  ++rows_;
  prev_ = s;
  last_time_ = r.time_cycles;
  if (rows_ == kMaxRows) merge_rows();
}

// Merges neighbours: kMaxRows is even, so the rows stay aligned on the doubled interval. Levels:
// the later row's; changes: added. The rows are read back from the temporary file and the merged
// ones written to a new one; the old one is removed with its AtomicFile.
void TimelineWriter::merge_rows() {
  std::ostream& old_out = file_->out();
  old_out.flush();
  if (!old_out) throw InputError(path_, 0, "", "cannot write the timeline's rows");
  std::ifstream in(file_->temp_path());
  std::string line;
  std::getline(in, line);  // the header, or the note of an earlier merge before it
  if (line.compare(0, 1, "#") == 0) std::getline(in, line);
  auto next_file = std::make_unique<AtomicFile>(path_, "--out");
  file_.swap(next_file);
  stride_ *= 2;
  write_header();
  std::ostream& out = file_->out();
  std::vector<std::uint64_t> first, second;
  auto read_row = [&](std::vector<std::uint64_t>& row) {
    if (!std::getline(in, line)) throw InputError(path_, 0, "", "cannot read back the timeline's rows");
    row.clear();
    std::istringstream fields(line);
    for (std::string f; std::getline(fields, f, ',');) row.push_back(std::stoull(f));
  };
  for (std::size_t i = 0; i < rows_ / 2; ++i) {
    read_row(first);
    read_row(second);
    for (std::size_t c = 1; c < second.size(); ++c)
      if (resolved()[c - 1].count) second[c] += first[c];
    for (std::size_t c = 0; c < second.size(); ++c) out << (c ? "," : "") << second[c];
    out << '\n';
  }
  rows_ /= 2;
}

void TimelineWriter::finish() {
  file_->commit();
  if (stride_ > 1) std::cerr << "mmusim: " << file_->path() << ": " << widened() << '\n';
}

}  // namespace mmusim
