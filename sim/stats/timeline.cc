#include "stats/timeline.h"

#include <iostream>


namespace mmusim {

namespace {
// Column 0 is the time, 8 to 11 are levels at the interval's end (the later row's are kept when
// two rows merge); the others are changes over the interval (added when two rows merge).
constexpr bool is_level(std::size_t c) { return c >= 8 && c <= 11; }
}  // namespace

TimelineWriter::TimelineWriter(std::string path, std::uint64_t interval_cycles)
    : file_(std::move(path), "--out"), interval_cycles_(interval_cycles) {
  rows_.reserve(kMaxRows);
}

TimelineWriter::~TimelineWriter() = default;

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  const RunSummary& prev = prev_;
  rows_.push_back({r.time_cycles, s.accesses - prev.accesses, s.swap_ins - prev.swap_ins, s.swap_outs - prev.swap_outs,
                   (s.guest_page_faults + s.page_faults) - (prev.guest_page_faults + prev.page_faults),
                   s.vmexits - prev.vmexits, s.kswapd_cycles - prev.kswapd_cycles, s.pages_scanned - prev.pages_scanned,
                   s.free_frames, s.lru_active_pages, s.lru_inactive_pages, s.shadow_pages,
                   s.kswapd_batches - prev.kswapd_batches, s.congestion_waits - prev.congestion_waits,
                   s.pages_rotated_writeback - prev.pages_rotated_writeback,
                   s.pages_reactivated_swapcache - prev.pages_reactivated_swapcache, s.swap_reads - prev.swap_reads,
                   s.swap_readahead_pages - prev.swap_readahead_pages, s.swap_readahead_hits - prev.swap_readahead_hits,
                   s.remote_flush_requests - prev.remote_flush_requests, s.remote_flush_ipis - prev.remote_flush_ipis});
  prev_ = s;
  last_time_ = r.time_cycles;
  if (rows_.size() < kMaxRows) return;
  // Merge neighbours: kMaxRows is even, so the rows stay aligned on the doubled interval.
  const std::size_t half = rows_.size() / 2;
  for (std::size_t i = 0; i < half; ++i) {
    std::array<std::uint64_t, kColumns> merged = rows_[2 * i + 1];
    for (std::size_t c = 1; c < kColumns; ++c)
      if (!is_level(c)) merged[c] += rows_[2 * i][c];
    rows_[i] = merged;
  }
  rows_.resize(half);
  stride_ *= 2;
}

void TimelineWriter::finish() {
  std::ostream& out = file_.out();
  out << "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
         "lru_active_pages,lru_inactive_pages,shadow_pages,kswapd_batches,congestion_waits,pages_rotated_writeback,"
         "pages_reactivated_swapcache,swap_reads,swap_readahead_pages,swap_readahead_hits,remote_flush_requests,"
         "remote_flush_ipis\n";
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < kColumns; ++c) out << (c ? "," : "") << row[c];
    out << '\n';
  }
  file_.commit();
  if (stride_ > 1)
    std::cerr << "mmusim: " << file_.path() << ": rows every " << stride_ * interval_cycles_ << " cycles ("
              << stride_ << " x sim.timeline_interval_cycles = " << interval_cycles_ << "), to stay within "
              << kMaxRows << " rows\n";
}

}  // namespace mmusim
