// Lackey trace reader (sim/trace/lackey_reader.cc) and format detection.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/input_error.h"
#include "temp_file.h"
#include "trace/reader.h"

using namespace mmusim;
using mmusim::test::read_all;
using mmusim::test::temp_file;
using mmusim::test::trace_error;

namespace {



std::string lackey_error(const std::string& name, const std::string& content,
                         TraceFormat f = TraceFormat::Lackey) {
  return trace_error(name, content, f);
}

const std::string kBanner = "==3776== Lackey, an example Valgrind tool\n";

}  // namespace

TEST_CASE("lackey: a real sample with program output", "[trace][lackey]") {
  // tests/data/sample.lackey: lines of `valgrind --tool=lackey --trace-mem=yes` on a static
  // "hello world" (valgrind 3.19): six "==" lines, eight records, the program's "hello" on line 15,
  // five records, three "==" lines. 13 records.
  auto r = open_trace(TEST_DATA_DIR "/sample.lackey", TraceFormat::Auto);
  CHECK(r->format() == TraceFormat::Lackey);
  auto recs = read_all(TEST_DATA_DIR "/sample.lackey");
  REQUIRE(recs.size() == 13);
  struct Want {
    Op op;
    std::uint64_t gva;
    std::uint32_t size;
  };
  const Want want[] = {
      {Op::Fetch, 0x00401550, 2},  {Op::Fetch, 0x00401552, 3},  {Op::Fetch, 0x00401555, 1},
      {Op::Read, 0x1fff000630, 8}, {Op::Fetch, 0x00401556, 3},  {Op::Fetch, 0x00401559, 4},
      {Op::Fetch, 0x0040155d, 1},  {Op::Write, 0x1fff000628, 8}, {Op::Fetch, 0x004023f6, 5},
      {Op::Fetch, 0x004023fb, 6},  {Op::Modify, 0x004ab3b0, 4}, {Op::Fetch, 0x00402401, 6},
      {Op::Read, 0x004ab3f8, 4},
  };
  for (int i = 0; i < 13; ++i) {
    INFO("record " << i);
    CHECK(recs[i].op == want[i].op);
    CHECK(recs[i].gva == want[i].gva);
    CHECK(recs[i].size == want[i].size);
    CHECK(recs[i].vm == 0);
    CHECK(recs[i].vcpu == 0);
    CHECK(recs[i].pid == 0);
    CHECK(recs[i].gap == 0);
  }
}

TEST_CASE("lackey: progress counts bytes", "[trace][lackey]") {
  std::string content = kBanner + "I  00401550,2\n L 1fff000630,8\n";
  auto r = open_trace(temp_file("progress.lackey", content), TraceFormat::Auto);
  CHECK(r->bytes_total() == content.size());
  CHECK(r->bytes_done() == 0);
  TraceRecord buf[4];
  CHECK(r->read(buf, 1) == 1);
  // The banner and the first record line are consumed.
  CHECK(r->bytes_done() == kBanner.size() + 14);
  CHECK(r->read(buf, 4) == 1);
  CHECK(r->read(buf, 4) == 0);
  CHECK(r->bytes_done() == content.size());
}

TEST_CASE("lackey: detection and edge cases that are fine", "[trace][lackey]") {
  // Starts directly with records (no banner); CRLF; last line without newline but complete.
  auto recs = read_all(temp_file("bare.lackey", "I  0401000,3\r\n S 7ff0,8\n M 10,0"));
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].op == Op::Fetch);
  CHECK(recs[0].gva == 0x401000);
  CHECK(recs[1].op == Op::Write);
  CHECK(recs[1].gva == 0x7ff0);
  CHECK(recs[2].op == Op::Modify);
  CHECK(recs[2].gva == 0x10);
  CHECK(recs[2].size == 0);
  // Program output before the banner, and lines that only look a little like records.
  recs = read_all(temp_file("out_first.lackey",
                            "starting\n"
                            " Loaded 3 files\n"  // " L" not followed by a blank
                            "I am here\n"        // "I " but not "I  "
                            "\n" + kBanner +
                            " L ffffffffffffffff,4294967295\n"));
  REQUIRE(recs.size() == 1);
  CHECK(recs[0].op == Op::Read);
  CHECK(recs[0].gva == 0xffffffffffffffffull);
  CHECK(recs[0].size == 4294967295u);
  // A banner only: a trace of no records.
  CHECK(read_all(temp_file("banner_only.lackey", kBanner)).empty());
}

