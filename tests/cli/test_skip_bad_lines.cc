// --skip-bad-lines: a malformed record is skipped and counted (summary.csv skipped_records), the
// first few are named on stderr, and the run is exactly the run of the trace without them. What
// is not one record's fault still stops with exit code 2.
#include <catch2/catch.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

void write(const std::string& name, const std::string& text) { write_test_file(name, text); }

// 300 good records over 40 pages (reads and writes, two vCPUs), and the same with 7 malformed
// lines among them: clean.csv and dirty.csv.
const char* const kBad[] = {"0,0,R,0xzz12\n",   "0,1,Q,0x2000\n",        "0,0,W\n",     "0,1,R,0x3000,5\n",
                            "0,0,R,-0x10\n",    "0,2,R,0x4000\n",        "\x01\xff\n"};
void write_traces() {
  std::string clean = "vm,vcpu,op,gva\n", dirty = clean;
  for (int i = 0; i < 300; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "0,%d,%c,0x%x\n", i % 2, i % 3 ? 'R' : 'W', 0x10000 + (i * 7919 % 40) * 4096 + i);
    clean += line;
    dirty += line;
    if (i % 40 == 5 && i / 40 < 7) dirty += kBad[i / 40];
  }
  write("clean.csv", clean);
  write("dirty.csv", dirty);
}

// summary.csv without the columns that differ between the two runs by design.
std::map<std::string, std::string> figures(const std::string& path) {
  auto m = read_summary(path);
  for (const char* k : {"trace", "wall_seconds", "accesses_per_second", "skipped_records"}) m.erase(k);
  return m;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

const std::string kSets = " --set guest.vcpus=2 --set sim.mode=shadow --set sim.check=true";

}  // namespace

TEST_CASE("skip-bad-lines: the run is the clean trace's, the skipped records are counted and named", "[cli][skip]") {
  write_traces();
  const Result stop = run_mmusim("run -q --trace dirty.csv --out stop" + kSets);
  CHECK(stop.code == 2);
  CHECK(stop.err == "mmusim: dirty.csv:8: gva: '0xzz12' is not a hex address\n");  // line 8: after 6 good records

  REQUIRE(run_mmusim("run -q --trace clean.csv --out clean" + kSets).code == 0);
  const Result r = run_mmusim("run -q --trace dirty.csv --out dirty --skip-bad-lines" + kSets);
  REQUIRE(r.code == 0);
  CHECK(r.out.empty());
  // The first five by file, line and key; then the total.
  CHECK(r.err ==
        "mmusim: skipped (--skip-bad-lines) dirty.csv:8: gva: '0xzz12' is not a hex address\n"
        "mmusim: skipped (--skip-bad-lines) dirty.csv:49: op: 'Q' is not an op (R, W, X or M)\n"
        "mmusim: skipped (--skip-bad-lines) dirty.csv:90: too few fields (the header row at line 1 names 4 columns)\n"
        "mmusim: skipped (--skip-bad-lines) dirty.csv:131: too many fields (the header row at line 1 names 4 columns)\n"
        "mmusim: skipped (--skip-bad-lines) dirty.csv:172: gva: '-0x10' is not a hex address\n"
        "mmusim: skipped 7 malformed records of dirty.csv (--skip-bad-lines; summary.csv skipped_records)\n");
  const auto s = read_summary(test_dir() + "/dirty/summary.csv");
  CHECK(u(s, "skipped_records") == 7);
  CHECK(u(s, "accesses") == 300);
  CHECK(u(read_summary(test_dir() + "/clean/summary.csv"), "skipped_records") == 0);
  CHECK(figures(test_dir() + "/dirty/summary.csv") == figures(test_dir() + "/clean/summary.csv"));
}

TEST_CASE("skip-bad-lines: lackey and .mtr traces", "[cli][skip]") {
  std::string clean = "==1== Lackey\n", dirty = clean;
  for (int i = 0; i < 50; ++i) {
    const std::string line = std::string(i % 2 ? " L " : " S ") + std::to_string(1000 + i * 4096) + ",8\n";
    clean += line;
    dirty += line;
    if (i == 10) dirty += " L 12zz,8\n";
    if (i == 20) dirty += " S 5000\n";
  }
  write("clean.lackey", clean);
  write("dirty.lackey", dirty + " M 70");  // and a truncated last line
  REQUIRE(run_mmusim("run -q --trace clean.lackey --out clean").code == 0);
  const Result r = run_mmusim("run -q --trace dirty.lackey --out dirty --skip-bad-lines");
  REQUIRE(r.code == 0);
  CHECK(count(r.err, "mmusim: skipped (--skip-bad-lines) dirty.lackey:") == 3);
  CHECK(r.err.find("dirty.lackey:54: size: missing ',size' in lackey record ' M 70'") != std::string::npos);
  CHECK(u(read_summary(test_dir() + "/dirty/summary.csv"), "skipped_records") == 3);
  CHECK(figures(test_dir() + "/dirty/summary.csv") == figures(test_dir() + "/clean/summary.csv"));

  // A truncated .mtr file: a header promising more records than the file holds is a bad header,
  // skipped or not.
  REQUIRE(run_mmusim("convert clean.lackey clean.mtr").code == 0);
  const std::string mtr = slurp(test_dir() + "/clean.mtr");
  write("cut.mtr", mtr.substr(0, mtr.size() - 24 * 4 - 10));  // 45 whole records of 50, and a part
  const Result bad = run_mmusim("run -q --trace cut.mtr --out cut --skip-bad-lines");
  CHECK(bad.code == 2);
  CHECK(bad.err == "mmusim: cut.mtr: bad .mtr header: it promises 50 records, but the file's 1126 bytes hold at most 45 (the "
                   "file is truncated, or the header is wrong)\n");
  // Read from a pipe (a FIFO here), whose size is unknown: the records the header promises and the
  // stream lacks are counted as skipped.
  fs::remove(test_dir() + "/cut.fifo");
  REQUIRE(mkfifo((test_dir() + "/cut.fifo").c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(test_dir() + "/cut.fifo", std::ios::binary) << slurp(test_dir() + "/cut.mtr"); });
  const Result cut = run_mmusim("run -q --trace cut.fifo --format mtr --out cut --skip-bad-lines");
  writer.join();
  REQUIRE(cut.code == 0);
  CHECK(cut.err ==
        "mmusim: skipped (--skip-bad-lines) cut.fifo:46: truncated .mtr file: the header promises 50 records, the file "
        "ends at record 46 (5 records missing)\n"
        "mmusim: skipped 5 malformed records of cut.fifo (--skip-bad-lines; summary.csv skipped_records)\n");
  const auto s = read_summary(test_dir() + "/cut/summary.csv");
  CHECK(u(s, "accesses") == 45);
  CHECK(u(s, "skipped_records") == 5);
}

