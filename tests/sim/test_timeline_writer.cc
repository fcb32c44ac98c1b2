// timeline.csv is written row by row as the run goes, and appears only when the run finishes.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "stats/timeline.h"
#include "temp_file.h"

using namespace mmusim;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST_CASE("timeline rows are the changes over each interval and the file appears at finish", "[stats]") {
  const std::string path = mmusim::test::temp_file("timeline.csv", "");
  std::filesystem::remove(path);
  TimelineWriter w(path);
  TimelineRow a, b;
  a.time_cycles = 100, a.at["accesses"] = 10, a.at["swap_ins"] = 2, a.at["guest_page_faults"] = 3, a.at["free_frames"] = 50;
  b.time_cycles = 200, b.at["accesses"] = 25, b.at["swap_ins"] = 2, b.at["guest_page_faults"] = 4, b.at["page_faults"] = 1,
  b.at["free_frames"] = 40;
  w.add(a);
  w.add(b);
  CHECK(w.last_time_cycles() == 200);
  CHECK_FALSE(std::filesystem::exists(path));  // not before the run ends
  w.finish();
  // accesses 10 then 25 - 10 = 15; swap-ins 2 then 0; faults 3 then (4 + 1) - 3 = 2; free frames a level.
  CHECK(slurp(path) ==
        "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
        "lru_active_pages,lru_inactive_pages,shadow_pages\n"
        "100,10,2,0,3,0,0,0,50,0,0,0\n"
        "200,15,0,0,2,0,0,0,40,0,0,0\n");
}

TEST_CASE("a timeline never finished leaves no file", "[stats]") {
  const std::string path = mmusim::test::temp_file("unfinished.csv", "");
  std::filesystem::remove(path);
  {
    TimelineWriter w(path);
    w.add(TimelineRow{});
  }
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
}