TEST_CASE("lackey: errors name file, line and column", "[trace][lackey][errors]") {
  // Line 1 banner, line 2 a good record, line 3 the bad one.
  const std::string pre = kBanner + "I  00401550,2\n";
  CHECK_THAT(lackey_error("hex.lackey", pre + " L 1fff00zz30,8\nI  1,1\n"),
             Catch::Contains("hex.lackey:3: gva: '1fff00zz30' is not a hex address"));
  CHECK_THAT(lackey_error("nohex.lackey", pre + " S ,8\n"), Catch::Contains("nohex.lackey:3: gva: missing address"));
  CHECK_THAT(lackey_error("long.lackey", pre + " L 10000000000000000,8\n"),
             Catch::Contains("long.lackey:3: gva: more than 16 hex digits"));
  CHECK_THAT(lackey_error("nosize.lackey", pre + " S 1fff000628\nI  1,1\n"),
             Catch::Contains("nosize.lackey:3: size: missing ',size'"));
  CHECK_THAT(lackey_error("emptysize.lackey", pre + " M 1fff000628,\n"),
             Catch::Contains("emptysize.lackey:3: size: missing size"));
  CHECK_THAT(lackey_error("trail.lackey", pre + "I  00401552,3x\n"),
             Catch::Contains("trail.lackey:3: size: unexpected characters after the size"));
  CHECK_THAT(lackey_error("trail2.lackey", pre + "I  00401552,3 \n"),
             Catch::Contains("trail2.lackey:3: size: unexpected characters after the size"));
  CHECK_THAT(lackey_error("big.lackey", pre + "I  00401552,4294967296\n"),
             Catch::Contains("big.lackey:3: size: size does not fit 32 bits"));
  // The message quotes the line.
  CHECK_THAT(lackey_error("quote.lackey", pre + " L 1fff00zz30,8\n"),
             Catch::Contains("in lackey record ' L 1fff00zz30,8'"));
}

TEST_CASE("lackey: a truncated last line is an error with its line number", "[trace][lackey][errors]") {
  // valgrind killed while writing: line 4 ends without ",size" and without a newline.
  CHECK_THAT(lackey_error("trunc.lackey", kBanner + "I  00401550,2\n L 1fff000630,8\nI  0040155"),
             Catch::Contains("trunc.lackey:4: size: missing ',size'"));
  CHECK_THAT(lackey_error("trunc2.lackey", kBanner + "I  00401550,2\n L 1fff000630,8\nI  "),
             Catch::Contains("trunc2.lackey:4: gva: missing address"));
  // Also found by auto detection.
  CHECK_THAT(lackey_error("trunc3.lackey", kBanner + "I  0040155", TraceFormat::Auto),
             Catch::Contains("trunc3.lackey:2: size: missing ',size'"));
}

TEST_CASE("lackey: lines longer than the read buffer", "[trace][lackey][errors]") {
  // Program output of 3 MiB without a newline (longer than the 1 MiB buffer) is skipped and
  // counted as one line: the bad record after it is on line 5.
  std::string big(3 << 20, 'a');
  std::string path = temp_file("longline.lackey", kBanner + "I  1,1\n" + big + "\n L 2,2\n S zz,1\n");
  CHECK_THAT(lackey_error("longline.lackey", kBanner + "I  1,1\n" + big + "\n L 2,2\n S zz,1\n"),
             Catch::Contains("longline.lackey:5: gva: 'zz' is not a hex address"));
  auto recs = read_all(temp_file("longline_ok.lackey", kBanner + "I  1,1\n" + big + "\n L 2,2\n" + big));
  REQUIRE(recs.size() == 2);
  CHECK(recs[1].gva == 2);
  // A record-like line longer than the buffer is rejected.
  CHECK_THAT(lackey_error("longrec.lackey", kBanner + "I  " + std::string(2 << 20, '1') + ",1\n"),
             Catch::Contains("longrec.lackey:2: line longer than 1048576 bytes"));
}