TEST_CASE("skip-bad-lines: compare and sweep pass it to every run", "[cli][skip][compare]") {
  write_traces();
  const Result c = run_mmusim("compare --policies notifier,young --trace dirty.csv --out cmp --skip-bad-lines" + kSets);
  REQUIRE(c.code == 0);
  CHECK(count(c.err, "mmusim: skipped (--skip-bad-lines) dirty.csv:") == 5);  // named once, by the bounds' pass
  std::ifstream in(test_dir() + "/cmp/compare.csv");
  std::string header, line;
  std::getline(in, header);
  const auto h = split(header);
  const auto col = std::find(h.begin(), h.end(), "skipped_records") - h.begin();
  const auto acc = std::find(h.begin(), h.end(), "accesses") - h.begin();
  int rows = 0;
  while (std::getline(in, line)) {
    const auto r = split(line);
    if (r.back() == "bound") {
      CHECK(r[acc] == "300");  // the bounds read the same records
      continue;
    }
    CHECK(r.back() == "ok");
    CHECK(r[col] == "7");
    CHECK(r[acc] == "300");
    ++rows;
  }
  CHECK(rows == 2);
  CHECK(slurp(test_dir() + "/cmp/young/log.txt").find("skipped 7 malformed records") != std::string::npos);

  fs::remove_all(test_dir() + "/sw");  // a sweep of an earlier dirty.csv (this test rewrote it) is not resumed
  const Result s = run_mmusim("sweep --vary tlb.l1d_entries=32,64 --trace dirty.csv --out sw --skip-bad-lines" + kSets);
  REQUIRE(s.code == 0);
  std::ifstream sw(test_dir() + "/sw/sweep.csv");
  std::getline(sw, header);
  const auto sh = split(header);
  const auto scol = std::find(sh.begin(), sh.end(), "skipped_records") - sh.begin();
  rows = 0;
  while (std::getline(sw, line)) {
    if (split(line).back() == "bound") continue;
    CHECK(split(line)[scol] == "7");
    ++rows;
  }
  CHECK(rows == 2);
  // The folder remembers the flag: resuming without it is another request.
  CHECK(run_mmusim("sweep --vary tlb.l1d_entries=32,64 --trace dirty.csv --out sw" + kSets).code == 2);
}

TEST_CASE("skip-bad-lines: what is not one record's fault still stops the run", "[cli][skip][errors]") {
  write("header.csv", "op,gva,cpu\nR,0x1000,1\n");
  write("bad.csv", "op,gva\nR,0xzz\nW,nope\n");
  struct {
    std::string args, err;
  } cases[] = {
      {"--trace missing.csv", "mmusim: missing.csv: cannot open trace: No such file or directory\n"},
      {"--trace header.csv",
       "mmusim: header.csv:1: cpu: unknown column in the header row (known columns: vm, vcpu, pid, op, gva, size, gap)\n"},
      {"--trace bad.csv --set tlb.l1d_ways=0", "mmusim: --set: tlb.l1d_ways: '0' is out of range [1, 65536]\n"},
  };
  for (const auto& c : cases) {
    const Result r = run_mmusim("run -q --skip-bad-lines --out o " + c.args);
    CHECK(r.code == 2);
    CHECK(r.err == c.err);
  }
  // Every record skipped: nothing was replayed, which is no result.
  const Result all = run_mmusim("run -q --skip-bad-lines --out o --trace bad.csv");
  CHECK(all.code == 2);
  CHECK(all.err.substr(all.err.rfind("mmusim:")) ==
        "mmusim: bad.csv: no records to replay: all 2 were malformed and skipped (--skip-bad-lines)\n");
  CHECK_FALSE(fs::exists(test_dir() + "/o/summary.csv"));
}

TEST_CASE("skip-bad-lines: skipped_records is a listed column", "[cli][skip]") {
  const Result r = run_mmusim("columns");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("skipped_records             records       malformed trace records skipped (--skip-bad-lines") !=
        std::string::npos);
}
