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
  a.at["kswapd_batches"] = 4, b.at["kswapd_batches"] = 7, b.at["congestion_waits"] = 1;
  a.at["pages_rotated_writeback"] = 2, b.at["pages_rotated_writeback"] = 5, b.at["pages_reactivated_swapcache"] = 1;
  a.at["swap_reads"] = 6, b.at["swap_reads"] = 8, a.at["swap_readahead_pages"] = 4, b.at["swap_readahead_pages"] = 6;
  a.at["swap_readahead_hits"] = 1, b.at["swap_readahead_hits"] = 4;
  a.at["remote_flush_requests"] = 9, b.at["remote_flush_requests"] = 10, a.at["remote_flush_ipis"] = 5, b.at["remote_flush_ipis"] = 5;
  w.add(a);
  w.add(b);
  CHECK(w.last_time_cycles() == 200);
  CHECK_FALSE(std::filesystem::exists(path));  // not before the run ends
  w.finish();
  // accesses 10 then 25 - 10 = 15; swap-ins 2 then 0; faults 3 then (4 + 1) - 3 = 2; free frames a
  // level; kswapd batches 4 then 3; congestion waits 0 then 1; rotated 2 then 3; reactivated 0 then 1;
  // swap reads 6 then 2; readahead pages 4 then 2; readahead hits 1 then 3; flush requests 9 then
  // 1; IPIs 5 then 0.
  CHECK(slurp(path) ==
        "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
        "lru_active_pages,lru_inactive_pages,shadow_pages,kswapd_batches,congestion_waits,pages_rotated_writeback,"
        "pages_reactivated_swapcache,swap_reads,swap_readahead_pages,swap_readahead_hits,remote_flush_requests,"
        "remote_flush_ipis\n"
        "100,10,2,0,3,0,0,0,50,0,0,0,4,0,2,0,6,4,1,9,5\n"
        "200,15,0,0,2,0,0,0,40,0,0,0,3,1,3,1,2,2,3,1,0\n");
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

TEST_CASE("a timeline stays within kMaxRows rows: neighbours merge and the interval doubles", "[stats]") {
  const std::string path = mmusim::test::temp_file("bounded.csv", "");
  std::filesystem::remove(path);
  TimelineWriter w(path, 10);
  const std::uint64_t intervals = 3 * TimelineWriter::kMaxRows;  // one access and one swap-in each
  TimelineRow r;
  for (std::uint64_t i = 1; i <= intervals;) {
    r.time_cycles = i * 10, r.at["accesses"] = i, r.at["swap_ins"] = i, r.at["free_frames"] = 1000 - i % 1000;
    w.add(r);
    i += w.stride();  // as the sampler waits
  }
  CHECK(w.stride() == 4);
  CHECK(w.rows() <= TimelineWriter::kMaxRows);
  w.finish();
  std::ifstream in(path);
  std::string line;
  // The file says that its rows widened, and by what factor, before the column names.
  std::getline(in, line);
  CHECK(line == "# rows every 40 cycles (4 x sim.timeline_interval_cycles = 10), to stay within 20000 rows");
  std::getline(in, line);
  CHECK(line.rfind("time_cycles,accesses,", 0) == 0);
  std::uint64_t rows = 0, accesses = 0, last = 0;
  bool aligned = true;
  for (; std::getline(in, line); ++rows) {
    std::stringstream cells(line);
    std::uint64_t time = 0, acc = 0;
    char comma;
    cells >> time >> comma >> acc;
    accesses += acc;
    aligned = aligned && time == last + 40;  // every row 4 intervals of 10 cycles
    last = time;
  }
  CHECK(rows == 15000);
  CHECK(accesses == intervals);  // merged rows add up to the same totals
  CHECK(aligned);
  CHECK(last == intervals * 10);
}
