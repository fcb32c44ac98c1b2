// Speed regression guard (issue 7): instructions per access, counted by callgrind, must stay
// under a ceiling. Instruction counts do not depend on the machine's load, so the guard is not
// flaky on a shared machine; the ceilings are about 1.5 times the counts measured when it was
// written (bench/README.md), so a change that doubles the cost of an access, halving the speed,
// fails.
// Per access = (instructions of a run on a trace of 2N records - of a run on its first N) / N:
// the difference leaves out start-up (dynamic linking, SystemC, configuration).
#include <fstream>
#include <regex>
#include <string>

#include "cli_util.h"

using namespace mmusim::test;

namespace {

// Instructions callgrind counts for `mmusim ARGS` (all threads), run in the test's folder.
std::uint64_t instructions(const std::string& args) {
  const std::string dir = test_dir();
  std::filesystem::create_directories(dir);
  const std::string err = dir + "/.callgrind";
  const std::string cmd = "cd '" + dir + "' && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 valgrind --tool=callgrind "
                          "--callgrind-out-file=/dev/null " + std::string(MMUSIM_BIN) + " " + args +
                          " >/dev/null 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  INFO("valgrind's output: " << slurp(err));
  REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  std::smatch m;
  const std::string text = slurp(err);
  REQUIRE(std::regex_search(text, m, std::regex("Collected : ([0-9]+)")));
  return std::stoull(m[1]);
}

// Writes `copies` copies of the file `from` (or of its first `lines` lines, 0 = all) to `to`.
void repeat_file(const std::string& from, const std::string& to, int copies, std::size_t lines = 0) {
  std::ofstream out(to, std::ios::trunc);
  for (int i = 0; i < copies; ++i) {
    std::ifstream in(from);
    std::string line;
    for (std::size_t n = 0; std::getline(in, line) && (lines == 0 || n < lines); ++n) out << line << '\n';
  }
}

// Instructions per record of `mmusim CMD --trace T` between traces T = `one` and T = `two`,
// where `two` holds `extra` records more than `one`.
double per_record(const std::string& cmd, const std::string& one, const std::string& two, std::uint64_t extra) {
  const std::uint64_t a = instructions(cmd + " --trace " + one), b = instructions(cmd + " --trace " + two);
  REQUIRE(b > a);
  return static_cast<double>(b - a) / static_cast<double>(extra);
}

}  // namespace

TEST_CASE("simulating a real trace in shadow mode costs at most 270 instructions per access (callgrind)",
          "[cli][speed]") {
  // quicksort.lackey as .mtr, once (129,120 records) and twice: the simulation's own cost
  // (reading .mtr is a copy). Measured: 160 per access.
  const std::string dir = test_dir(), q = kSource + "/traces/lackey/quicksort.lackey";
  std::filesystem::create_directories(dir);
  repeat_file(q, dir + "/q2.lackey", 2);
  REQUIRE(run_mmusim("convert " + q + " q1.mtr").code == 0);
  REQUIRE(run_mmusim("convert q2.lackey q2.mtr").code == 0);
  const double cost = per_record("run -q --out out --config " + kSource + "/configs/default.cfg --set sim.mode=shadow",
                                 "q1.mtr", "q2.mtr", 129120);
  WARN("shadow mode, .mtr: " << cost << " instructions per access");
  CHECK(cost > 50);  // the measurement measures something
  CHECK(cost < 270);
}

TEST_CASE("reading a lackey trace costs at most 260 instructions per line (callgrind)", "[cli][speed]") {
  // mmusim parse on quicksort.lackey once and twice (129,145 lines more). Measured: 169 per line.
  const std::string dir = test_dir(), q = kSource + "/traces/lackey/quicksort.lackey";
  std::filesystem::create_directories(dir);
  repeat_file(q, dir + "/q2.lackey", 2);
  const double cost = per_record("parse", q, "q2.lackey", 129145);
  WARN("lackey parse: " << cost << " instructions per line");
  CHECK(cost > 20);
  CHECK(cost < 260);
}

TEST_CASE("an access under memory pressure costs at most 3650 instructions (callgrind)", "[cli][speed]") {
  // The pressure study (configs/pressure.cfg, kvm.aging = young): its first 50,000 records, then
  // all 100,000: one access in ten touches a new page, for which the host reclaims. Measured: 2,571
  // per access.
  const std::string dir = test_dir(), p = kSource + "/traces/synthetic/pressure.csv";
  std::filesystem::create_directories(dir);
  repeat_file(p, dir + "/half.csv", 1, 50001);  // the header and 50,000 records
  const double cost = per_record("run -q --out out --config " + kSource + "/configs/pressure.cfg --set kvm.aging=young",
                                 "half.csv", p, 50000);
  WARN("pressure, young: " << cost << " instructions per access");
  CHECK(cost > 200);
  CHECK(cost < 3650);
}

TEST_CASE("a TLB hit costs at most 230 instructions per access, the miss classifier's shadow included (callgrind)",
          "[cli][speed][3c]") {
  // A TLB-hit trace (mmusim gen --pattern tlbhit: 32 pages in turn, every access a dTLB hit on
  // another entry than the last) as .mtr, 500,000 and 1,000,000 records, in shadow mode. Measured:
  // 197 per access, 183 of them without the shadow's update; 247 when every hit moved its key to
  // the front of the shadow's LRU list (tlb/miss_classifier.h puts the list in order lazily).
  const std::string dir = test_dir();
  std::filesystem::create_directories(dir);
  for (const char* n : {"500000", "1000000"}) {
    REQUIRE(run_mmusim(std::string("gen --pattern tlbhit --accesses ") + n + " --out hit" + n + ".csv").code == 0);
    REQUIRE(run_mmusim(std::string("convert hit") + n + ".csv hit" + n + ".mtr").code == 0);
  }
  const double cost = per_record("run -q --out out --config " + kSource + "/configs/default.cfg --set sim.mode=shadow",
                                 "hit500000.mtr", "hit1000000.mtr", 500000);
  WARN("TLB hits, shadow mode: " << cost << " instructions per access");
  CHECK(cost > 50);
  CHECK(cost < 230);
}
