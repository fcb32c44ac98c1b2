#include "stats/timeline.h"

#include <iostream>
#include <stdexcept>

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
    : file_(std::move(path), "--out"), interval_cycles_(interval_cycles) {
  rows_.reserve(kMaxRows);
}

TimelineWriter::~TimelineWriter() = default;

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  std::vector<std::uint64_t> row;
  row.reserve(resolved().size() + 1);
  row.push_back(r.time_cycles);
  for (const Resolved& c : resolved()) {
    std::uint64_t now = 0, before = 0;
    for (std::size_t slot : c.slots) now += s.values[slot], before += prev_.values[slot];
    row.push_back(c.count ? now - before : now);
  }
  rows_.push_back(std::move(row));
  prev_ = s;
  last_time_ = r.time_cycles;
  if (rows_.size() < kMaxRows) return;
  // Merge neighbours: kMaxRows is even, so the rows stay aligned on the doubled interval. Levels:
  // the later row's; changes: added.
  const std::size_t half = rows_.size() / 2;
  for (std::size_t i = 0; i < half; ++i) {
    std::vector<std::uint64_t> merged = rows_[2 * i + 1];
    for (std::size_t c = 1; c < merged.size(); ++c)
      if (resolved()[c - 1].count) merged[c] += rows_[2 * i][c];
    rows_[i] = std::move(merged);
  }
  rows_.resize(half);
  stride_ *= 2;
}

void TimelineWriter::finish() {
  std::ostream& out = file_.out();
  out << "time_cycles";
  for (const TimelineColumn& c : timeline_columns()) out << ',' << c.name;
  out << '\n';
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) out << (c ? "," : "") << row[c];
    out << '\n';
  }
  file_.commit();
  if (stride_ > 1)
    std::cerr << "mmusim: " << file_.path() << ": rows every " << stride_ * interval_cycles_ << " cycles ("
              << stride_ << " x sim.timeline_interval_cycles = " << interval_cycles_ << "), to stay within "
              << kMaxRows << " rows\n";
}

}  // namespace mmusim