TEST_CASE("lackey: many blocks", "[trace][lackey]") {
  // 300000 records of 13-16 bytes (about 4.5 MB): several 1 MiB buffer refills, with lines cut at
  // every block boundary. Every 1000th line is an "==" line.
  std::string s = kBanner;
  std::uint64_t expect_sum = 0;
  for (int i = 0; i < 300000; ++i) {
    if (i % 1000 == 999) s += "==1== x\n";
    char line[48];
    std::snprintf(line, sizeof line, "%s%08x,%d\n", i % 3 == 0 ? "I  " : i % 3 == 1 ? " L " : " S ", 0x400000 + i,
                  1 + i % 8);
    s += line;
    expect_sum += 0x400000 + i + (1 + i % 8);
  }
  auto recs = read_all(temp_file("many.lackey", s), TraceFormat::Auto, 4096);
  REQUIRE(recs.size() == 300000);
  std::uint64_t sum = 0;
  bool ops_ok = true;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    sum += recs[i].gva + recs[i].size;
    ops_ok = ops_ok && recs[i].op == (i % 3 == 0 ? Op::Fetch : i % 3 == 1 ? Op::Read : Op::Write);
  }
  CHECK(sum == expect_sum);
  CHECK(ops_ok);
}

TEST_CASE("format detection", "[trace]") {
  CHECK(open_trace(temp_file("d1", "op,gva\nR,1\n"), TraceFormat::Auto)->format() == TraceFormat::Csv);
  CHECK(open_trace(temp_file("d2", "\n vm , op,gva,size\n"), TraceFormat::Auto)->format() == TraceFormat::Csv);
  CHECK(open_trace(temp_file("d3", kBanner), TraceFormat::Auto)->format() == TraceFormat::Lackey);
  CHECK(open_trace(temp_file("d4", " L 10,8\n"), TraceFormat::Auto)->format() == TraceFormat::Lackey);
  CHECK(open_trace(temp_file("d5", "hello\nworld\n M 10,8\n"), TraceFormat::Auto)->format() == TraceFormat::Lackey);
  // Forcing a format skips detection: a CSV read as lackey has no records.
  CHECK(read_all(temp_file("d6", "op,gva\nR,1\n"), TraceFormat::Lackey).empty());
  std::string path = temp_file("unknown.txt", "hello\nworld\n");
  try {
    open_trace(path, TraceFormat::Auto);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.line() == 0);
    CHECK_THAT(e.what(), Catch::StartsWith(path + ": cannot tell the trace format (first line: 'hello'"));
    CHECK_THAT(e.what(), Catch::EndsWith("use --format csv|lackey"));
  }
}

TEST_CASE("bundled traces: record and op counts of traces/README.md", "[trace][bundled]") {
  // Figures from traces/tools/trace_stats.py and an awk count (traces/README.md).
  struct Want {
    const char* file;
    TraceFormat format;
    std::uint64_t r, w, x, m;
  };
  const Want want[] = {
      {"lackey/quicksort.lackey", TraceFormat::Lackey, 16210, 6718, 106159, 33},
      {"lackey/listwalk.lackey", TraceFormat::Lackey, 28434, 6980, 118998, 39},
      {"lackey/matmul.lackey", TraceFormat::Lackey, 24096, 3145, 116061, 37},
      {"lackey/true.lackey", TraceFormat::Lackey, 28646, 10266, 131702, 1504},
      {"synthetic/hotcold-small.csv", TraceFormat::Csv, 7569, 2431, 0, 0},
      {"synthetic/seq-small.csv", TraceFormat::Csv, 7569, 2431, 0, 0},
      {"synthetic/multi-vcpu.csv", TraceFormat::Csv, 7569, 2431, 0, 0},
      {"synthetic/tlbhit-small.csv", TraceFormat::Csv, 7569, 2431, 0, 0},
  };
  for (const Want& w : want) {
    INFO(w.file);
    std::string path = std::string(TEST_DATA_DIR "/../../traces/") + w.file;
    auto r = open_trace(path, TraceFormat::Auto);
    CHECK(r->format() == w.format);
    std::uint64_t count[4] = {0, 0, 0, 0};
    std::vector<TraceRecord> buf(1000);
    while (std::size_t n = r->read(buf.data(), buf.size()))
      for (std::size_t i = 0; i < n; ++i) ++count[static_cast<int>(buf[i].op)];
    CHECK(count[static_cast<int>(Op::Read)] == w.r);
    CHECK(count[static_cast<int>(Op::Write)] == w.w);
    CHECK(count[static_cast<int>(Op::Fetch)] == w.x);
    CHECK(count[static_cast<int>(Op::Modify)] == w.m);
    CHECK(r->bytes_done() == r->bytes_total());
  }
}
