// Bad input gets one clear message naming file, line and key, exit code 2, and no summary.csv.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {
std::string write(const std::string& name, const std::string& text) {
  fs::create_directories(test_dir());
  const std::string p = test_dir() + "/" + name;
  std::ofstream(p) << text;
  return p;
}

// Runs with a previous summary.csv in place: a failed run must leave no summary of its own (input
// refused before the run starts leaves the previous one as it was; a run that fails removes it).
Result fails(const std::string& args) {
  fs::create_directories(test_dir() + "/out");
  std::ofstream(test_dir() + "/out/summary.csv") << "stale\n";
  const Result r = run_mmusim(args + " --out out");
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);  // one message
  CHECK((!fs::exists(test_dir() + "/out/summary.csv") || slurp(test_dir() + "/out/summary.csv") == "stale\n"));
  return r;
}
}  // namespace

TEST_CASE("bad trace lines: file, line and column", "[cli][errors]") {
  const std::string hex = write("badhex.csv", "op,gva\nR,0x1000\nW,0xzz\n");
  CHECK(fails("run --trace " + hex).err.find("badhex.csv:3: gva:") != std::string::npos);
  const std::string op = write("badop.csv", "op,gva\nR,0x1000\nQ,0x2000\n");
  CHECK(fails("run --trace " + op).err.find("badop.csv:3: op:") != std::string::npos);
  const std::string cut = write("cut.lackey", "==1== lackey\nI  04011d0,3\n L 7ff000ff8,8\n S 7ff00");
  CHECK(fails("run --trace " + cut).err.find("cut.lackey:4:") != std::string::npos);
  CHECK(fails("run --trace /nonexistent/t.csv").err ==
        "mmusim: /nonexistent/t.csv: cannot open trace: No such file or directory\n");
}

TEST_CASE("bad configuration: file, line and key", "[cli][errors]") {
  const std::string trace = kSource + "/tests/data/golden_small.csv";
  const std::string unknown = write("unknown.cfg", "[tlb]\nl1d_entries = 64\nl1d_entrys = 64\n");
  CHECK(fails("run --trace " + trace + " --config " + unknown).err ==
        "mmusim: " + unknown + ":3: tlb.l1d_entrys: unknown key (`mmusim config --list` shows every key)\n");
  const std::string range = write("range.cfg", "[sim]\nquantum_cycles = 0\n");
  CHECK(fails("run --trace " + trace + " --config " + range).err ==
        "mmusim: " + range + ":2: sim.quantum_cycles: '0' is out of range [1, 1099511627776]\n");
  const std::string ways = write("ways.cfg", "[tlb]\nl1i_entries = 100\nl1i_ways = 8\n");
  CHECK(fails("run --trace " + trace + " --config " + ways).err ==
        "mmusim: " + ways + ":2: tlb.l1i_entries: 100 entries is not a multiple of 8 ways (tlb.l1i_entries must be "
        "a multiple of tlb.l1i_ways)\n");
  CHECK(fails("run --trace " + trace + " --set walk.ref_cycles=ten").err ==
        "mmusim: --set: walk.ref_cycles: 'ten' is not an unsigned integer\n");
  // The reclaim mechanisms' keys: a congestion timeout of 0 would be a wait that never sleeps.
  CHECK(fails("run --trace " + trace + " --set reclaim.congestion_timeout_ms=0").err ==
        "mmusim: --set: reclaim.congestion_timeout_ms: '0' is out of range [1, 60000]\n");
  CHECK(fails("run --trace " + trace + " --set swap.page_cluster=17").err ==
        "mmusim: --set: swap.page_cluster: '17' is not one of: auto, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
        "15, 16\n");
  CHECK(fails("run --trace " + trace + " --set reclaim.writeback_rotate=maybe").err ==
        "mmusim: --set: reclaim.writeback_rotate: 'maybe' is not a boolean (true or false)\n");
}

TEST_CASE("a trace that does not fit in host memory is bad input, not a crash", "[cli][errors]") {
  // 1 MiB = 256 frames; 300 distinct pages plus their page tables do not fit.
  std::string csv = "op,gva\n";
  for (int i = 0; i < 300; ++i) csv += "R,0x" + std::to_string(i) + "000\n";
  const std::string t = write("big.csv", csv);
  CHECK(fails("run --trace " + t + " --set host.mem_mb=1").err ==
        "mmusim: --set: host.mem_mb: host memory exhausted: all 256 frames (1024 KiB) are in use; the trace needs "
        "more memory than host.mem_mb = 1 MiB (page tables included), and native mode has no swap\n");
}

TEST_CASE("an unknown command or option is a usage error", "[cli][errors]") {
  const Result r = run_mmusim("frobnicate");
  CHECK(r.code == 2);
  CHECK(r.err.find("unknown command 'frobnicate'") != std::string::npos);
  const Result o = run_mmusim("run --trace x --no-such-option");
  CHECK(o.code == 2);
  CHECK(o.err.find("no-such-option") != std::string::npos);
}
