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

TEST_CASE("a ChampSim trace runs in the vm and pid --champsim-vm and --champsim-pid give, in every command",
          "[cli][champsim]") {
  fs::remove_all(test_dir());
  // The trace of the test above, and the same accesses as CSV in vm 1, pid 3.
  std::string bytes;
  put64(bytes, 0x401000);
  bytes += std::string(8, '\0');
  put64(bytes, 0x602000), put64(bytes, 0);
  put64(bytes, 0x7ffd1000), put64(bytes, 0), put64(bytes, 0), put64(bytes, 0);
  put64(bytes, 0x401004);
  bytes += std::string(56, '\0');
  write_test_file("two.champsimtrace", bytes);
  write_test_file("two13.csv", "vm,pid,op,gva,size\n1,3,X,0x401000,1\n1,3,R,0x7ffd1000,1\n1,3,W,0x602000,1\n"
                               "1,3,X,0x401004,1\n");
  const std::string ids = " --champsim-vm 1 --champsim-pid 3 --set guest.vms=2";
  for (const char* mode : {"native", "shadow"}) {
    const std::string set = std::string(" --set guest.vms=2 --set sim.mode=") + mode;
    CHECK(summary_of("--trace two.champsimtrace --champsim-vm 1 --champsim-pid 3" + set, "cs13") ==
          summary_of("--trace two13.csv" + set, "csv13"));
  }
  // explain narrates the ids: the same lines as the CSV's but for the last, which names the file.
  auto explained = [](const std::string& args) {
    const Result r = run_mmusim("explain " + args);
    INFO(args << ": " << r.err);
    REQUIRE(r.code == 0);
    return r.out.substr(0, r.out.rfind("explained records"));
  };
  const std::string want = explained("--trace two13.csv --set guest.vms=2");
  CHECK(want.find("#0 @0 vm1 vCPU0 X 0x401000: switch to pid 3 -> ") == 0);
  CHECK(explained("--trace two.champsimtrace" + ids) == want);
  // convert writes them into the .mtr file.
  REQUIRE(run_mmusim("convert two.champsimtrace two13.mtr --champsim-vm 1 --champsim-pid 3").code == 0);
  CHECK(explained("--trace two13.mtr --set guest.vms=2") == want);
  // compare and sweep read the trace for their bounds with them, and pass them to their runs.
  const Result c = run_mmusim("compare --policies young --trace two.champsimtrace --out c" + ids);
  CHECK(c.code == 0);
  REQUIRE(run_mmusim("sweep --engine slurm --dry-run --trace two.champsimtrace --vary tlb.l1d_entries=32,64 --out s" + ids,
                     "", "PATH=" + kSource + "/tests/cli/fake_slurm:/usr/bin:/bin")
              .code == 0);
  CHECK(slurp(test_dir() + "/s/slurm/job.sh").find(" '--format' 'auto' '--champsim-vm' '1' '--champsim-pid' '3' ") !=
        std::string::npos);
  // A vm the machine lacks is named with the option that gave it, for a run and for the bounds.
  const std::string lacks = "mmusim: two.champsimtrace:1: vm: 1 is not below guest.vms = 1 (ip, access 1 of the instruction; "
                            "a ChampSim trace runs in the vm --champsim-vm gives)\n";
  const Result run = run_mmusim("run -q --trace two.champsimtrace --champsim-vm 1 --out r");
  CHECK(run.code == 2);
  CHECK(run.err == lacks);
  // compare runs shadow mode, where a record may also be the host's: the message says it is not.
  const Result bounds = run_mmusim("compare --policies young --trace two.champsimtrace --champsim-vm 1 --out c1");
  CHECK(bounds.code == 2);
  CHECK(bounds.err == "mmusim: two.champsimtrace:1: vm: 1 is not below guest.vms = 1 (and is not host) (ip, access 1 of the "
                      "instruction; a ChampSim trace runs in the vm --champsim-vm gives)\n");
  const Result big = run_mmusim("run -q --trace two.champsimtrace --champsim-vm 65536 --out r");
  CHECK(big.code == 2);
  CHECK(big.err == "mmusim: --champsim-vm: 65536 is above the largest vm, 65535\n");
}

TEST_CASE("a damaged compressed or ChampSim file: one line naming it, exit 2, no summary", "[cli][compressed][bad-input]") {
  fs::create_directories(test_dir() + "/out");
  auto fails_with = [](const std::string& args, const std::string& message) {
    INFO(args);
    std::ofstream(test_dir() + "/out/summary.csv") << "stale\n";
    const Result r = run_mmusim("run " + args + " --out out");
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "mmusim: " + message + "\n");
    // No summary of its own: input refused before the run leaves the folder's previous results as
    // they were, a stream found broken during the run has removed them.
    const std::string summary = test_dir() + "/out/summary.csv";
    CHECK((!fs::exists(summary) || slurp(summary) == "stale\n"));
  };
  write_test_file("garbage.xz", "this is not xz\n");
  fails_with("--trace garbage.xz", "garbage.xz: the name says xz but the file does not start with its magic bytes: not an xz file");
  sh("gzip -c " + kSource + "/traces/lackey/quicksort.lackey | head -c 30000 > cut.lackey.gz");
  fails_with("--trace cut.lackey.gz",
             // the first 676,936 bytes of quicksort.lackey hold 47,859 whole lines (head -c 676936 | wc -l)
             "cut.lackey.gz:47860: truncated gzip stream: the file ends inside compressed data, after 676936 decompressed bytes");
  write_test_file("odd.champsimtrace", std::string(64 * 3 + 5, '\0'));
  fails_with("--trace odd.champsimtrace",
             "odd.champsimtrace:4: the trace's 197 bytes are not a whole number of 64-byte ChampSim records: the last one has 5 bytes");
}
