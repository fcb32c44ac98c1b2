#include "stats/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "input_error.h"

namespace mmusim {

TimelineWriter::TimelineWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  out_.open(tmp_, std::ios::trunc);
  if (!out_) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_ << "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
          "lru_active_pages,lru_inactive_pages,shadow_pages,kswapd_batches,congestion_waits,pages_rotated_writeback,"
          "pages_reactivated_swapcache,swap_reads,swap_readahead_pages,swap_readahead_hits,remote_flush_requests,"
          "remote_flush_ipis\n";
}

TimelineWriter::~TimelineWriter() {
  if (finished_) return;
  out_.close();
  std::remove(tmp_.c_str());
}

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  const RunSummary& prev = prev_;
  out_ << r.time_cycles << ',' << s.accesses - prev.accesses << ',' << s.swap_ins - prev.swap_ins << ','
       << s.swap_outs - prev.swap_outs << ','
       << (s.guest_page_faults + s.page_faults) - (prev.guest_page_faults + prev.page_faults) << ','
       << s.vmexits - prev.vmexits << ',' << s.kswapd_cycles - prev.kswapd_cycles << ','
       << s.pages_scanned - prev.pages_scanned << ',' << s.free_frames << ',' << s.lru_active_pages << ','
       << s.lru_inactive_pages << ',' << s.shadow_pages << ',' << s.kswapd_batches - prev.kswapd_batches << ','
       << s.congestion_waits - prev.congestion_waits << ',' << s.pages_rotated_writeback - prev.pages_rotated_writeback << ','
       << s.pages_reactivated_swapcache - prev.pages_reactivated_swapcache << ',' << s.swap_reads - prev.swap_reads << ','
       << s.swap_readahead_pages - prev.swap_readahead_pages << ',' << s.swap_readahead_hits - prev.swap_readahead_hits << ','
       << s.remote_flush_requests - prev.remote_flush_requests << ',' << s.remote_flush_ipis - prev.remote_flush_ipis << '\n';
  prev_ = s;
  last_time_ = r.time_cycles;
  ++rows_;
}

void TimelineWriter::finish() {
  if (!out_.flush()) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_.close();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  finished_ = true;
}

}  // namespace mmusim
