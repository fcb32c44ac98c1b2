#include "stats/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "input_error.h"

namespace mmusim {

TimelineWriter::TimelineWriter(std::string path) : file_(std::move(path), "--out"), out_(file_.out()) {
  out_ << "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
          "lru_active_pages,lru_inactive_pages,shadow_pages\n";
}

TimelineWriter::~TimelineWriter() = default;

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  const RunSummary& prev = prev_;
  out_ << r.time_cycles << ',' << s.accesses - prev.accesses << ',' << s.swap_ins - prev.swap_ins << ','
       << s.swap_outs - prev.swap_outs << ','
       << (s.guest_page_faults + s.page_faults) - (prev.guest_page_faults + prev.page_faults) << ','
       << s.vmexits - prev.vmexits << ',' << s.kswapd_cycles - prev.kswapd_cycles << ','
       << s.pages_scanned - prev.pages_scanned << ',' << s.free_frames << ',' << s.lru_active_pages << ','
       << s.lru_inactive_pages << ',' << s.shadow_pages << '\n';
  prev_ = s;
  last_time_ = r.time_cycles;
  ++rows_;
}

void TimelineWriter::finish() { file_.commit(); }

}  // namespace mmusim
