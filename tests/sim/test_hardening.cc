// The pieces of the hardening work below the CLI: printable() for messages and the readers'
// skipping of malformed records (--skip-bad-lines).
#include <catch2/catch.hpp>

#include "util/input_error.h"
#include "util/printable.h"
#include "temp_file.h"
#include "trace/prefetch_reader.h"
#include "trace/readers_impl.h"

using namespace mmusim;
using mmusim::test::read_all;
using mmusim::test::temp_file;

namespace {

bool same(const TraceRecord& a, const TraceRecord& b) {
  return a.gva == b.gva && a.gap == b.gap && a.pid == b.pid && a.size == b.size && a.vm == b.vm && a.vcpu == b.vcpu &&
         a.op == b.op;
}

// Reads `path` with --skip-bad-lines (quiet), optionally behind the prefetching thread.
std::vector<TraceRecord> read_skipping(const std::string& path, std::uint64_t& skipped, bool prefetch = false) {
  auto r = open_trace(path, TraceFormat::Auto);
  r->set_limits(machine_limits(1, 2));
  r->set_skip_bad(true, /*quiet=*/true);
  if (prefetch) r = std::make_unique<PrefetchReader>(std::move(r), 3, 2);
  std::vector<TraceRecord> v, buf(5);
  while (std::size_t n = r->read(buf.data(), buf.size())) v.insert(v.end(), buf.begin(), buf.begin() + n);
  skipped = r->skipped();
  return v;
}

void check_same(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(same(a[i], b[i]));
}

}  // namespace

TEST_CASE("printable: text as is, other bytes as \\xNN, long text cut", "[hardening]") {
  CHECK(printable("R,0x1000", 8) == "R,0x1000");
  CHECK(printable(std::string("a\0b\r\n\x7f\xff", 7)) == "a\\x00b\\x0d\\x0a\\x7f\\xff");
  CHECK(printable(std::string(50, 'x'), 40) == std::string(40, 'x') + "...");
  CHECK(printable(std::string(40, 'x'), 40) == std::string(40, 'x'));
}

TEST_CASE("skipping: a CSV with malformed lines gives the records of the clean file", "[hardening][trace]") {
  const std::string good = "0,R,0x1000\n1,W,0x2000\n0,X,0x3000\n1,M,0x4000\n";
  const std::string clean = "vcpu,op,gva\n" + good;
  // Bad hex, bad op, too few and too many fields, a vCPU the machine lacks, binary garbage, and a
  // truncated last line: 7 records skipped.
  const std::string dirty = "vcpu,op,gva\n0,R,0x1000\n0,R,0xg\n0,Q,0x5\n1,W,0x2000\n1\n0,R,1,2\n2,R,0x9\n"
                            "0,X,0x3000\n\x01\xfe\x80\n1,M,0x4000\n0,R,0x";
  const auto want = read_all(temp_file("skip_clean.csv", clean));
  REQUIRE(want.size() == 4);
  for (bool prefetch : {false, true}) {
    std::uint64_t skipped = 0;
    check_same(read_skipping(temp_file("skip_dirty.csv", dirty), skipped, prefetch), want);
    CHECK(skipped == 7);
  }
  // Without skipping, the first bad line stops the read.
  CHECK_THROWS_WITH(read_all(temp_file("skip_dirty.csv", dirty)), Catch::Contains("skip_dirty.csv:3: gva:"));
}

TEST_CASE("skipping: lackey lines that do not parse, and a record line over the block size", "[hardening][trace]") {
  const std::string clean = "==1== x\nI  0401000,3\n L 7ff000ff8,8\n S 1000,4\n";
  const std::string dirty = "==1== x\nI  0401000,3\n L zz,8\n L 7ff000ff8,8\n M 5,\n S 1000\n L " +
                            std::string(trace_detail::kLackeyBlockBytes + 10, '7') + ",8\n S 1000,4\n L 12,99999999999";
  const auto want = read_all(temp_file("skip_clean.lackey", clean));
  REQUIRE(want.size() == 3);
  std::uint64_t skipped = 0;
  check_same(read_skipping(temp_file("skip_dirty.lackey", dirty), skipped), want);
  CHECK(skipped == 5);
}

TEST_CASE("skipping: .mtr records with bad op codes, and a header promising more records than the file holds is refused",
          "[hardening][trace]") {
  std::string mtr("MMUSIMTR\x01\0\0\0\x18\0\0\0\x05\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 32);
  for (int r = 0; r < 5; ++r) {
    std::string rec(24, '\0');
    rec[1] = static_cast<char>(0x10 + r);
    rec[22] = static_cast<char>(r == 1 ? 9 : r % 4);  // record 2: op 9
    mtr += rec;
  }
  std::uint64_t skipped = 0;
  const auto got = read_skipping(temp_file("skip.mtr", mtr), skipped);
  REQUIRE(got.size() == 4);
  CHECK(got[0].gva == 0x1000);
  CHECK(got[1].gva == 0x1200);  // record 2 skipped
  CHECK(got[1].op == Op::Fetch);
  CHECK(got[3].gva == 0x1400);
  CHECK(skipped == 1);
  // The header promising a sixth record, of which the file has 7 bytes: a bad header, skipping or
  // not (a pipe's missing records are counted: tests/cli/test_skip_bad_lines.cc).
  mtr[16] = 6;
  mtr += std::string(7, '\0');
  CHECK_THROWS_WITH(read_skipping(temp_file("skip6.mtr", mtr), skipped),
                    Catch::EndsWith("skip6.mtr: bad .mtr header: it promises 6 records, but the file's 159 bytes hold at most 5 "
                                    "(the file is truncated, or the header is wrong)"));
}
