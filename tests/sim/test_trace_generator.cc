// Synthetic trace generator (sim/trace/generator.cc) and `mmusim gen`.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "util/input_error.h"
#include "trace/generator.h"
#include "trace/reader.h"

using namespace mmusim;

namespace {

std::string temp_path(const std::string& name) {
  auto dir = std::filesystem::path(MMUSIM_TEST_TMP) / ("gen_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

std::string generate(const GenSpec& s) {
  std::ostringstream os;
  write_synthetic_trace(s, os);
  return os.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream is(text);
  for (std::string l; std::getline(is, l);) v.push_back(l);
  return v;
}

// Round trip through the CSV reader.
std::vector<TraceRecord> records_of(const GenSpec& s, const std::string& name) {
  std::string path = temp_path(name);
  {
    std::ofstream f(path, std::ios::binary);
    write_synthetic_trace(s, f);
  }
  auto r = open_trace(path, TraceFormat::Auto);
  REQUIRE(r->format() == TraceFormat::Csv);
  std::vector<TraceRecord> v;
  std::vector<TraceRecord> buf(1024);
  while (std::size_t n = r->read(buf.data(), buf.size())) v.insert(v.end(), buf.begin(), buf.begin() + n);
  return v;
}

// Runs `mmusim gen` with the given arguments (argv[0] "gen" added here).
int run_gen(std::vector<std::string> args) {
  args.insert(args.begin(), "gen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return gen_command(static_cast<int>(args.size()), argv.data());
}

std::string gen_error(std::vector<std::string> args) {
  try {
    run_gen(std::move(args));
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("gen: header and record count", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::Uniform;
  s.accesses = 1000;
  auto lines = lines_of(generate(s));
  REQUIRE(lines.size() == 1001);
  CHECK(lines[0] == "vm,vcpu,pid,op,gva,size,gap");
  s.accesses = 0;
  CHECK(generate(s) == "vm,vcpu,pid,op,gva,size,gap\n");
}

TEST_CASE("gen: seq addresses are exact", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::Seq;
  s.accesses = 514;
  s.footprint_pages = 1;  // 4096 bytes: 512 8-byte slots, record 512 wraps to the base
  s.write_fraction = 0;
  s.gap = 3;
  auto lines = lines_of(generate(s));
  REQUIRE(lines.size() == 515);
  CHECK(lines[1] == "0,0,0,R,0x10000000,8,3");
  CHECK(lines[2] == "0,0,0,R,0x10000008,8,3");
  CHECK(lines[3] == "0,0,0,R,0x10000010,8,3");
  CHECK(lines[512] == "0,0,0,R,0x10000ff8,8,3");  // record 511: 0x10000000 + 511*8
  CHECK(lines[513] == "0,0,0,R,0x10000000,8,3");  // record 512 wraps
  CHECK(lines[514] == "0,0,0,R,0x10000008,8,3");
  s.write_fraction = 1;
  s.base = 0;
  s.accesses = 2;
  CHECK(generate(s) == "vm,vcpu,pid,op,gva,size,gap\n0,0,0,W,0x0,8,3\n0,0,0,W,0x8,8,3\n");
}

TEST_CASE("gen: determinism", "[gen]") {
  for (GenPattern p : {GenPattern::Seq, GenPattern::Uniform, GenPattern::HotCold, GenPattern::Stride,
                       GenPattern::TlbHit}) {
    INFO(gen_pattern_name(p));
    GenSpec s;
    s.pattern = p;
    s.accesses = 5000;
    s.seed = 42;
    std::string a = generate(s), b = generate(s);
    CHECK(a == b);
    s.seed = 43;
    CHECK(generate(s) != a);  // every pattern draws its ops from the seeded PRNG
  }
  // The address stream does not depend on the write fraction (ops have their own PRNG).
  GenSpec s;
  s.pattern = GenPattern::Uniform;
  s.accesses = 1000;
  s.write_fraction = 0;
  auto r0 = lines_of(generate(s));
  s.write_fraction = 0.5;
  auto r5 = lines_of(generate(s));
  bool same_addr = true;
  for (std::size_t i = 1; i < r0.size(); ++i) same_addr = same_addr && r0[i].substr(8) == r5[i].substr(8);
  CHECK(same_addr);
}

TEST_CASE("gen: golden output of the PRNG", "[gen]") {
  // Byte-identical across builds and library versions. Values from the independent Python
  // implementation traces/tools/gen_reference.py (splitmix64 seeding, xoshiro256**, Lemire
  // multiply-shift): `python3 traces/tools/gen_reference.py --seed 1 --accesses 3`.
  GenSpec s;
  s.pattern = GenPattern::Uniform;
  s.accesses = 3;
  s.seed = 1;
  CHECK(generate(s) ==
        "vm,vcpu,pid,op,gva,size,gap\n"
        "0,0,0,R,0x10ee1d68,8,0\n"
        "0,0,0,R,0x102a59a8,8,0\n"
        "0,0,0,W,0x10c72070,8,0\n");
}

TEST_CASE("gen: uniform stays in the footprint and is 8-byte aligned", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::Uniform;
  s.accesses = 20000;
  s.footprint_pages = 64;
  s.write_fraction = 0.3;
  auto recs = records_of(s, "uniform.csv");
  REQUIRE(recs.size() == 20000);
  std::set<std::uint64_t> pages;
  std::size_t writes = 0;
  bool ok = true;
  for (auto& r : recs) {
    ok = ok && r.gva >= 0x10000000 && r.gva < 0x10000000 + 64 * 4096 && r.gva % 8 == 0 && r.size == 8;
    pages.insert(r.gva >> 12);
    writes += r.op == Op::Write;
  }
  CHECK(ok);
  CHECK(pages.size() == 64);  // 20000 draws over 64 pages: all are hit
  // 0.3 of 20000 = 6000, sd = sqrt(20000*0.3*0.7) = 65: allow 6000 +- 400
  CHECK(writes > 5600);
  CHECK(writes < 6400);
}

TEST_CASE("gen: hotcold hot fraction and cold stream", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::HotCold;
  s.accesses = 100000;
  s.footprint_pages = 1024;
  s.hot_pages = 16;
  s.hot_fraction = 0.8;
  auto recs = records_of(s, "hotcold.csv");
  REQUIRE(recs.size() == 100000);
  std::size_t hot = 0;
  std::vector<std::uint64_t> cold_pages;
  for (auto& r : recs) {
    std::uint64_t page = (r.gva - 0x10000000) >> 12;
    REQUIRE(page < 1024);
    if (page < 16)
      ++hot;
    else
      cold_pages.push_back(page);
  }
  // Hot share: 0.8; sd = sqrt(0.8*0.2/100000) = 0.0013; tolerance 0.01.
  double frac = static_cast<double>(hot) / 100000;
  CHECK(frac > 0.79);
  CHECK(frac < 0.81);
  // The cold accesses walk pages 16, 17, ..., 1023, 16, ... in order.
  bool in_order = true;
  for (std::size_t i = 0; i < cold_pages.size(); ++i) in_order = in_order && cold_pages[i] == 16 + i % 1008;
  CHECK(in_order);
}

TEST_CASE("gen: stride and tlbhit", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::Stride;
  s.accesses = 9;
  s.footprint_pages = 8;
  s.stride_bytes = 3 * 4096;
  auto recs = records_of(s, "stride.csv");
  // Offsets i*3 pages mod 8 pages: pages 0 3 6 1 4 7 2 5 0.
  const std::uint64_t pages[] = {0, 3, 6, 1, 4, 7, 2, 5, 0};
  REQUIRE(recs.size() == 9);
  for (int i = 0; i < 9; ++i) CHECK(recs[i].gva == 0x10000000 + pages[i] * 4096);

  s = GenSpec();
  s.pattern = GenPattern::TlbHit;
  s.accesses = 64 * 32 + 1;
  recs = records_of(s, "tlbhit.csv");
  std::set<std::uint64_t> distinct;
  for (auto& r : recs) distinct.insert(r.gva >> 12);
  CHECK(distinct.size() == 32);
  // Record 0: page 0 offset 0; record 32: page 0 offset 64; record 33: page 1 offset 64.
  CHECK(recs[0].gva == 0x10000000);
  CHECK(recs[31].gva == 0x10000000 + 31 * 4096);
  CHECK(recs[32].gva == 0x10000000 + 64);
  CHECK(recs[33].gva == 0x10000000 + 4096 + 64);
  CHECK(recs[64 * 32].gva == 0x10000000);  // offsets wrap after 64 rounds
}

TEST_CASE("gen: vcpus, vms and pids", "[gen]") {
  GenSpec s;
  s.pattern = GenPattern::Seq;
  s.accesses = 8;
  s.vcpus = 2;
  s.pids = 2;
  s.write_fraction = 0;
  // 4 accesses per vCPU, slice = ceil(4 / 2) = 2 rounds. vCPU v runs pid (v + round/2) % 2.
  // Record: vcpu, round, pid, stream count -> offset
  //   0: v0 r0 p0 c0 -> 0     1: v1 r0 p1 c0 -> 0
  //   2: v0 r1 p0 c1 -> 8     3: v1 r1 p1 c1 -> 8
  //   4: v0 r2 p1 c2 -> 16    5: v1 r2 p0 c2 -> 16
  //   6: v0 r3 p1 c3 -> 24    7: v1 r3 p0 c3 -> 24
  auto lines = lines_of(generate(s));
  const char* want[] = {"0,0,0,R,0x10000000,8,0", "0,1,1,R,0x10000000,8,0", "0,0,0,R,0x10000008,8,0",
                        "0,1,1,R,0x10000008,8,0", "0,0,1,R,0x10000010,8,0", "0,1,0,R,0x10000010,8,0",
                        "0,0,1,R,0x10000018,8,0", "0,1,0,R,0x10000018,8,0"};
  REQUIRE(lines.size() == 9);
  for (int i = 0; i < 8; ++i) CHECK(lines[i + 1] == want[i]);

  // Two VMs of one vCPU, one pid, slice 1: contexts alternate vm 0, vm 1; streams are per VM.
  s.vcpus = 1;
  s.pids = 1;
  s.vms = 2;
  s.accesses = 4;
  lines = lines_of(generate(s));
  REQUIRE(lines.size() == 5);
  CHECK(lines[1] == "0,0,0,R,0x10000000,8,0");
  CHECK(lines[2] == "1,0,0,R,0x10000000,8,0");
  CHECK(lines[3] == "0,0,0,R,0x10000008,8,0");
  CHECK(lines[4] == "1,0,0,R,0x10000008,8,0");

  // An explicit slice of 1 round: a vCPU with 3 pids runs 0, 1, 2, 0, ...
  s = GenSpec();
  s.pattern = GenPattern::Seq;
  s.accesses = 4;
  s.pids = 3;
  s.slice = 1;
  auto recs = records_of(s, "slice.csv");
  REQUIRE(recs.size() == 4);
  CHECK(recs[0].pid == 0);
  CHECK(recs[1].pid == 1);
  CHECK(recs[2].pid == 2);
  CHECK(recs[3].pid == 0);
  CHECK(recs[3].gva == 0x10000008);
}

TEST_CASE("gen command: writes the same bytes as the API", "[gen][cli]") {
  std::string path = temp_path("cmd.csv");
  REQUIRE(run_gen({"--pattern", "hotcold", "--accesses", "777", "--seed", "9", "--footprint-pages", "100",
                   "--hot-pages", "10", "--hot-fraction", "0.5", "--write-fraction", "0.1", "--pids", "2",
                   "--vcpus", "3", "--vms", "2", "--gap", "20", "--base", "0x7f0000000000", "--out", path}) == 0);
  std::ifstream f(path, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  GenSpec s;
  s.pattern = GenPattern::HotCold;
  s.accesses = 777;
  s.seed = 9;
  s.footprint_pages = 100;
  s.hot_pages = 10;
  s.hot_fraction = 0.5;
  s.write_fraction = 0.1;
  s.pids = 2;
  s.vcpus = 3;
  s.vms = 2;
  s.gap = 20;
  s.base = 0x7f0000000000;
  CHECK(got == generate(s));
}

TEST_CASE("gen command: bad options name the option", "[gen][cli][errors]") {
  CHECK_THAT(gen_error({"--accesses", "10"}), Catch::StartsWith("--pattern: missing"));
  CHECK_THAT(gen_error({"--pattern", "seq"}), Catch::StartsWith("--accesses: missing"));
  CHECK_THAT(gen_error({"--pattern", "zigzag", "--accesses", "10"}),
             Catch::StartsWith("--pattern: 'zigzag' is not a pattern"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "abc"}),
             Catch::StartsWith("--accesses: 'abc' is not a non-negative integer"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "-5"}),
             Catch::StartsWith("--accesses: '-5' is not a non-negative integer"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "99999999999999999999"}),
             Catch::StartsWith("--accesses: '99999999999999999999' is out of range"));
  CHECK_THAT(gen_error({"--pattern", "hotcold", "--accesses", "10", "--hot-fraction", "1.5"}),
             Catch::StartsWith("--hot-fraction: '1.5' is not within 0..1"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--write-fraction", "x"}),
             Catch::StartsWith("--write-fraction: 'x' is not a number"));
  CHECK_THAT(gen_error({"--pattern", "uniform", "--accesses", "10", "--stride-bytes", "8"}),
             Catch::StartsWith("--stride-bytes: does not apply to --pattern uniform"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--hot-pages", "8"}),
             Catch::StartsWith("--hot-pages: does not apply to --pattern seq"));
  CHECK_THAT(gen_error({"--pattern", "hotcold", "--accesses", "10", "--footprint-pages", "8", "--hot-pages", "8"}),
             Catch::StartsWith("--hot-pages: must be less than --footprint-pages"));
  CHECK_THAT(gen_error({"--pattern", "tlbhit", "--accesses", "10", "--footprint-pages", "8"}),
             Catch::StartsWith("--hot-pages: must be at most --footprint-pages"));
  CHECK_THAT(gen_error({"--pattern", "stride", "--accesses", "10", "--stride-bytes", "0"}),
             Catch::StartsWith("--stride-bytes: must be at least 1"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--vcpus", "0"}),
             Catch::StartsWith("--vcpus: must be at least 1"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--vcpus", "65536"}),
             Catch::StartsWith("--vcpus: '65536' is out of range (0..65535)"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--slice", "0"}),
             Catch::StartsWith("--slice: must be at least 1"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--base", "0x7ffffffff000"}),
             Catch::StartsWith("--base: base + footprint-pages * 4096 must not exceed"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--bogus", "1"}), Catch::Contains("--bogus"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "extra"}), Catch::StartsWith("gen: "));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses", "10", "--out", "/nonexistent-dir/x.csv"}),
             Catch::Equals("/nonexistent-dir/x.csv: --out: cannot write: No such file or directory"));
  CHECK_THAT(gen_error({"--pattern", "seq", "--accesses"}), Catch::Contains("--accesses"));
}

TEST_CASE("gen: reproduces the bundled synthetic traces byte for byte", "[gen][bundled]") {
  // The commands of traces/README.md.
  auto file = [](const char* name) {
    std::ifstream f(std::string(TEST_DATA_DIR "/../../traces/synthetic/") + name, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  };
  GenSpec s;
  s.accesses = 10000;
  s.seed = 1;
  s.pattern = GenPattern::HotCold;
  s.footprint_pages = 1024;
  s.hot_pages = 32;
  s.hot_fraction = 0.9;
  CHECK(generate(s) == file("hotcold-small.csv"));
  s = GenSpec();
  s.accesses = 10000;
  s.pattern = GenPattern::Seq;
  s.footprint_pages = 16;
  CHECK(generate(s) == file("seq-small.csv"));
  s = GenSpec();
  s.accesses = 10000;
  s.pattern = GenPattern::Uniform;
  s.footprint_pages = 256;
  s.vcpus = 2;
  s.pids = 2;
  CHECK(generate(s) == file("multi-vcpu.csv"));
  s = GenSpec();
  s.accesses = 10000;
  s.pattern = GenPattern::TlbHit;
  CHECK(generate(s) == file("tlbhit-small.csv"));
  // The workloads of the comparisons (traces/README.md).
  s = GenSpec();
  s.accesses = 100000, s.seed = 11, s.pattern = GenPattern::HotCold;
  s.footprint_pages = 12000, s.hot_pages = 400, s.hot_fraction = 0.9;
  CHECK(generate(s) == file("pressure.csv"));
  s = GenSpec();
  s.accesses = 20000, s.seed = 5, s.pattern = GenPattern::Shift, s.footprint_pages = 3000, s.hot_pages = 300;
  CHECK(generate(s) == file("shift.csv"));
  s = GenSpec();
  s.accesses = 20000, s.seed = 5, s.pattern = GenPattern::Stride, s.footprint_pages = 2000, s.stride_bytes = 4096;
  CHECK(generate(s) == file("scan.csv"));
  s = GenSpec();
  s.accesses = 20000, s.seed = 5, s.pattern = GenPattern::HotCold, s.vms = 2;
  s.footprint_pages = 1500, s.hot_pages = 200, s.hot_fraction = 0.9;
  CHECK(generate(s) == file("two-vms.csv"));
}

TEST_CASE("gen: shift slides its working set from the start of the footprint to the end", "[gen]") {
  // 1000 accesses, footprint 100 pages, window 10: access i falls in pages
  // [i * 90 / 1000, i * 90 / 1000 + 10).
  GenSpec s;
  s.accesses = 1000, s.seed = 3, s.pattern = GenPattern::Shift, s.footprint_pages = 100, s.hot_pages = 10;
  std::istringstream in(generate(s));
  std::string line;
  std::getline(in, line);
  for (std::uint64_t i = 0; std::getline(in, line); ++i) {
    const std::uint64_t gva = std::stoull(line.substr(line.find("0x")), nullptr, 16);
    const std::uint64_t page = (gva - s.base) / 4096, start = i * 90 / 1000;
    INFO(i);
    REQUIRE(page >= start);
    REQUIRE(page < start + 10);
  }
}
