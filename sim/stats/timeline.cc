#include "stats/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "input_error.h"

namespace mmusim {

TimelineWriter::TimelineWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  out_.open(tmp_, std::ios::trunc);
  if (!out_) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_ << "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
          "lru_active_pages,lru_inactive_pages,shadow_pages\n";
}

TimelineWriter::~TimelineWriter() {
  if (finished_) return;
  out_.close();
  std::remove(tmp_.c_str());
}

void TimelineWriter::add(std::uint64_t time_cycles, const RunSummary& s) {
  out_ << time_cycles << ',' << s.accesses - prev_.accesses << ',' << s.swap_ins - prev_.swap_ins << ','
       << s.swap_outs - prev_.swap_outs << ','
       << (s.guest_page_faults + s.page_faults) - (prev_.guest_page_faults + prev_.page_faults) << ','
       << s.vmexits - prev_.vmexits << ',' << s.kswapd_cycles - prev_.kswapd_cycles << ','
       << s.pages_scanned - prev_.pages_scanned << ',' << s.free_frames << ',' << s.lru_active_pages << ','
       << s.lru_inactive_pages << ',' << s.shadow_pages << '\n';
  prev_ = s;
  last_cycles_ = time_cycles;
  ++rows_;
}

void TimelineWriter::finish() {
  if (!out_.flush()) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_.close();
  if (!out_ || std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  finished_ = true;
}

}  // namespace mmusim
