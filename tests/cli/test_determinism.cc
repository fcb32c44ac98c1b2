// Same input, same binary, same answer: two runs of a multi-VM, multi-vCPU trace under memory
// pressure (kswapd, swap I/O, remote flushes: every thread of the design busy) give byte-identical
// summary.csv and timeline.csv apart from the wall-clock columns, and compare gives the same rows
// with one process at a time as with two.
#include <catch2/catch.hpp>
#include <algorithm>
#include <set>

#include "cli_util.h"

using namespace mmusim::test;

namespace {

// The columns `mmusim columns` marks as not deterministic (host wall-clock time).
std::set<std::string> wall_clock_columns() {
  const Result r = run_mmusim("columns");
  REQUIRE(r.code == 0);
  std::set<std::string> cols;
  std::stringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (line.find("(not deterministic)") != std::string::npos) cols.insert(line.substr(0, line.find(' ')));
  return cols;
}

// A CSV with the named columns blanked, row by row, in file order.
std::vector<std::string> without(const std::string& path, const std::set<std::string>& drop) {
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  const auto h = split(header);
  std::vector<std::string> rows{header};
  for (std::string line; std::getline(in, line);) {
    auto r = split(line);
    std::string kept;
    for (std::size_t i = 0; i < r.size(); ++i) kept += (i < h.size() && drop.count(h[i]) ? std::string() : r[i]) + ",";
    rows.push_back(kept);
  }
  return rows;
}

const std::string kRun = " --config " + kSource +
                         "/configs/pressure.cfg --set guest.vms=2 --set guest.vcpus=2 --set host.mem_mb=6 "
                         "--set sim.timeline_interval_cycles=2000000 --trace t.csv";

void make_trace() {
  REQUIRE(run_mmusim("gen --pattern hotcold --accesses 40000 --vms 2 --vcpus 2 --pids 2 --footprint-pages 1500 "
                     "--hot-pages 200 --seed 3 --out t.csv")
              .code == 0);
}

}  // namespace

TEST_CASE("determinism: the same run twice gives the same bytes except the wall-clock columns", "[cli][determinism]") {
  const std::set<std::string> wall = wall_clock_columns();
  CHECK(wall == std::set<std::string>{"wall_seconds", "accesses_per_second"});
  make_trace();
  REQUIRE(run_mmusim("run -q --out a" + kRun).code == 0);
  REQUIRE(run_mmusim("run -q --out b" + kRun).code == 0);
  const auto a = without(test_dir() + "/a/summary.csv", wall);
  CHECK(a == without(test_dir() + "/b/summary.csv", wall));
  const auto s = read_summary(test_dir() + "/a/summary.csv");
  CHECK(u(s, "swap_ins") > 500);  // under pressure: the run exercises reclaim
  CHECK(u(s, "kswapd_wakeups") > 0);
  CHECK(u(s, "vmexits_ipi") > 0);  // and the vCPUs interact
  const std::string ta = slurp(test_dir() + "/a/timeline.csv");
  CHECK(std::count(ta.begin(), ta.end(), '\n') > 20);
  CHECK(ta == slurp(test_dir() + "/b/timeline.csv"));
}

TEST_CASE("determinism: compare with -j 1 and -j 2 gives the same rows", "[cli][determinism][compare]") {
  const std::set<std::string> wall = wall_clock_columns();
  make_trace();
  const Result one = run_mmusim("compare -j 1 --out j1" + kRun);
  REQUIRE(one.code == 4);  // pinned fails
  const Result two = run_mmusim("compare -j 2 --out j2" + kRun);
  REQUIRE(two.code == 4);
  const auto rows = without(test_dir() + "/j1/compare.csv", wall);
  CHECK(rows.size() == 1 + config_choices("kvm.aging").size() + 2);  // header, every policy, two bounds
  CHECK(rows == without(test_dir() + "/j2/compare.csv", wall));
}
