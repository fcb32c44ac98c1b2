// Compressed and ChampSim traces from the command line: a gzip, xz or zstd copy of a trace (made
// by the gzip, xz and zstd programs), and convert's .mtr.zst, give the plain trace's summary.csv;
// a ChampSim trace the summary of the same accesses written as CSV; a damaged file exit code 2, one
// line naming it, and no summary.csv.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

// summary.csv of `mmusim run -q ARGS --out DIR` without the columns that differ by file or wall clock.
std::map<std::string, std::string> summary_of(const std::string& args, const std::string& dir) {
  const Result r = run_mmusim("run -q " + args + " --out " + dir);
  INFO(args << ": " << r.err);
  REQUIRE(r.code == 0);
  auto m = read_summary(test_dir() + "/" + dir + "/summary.csv");
  for (const char* k : {"trace", "wall_seconds", "accesses_per_second"}) m.erase(k);
  return m;
}

void sh(const std::string& cmd) {
  INFO(cmd);
  REQUIRE(std::system(("cd '" + test_dir() + "' && " + cmd).c_str()) == 0);
}

void put64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

TEST_CASE("compressed traces give the plain trace's summary.csv", "[cli][compressed]") {
  fs::create_directories(test_dir());
  const std::string lackey = kSource + "/traces/lackey/matmul.lackey", csv = kSource + "/traces/synthetic/multi-vcpu.csv";
  sh("gzip -c " + lackey + " > m.gz && xz -c " + lackey + " > m.xz && zstd -q -c " + lackey + " > m.lackey.zst");
  sh("zstd -q -c " + csv + " > mv.csv.zst && xz -c " + csv + " > mv.csv.xz");
  for (const char* mode : {"native", "shadow"}) {
    INFO(mode);
    const std::string set = std::string(" --set sim.mode=") + mode + " --set guest.vcpus=2 --set sim.check=true";
    const auto want = summary_of("--trace " + lackey + set, "plain");
    CHECK(want.at("accesses") == "143339");
    CHECK(summary_of("--trace m.gz" + set, "gz") == want);
    CHECK(summary_of("--trace m.xz" + set, "xz") == want);
    CHECK(summary_of("--trace m.lackey.zst" + set, "zst") == want);
    REQUIRE(run_mmusim("convert m.xz m.mtr.zst --compress zstd").code == 0);
    CHECK(summary_of("--trace m.mtr.zst" + set, "mtrzst") == want);
    const auto want_csv = summary_of("--trace " + csv + set, "plaincsv");
    CHECK(summary_of("--trace mv.csv.zst" + set, "csvzst") == want_csv);
    CHECK(summary_of("--trace mv.csv.xz" + set, "csvxz") == want_csv);
  }
  // What convert wrote is the plain .mtr file, compressed.
  REQUIRE(run_mmusim("convert " + lackey + " m.mtr").code == 0);
  sh("zstd -q -d -c m.mtr.zst | cmp - m.mtr");
  CHECK(fs::file_size(test_dir() + "/m.mtr.zst") * 10 < fs::file_size(test_dir() + "/m.mtr"));
  const Result bad = run_mmusim("convert m.xz x.mtr --compress xz");
  CHECK(bad.code == 2);
  CHECK(bad.err == "mmusim: --compress: 'xz' is not none or zstd\n");
}

TEST_CASE("a ChampSim trace runs as the same accesses written as CSV", "[cli][champsim]") {
  // Two instructions: a load and a store, then a fetch alone; registers and branch bytes set.
  std::string bytes;
  put64(bytes, 0x401000);
  bytes += std::string("\x01\x01\x19\x00\x06\x19\x00\x00", 8);
  put64(bytes, 0x602000), put64(bytes, 0);                                     // destination_memory
  put64(bytes, 0x7ffd1000), put64(bytes, 0), put64(bytes, 0), put64(bytes, 0);  // source_memory
  put64(bytes, 0x401004);
  bytes += std::string(56, '\0');
  REQUIRE(bytes.size() == 128);
  write_test_file("two.champsimtrace", bytes);
  write_test_file("two.csv", "op,gva,size\nX,0x401000,1\nR,0x7ffd1000,1\nW,0x602000,1\nX,0x401004,1\n");
  sh("xz -c two.champsimtrace > two.champsimtrace.xz && cp two.champsimtrace two.bin");
  for (const char* mode : {"native", "shadow"}) {
    const std::string set = std::string(" --set sim.mode=") + mode;
    const auto want = summary_of("--trace two.csv" + set, "csv");
    CHECK(want.at("accesses") == "4");
    CHECK(summary_of("--trace two.champsimtrace" + set, "cs") == want);
    CHECK(summary_of("--trace two.champsimtrace.xz" + set, "csxz") == want);
    CHECK(summary_of("--trace two.bin --format champsim" + set, "bin") == want);
  }
}

TEST_CASE("a damaged compressed or ChampSim file: one line naming it, exit 2, no summary", "[cli][compressed][bad-input]") {
  fs::create_directories(test_dir() + "/out");
  // A file refused when it is opened (before the run touches the folder) leaves the previous
  // summary as it was (mmusim run checks options, config and trace first); one that fails while
  // it is read leaves none.
  auto fails_with = [](const std::string& args, const std::string& message, bool at_open = false) {
    INFO(args);
    std::ofstream(test_dir() + "/out/summary.csv") << "stale\n";
    const Result r = run_mmusim("run " + args + " --out out");
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "mmusim: " + message + "\n");
    if (at_open) {
      std::ifstream in(test_dir() + "/out/summary.csv");
      std::string line;
      CHECK((std::getline(in, line) && line == "stale"));
    } else {
      CHECK_FALSE(fs::exists(test_dir() + "/out/summary.csv"));
    }
  };
  write_test_file("garbage.xz", "this is not xz\n");
  fails_with("--trace garbage.xz", "garbage.xz: the name says xz but the file does not start with its magic bytes: not an xz file",
             true);
  sh("gzip -c " + kSource + "/traces/lackey/quicksort.lackey | head -c 30000 > cut.lackey.gz");
  fails_with("--trace cut.lackey.gz",
             // the first 676,936 bytes of quicksort.lackey hold 47,859 whole lines (head -c 676936 | wc -l)
             "cut.lackey.gz:47860: truncated gzip stream: the file ends inside compressed data, after 676936 decompressed bytes");
  write_test_file("odd.champsimtrace", std::string(64 * 3 + 5, '\0'));
  fails_with("--trace odd.champsimtrace",
             "odd.champsimtrace:4: the trace's 197 bytes are not a whole number of 64-byte ChampSim records: the last one has 5 bytes");
}
