#include "stats/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "input_error.h"

namespace mmusim {

void write_timeline_csv(const std::string& path, const std::vector<TimelineRow>& rows) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
    out << "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
           "lru_active_pages,lru_inactive_pages,shadow_pages\n";
    RunSummary prev;
    for (const TimelineRow& r : rows) {
      const RunSummary& s = r.at;
      out << r.time_cycles << ',' << s.accesses - prev.accesses << ',' << s.swap_ins - prev.swap_ins << ','
          << s.swap_outs - prev.swap_outs << ','
          << (s.guest_page_faults + s.page_faults) - (prev.guest_page_faults + prev.page_faults) << ','
          << s.vmexits - prev.vmexits << ',' << s.kswapd_cycles - prev.kswapd_cycles << ','
          << s.pages_scanned - prev.pages_scanned << ',' << s.free_frames << ',' << s.lru_active_pages << ','
          << s.lru_inactive_pages << ',' << s.shadow_pages << '\n';
      prev = s;
    }
    if (!out.flush()) throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0)
    throw InputError(path, 0, "", std::string("cannot write: ") + std::strerror(errno));
}

}  // namespace mmusim
