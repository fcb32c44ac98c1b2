// CSV trace reader (sim/trace/csv_reader.cc) and format detection (sim/trace/reader.cc).
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


// The message of the InputError that reading `content` as a CSV trace throws.
std::string csv_error(const std::string& name, const std::string& content, TraceFormat f = TraceFormat::Csv) {
  return trace_error(name, content, f);
}

}  // namespace

TEST_CASE("csv: all columns of the bundled sample", "[trace][csv]") {
  auto recs = read_all(TEST_DATA_DIR "/sample.csv");
  REQUIRE(recs.size() == 4);
  // Line 2: 0,0,0,R,0x7ffd1000,8,0
  CHECK(recs[0].vm == 0);
  CHECK(recs[0].vcpu == 0);
  CHECK(recs[0].pid == 0);
  CHECK(recs[0].op == Op::Read);
  CHECK(recs[0].gva == 0x7ffd1000u);
  CHECK(recs[0].size == 8);
  CHECK(recs[0].gap == 0);
  // Line 3: 0,1,42,W,0x7ffd2008,4,10
  CHECK(recs[1].vcpu == 1);
  CHECK(recs[1].pid == 42);
  CHECK(recs[1].op == Op::Write);
  CHECK(recs[1].gva == 0x7ffd2008u);
  CHECK(recs[1].size == 4);
  CHECK(recs[1].gap == 10);
  // Line 4: 1,0,7,X,400000,16,0 (bare hex: 0x400000)
  CHECK(recs[2].vm == 1);
  CHECK(recs[2].op == Op::Fetch);
  CHECK(recs[2].gva == 0x400000u);
  CHECK(recs[2].size == 16);
  // Line 5: 1,1,7,M,0X1FFF000630,0,250 (upper-case 0X and digits; size 0 kept as given)
  CHECK(recs[3].vm == 1);
  CHECK(recs[3].vcpu == 1);
  CHECK(recs[3].op == Op::Modify);
  CHECK(recs[3].gva == 0x1fff000630u);
  CHECK(recs[3].size == 0);
  CHECK(recs[3].gap == 250);
}

TEST_CASE("csv: optional columns take their defaults, lowercase ops, blank lines", "[trace][csv]") {
  // Header "gva , op" (blanks around names, reversed order), a blank line in the middle and one
  // at the end.
  auto r = open_trace(TEST_DATA_DIR "/sample_minimal.csv", TraceFormat::Auto);
  CHECK(r->format() == TraceFormat::Csv);
  std::vector<TraceRecord> recs = read_all(TEST_DATA_DIR "/sample_minimal.csv");
  REQUIRE(recs.size() == 4);
  const Op ops[] = {Op::Read, Op::Write, Op::Fetch, Op::Modify};
  const std::uint64_t gvas[] = {0x1000, 0x2000, 0x3000, 0x4000};
  for (int i = 0; i < 4; ++i) {
    CHECK(recs[i].op == ops[i]);
    CHECK(recs[i].gva == gvas[i]);
    CHECK(recs[i].vm == 0);
    CHECK(recs[i].vcpu == 0);
    CHECK(recs[i].pid == 0);
    CHECK(recs[i].size == 1);
    CHECK(recs[i].gap == 0);
  }
}

TEST_CASE("csv: column order is free and hex limits", "[trace][csv]") {
  std::string path = temp_file("order.csv",
                               "gap,gva,op,size,pid,vcpu,vm\n"
                               "5,ffffffffffffffff,X,0,7,3,2\n"           // 16 hex digits: the largest
                               "0,0x0000000000001000,R,4294967295,4294967295,65535,65535\n"  // 16 digits after 0x
                               "18446744073709551615,0,W,1,0,0,0\r\n");  // CRLF line end
  auto recs = read_all(path);
  REQUIRE(recs.size() == 3);
  CHECK(recs[0].gap == 5);
  CHECK(recs[0].gva == 0xffffffffffffffffull);
  CHECK(recs[0].op == Op::Fetch);
  CHECK(recs[0].size == 0);
  CHECK(recs[0].pid == 7);
  CHECK(recs[0].vcpu == 3);
  CHECK(recs[0].vm == 2);
  CHECK(recs[1].gva == 0x1000);
  CHECK(recs[1].size == 4294967295u);
  CHECK(recs[1].pid == 4294967295u);
  CHECK(recs[1].vcpu == 65535);
  CHECK(recs[1].vm == 65535);
  CHECK(recs[2].gap == 18446744073709551615ull);
  CHECK(recs[2].op == Op::Write);
}

TEST_CASE("csv: a header only is a trace of no records", "[trace][csv]") {
  CHECK(read_all(temp_file("header_only.csv", "op,gva\n")).empty());
}

TEST_CASE("csv: more records than the detection window are all read", "[trace][csv]") {
  // 20000 lines of about 15 bytes: 300 KB, well past the 64 KiB that detection looks at.
  std::string s = "op,gva\n";
  for (int i = 0; i < 20000; ++i) s += (i % 2 ? "W,0x" : "R,0x") + std::to_string(1000000 + i) + "\n";
  std::string path = temp_file("many.csv", s);
  auto r = open_trace(path, TraceFormat::Auto);
  CHECK(r->bytes_total() == s.size());
  std::vector<TraceRecord> buf(4096);
  std::uint64_t n = 0;
  bool ok = true;
  while (std::size_t k = r->read(buf.data(), buf.size())) {
    for (std::size_t j = 0; j < k; ++j, ++n) {
      // "0x" + decimal digits read as hex: 1000000 + i written in decimal, parsed in base 16.
      std::uint64_t want = std::stoull(std::to_string(1000000 + n), nullptr, 16);
      ok = ok && buf[j].gva == want && buf[j].op == (n % 2 ? Op::Write : Op::Read);
    }
  }
  CHECK(ok);
  CHECK(n == 20000);
  CHECK(r->bytes_done() == s.size());
}

TEST_CASE("csv: value errors name file, line and column", "[trace][csv][errors]") {
  const std::string head = "vm,vcpu,pid,op,gva,size,gap\n";
  const std::string good = "0,0,0,R,0x1000,8,0\n";
  // Bad gva on line 7 (header line 1, five good lines 2..6).
  std::string msg = csv_error("t.csv", head + good + good + good + good + good + "0,0,0,R,zz12,8,0\n" + good);
  CHECK_THAT(msg, Catch::Contains("t.csv:7: gva: 'zz12' is not a hex address"));

  struct Case {
    const char* line;  // line 3 of the file, after one good line
    const char* want;  // ":3: column: ..."
  };
  const Case cases[] = {
      {"0,0,0,R,,8,0", ":3: gva: '' is not a hex address"},
      {"0,0,0,R,0x,8,0", ":3: gva: '0x' is not a hex address"},
      {"0,0,0,R,12g4,8,0", ":3: gva: '12g4' is not a hex address"},
      {"0,0,0,R,-1000,8,0", ":3: gva: '-1000' is not a hex address"},
      {"0,0,0,R,10000000000000000,8,0", ":3: gva: '10000000000000000' has more than 16 hex digits"},
      {"0,0,0,R,0x00000000000000001,8,0", ":3: gva: '0x00000000000000001' has more than 16 hex digits"},
      {"0,0,0,Q,1000,8,0", ":3: op: 'Q' is not an op (R, W, X or M)"},
      {"0,0,0,RW,1000,8,0", ":3: op: 'RW' is not an op"},
      {"0,0,0,,1000,8,0", ":3: op: '' is not an op"},
      {"65536,0,0,R,1000,8,0", ":3: vm: '65536' is out of range (0..65535)"},
      {"0,70000,0,R,1000,8,0", ":3: vcpu: '70000' is out of range (0..65535)"},
      {"0,0,4294967296,R,1000,8,0", ":3: pid: '4294967296' is out of range (0..4294967295)"},
      {"0,0,0,R,1000,4294967296,0", ":3: size: '4294967296' is out of range (0..4294967295)"},
      {"0,0,0,R,1000,8,18446744073709551616", ":3: gap: '18446744073709551616' is out of range"},
      {"0,0,0,R,1000,8,99999999999999999999999", ":3: gap: '99999999999999999999999' is out of range"},
      {"0,0,0,R,1000,8,-1", ":3: gap: '-1' is not a non-negative decimal integer"},
      {"0,0,0,R,1000,1.5,0", ":3: size: '1.5' is not a non-negative decimal integer"},
      {"0,0,x,R,1000,8,0", ":3: pid: 'x' is not a non-negative decimal integer"},
      {"0,0,0x10,R,1000,8,0", ":3: pid: '0x10' is not a non-negative decimal integer"},
      {",0,0,R,1000,8,0", ":3: vm: empty value"},
      {"0,0,0,R,1000,8", ":3: too few fields"},
      {"0,0,0,R,1000,8,0,9", ":3: too many fields"},
      {"R", ":3: too few fields"},
  };
  for (const Case& c : cases) {
    INFO(c.line);
    CHECK_THAT(csv_error("v.csv", head + good + c.line + "\n" + good), Catch::Contains(std::string("v.csv") + c.want));
  }
}

TEST_CASE("csv: InputError carries file, line and key", "[trace][csv][errors]") {
  std::string path = temp_file("fields.csv", "op,gva\nR,1\n\nR,1\nR,1,2\n");
  try {
    read_all(path);
    FAIL("no error");
  } catch (const InputError& e) {
    // Blank line 3 is skipped but counted: the extra field is on line 5.
    CHECK(e.file() == path);
    CHECK(e.line() == 5);
    CHECK(e.key() == "");
    CHECK_THAT(e.what(), Catch::Contains("fields.csv:5: too many fields"));
  }
}

TEST_CASE("csv: header errors", "[trace][csv][errors]") {
  CHECK_THAT(csv_error("h1.csv", "vm,gva\n0,1000\n"), Catch::Contains("h1.csv:1: op: missing required column"));
  CHECK_THAT(csv_error("h2.csv", "op,size\nR,8\n"), Catch::Contains("h2.csv:1: gva: missing required column"));
  CHECK_THAT(csv_error("h3.csv", "op,gva,addr\nR,1000,5\n"),
             Catch::Contains("h3.csv:1: addr: unknown column in the header row"));
  CHECK_THAT(csv_error("h4.csv", "op,gva,op\nR,1000,R\n"), Catch::Contains("h4.csv:1: op: column named twice"));
  // Upper-case column names are not the known ones.
  // Column names are case-insensitive: OP is op, named twice here.
  CHECK_THAT(csv_error("h5.csv", "OP,gva,op\nR,1000,R\n"), Catch::Contains("h5.csv:1: op: column named twice in the header row"));
  // The header after two blank lines is line 3.
  CHECK_THAT(csv_error("h6.csv", "\n\nop,gva,vcpu,bogus\n"), Catch::Contains("h6.csv:3: bogus: unknown column"));
  // With --format auto, a first line without op and gva is not recognised at all.
  CHECK_THAT(csv_error("h7.csv", "vm,address\n0,1000\n", TraceFormat::Auto),
             Catch::Contains("h7.csv: cannot tell the trace format") && Catch::Contains("--format csv|lackey"));
}

TEST_CASE("csv: missing, empty and blank files", "[trace][csv][errors]") {
  std::string missing = temp_file("x.csv", "") + ".does-not-exist";
  try {
    open_trace(missing, TraceFormat::Csv);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == missing + ": cannot open trace: No such file or directory");
    CHECK(e.line() == 0);
  }
  for (TraceFormat f : {TraceFormat::Auto, TraceFormat::Csv, TraceFormat::Lackey}) {
    CHECK_THAT(csv_error("empty.csv", "", f), Catch::Contains("empty.csv: empty trace file"));
    CHECK_THAT(csv_error("blank.csv", "\n  \n\t\n", f), Catch::Contains("blank.csv: empty trace file"));
  }
  // A directory is not a trace.
  std::string dir = std::filesystem::path(missing).parent_path().string();
  CHECK_THROWS_WITH(open_trace(dir, TraceFormat::Csv), Catch::Contains("cannot open trace: Is a directory"));
}

TEST_CASE("trace format names", "[trace]") {
  CHECK(parse_trace_format("auto", "--format") == TraceFormat::Auto);
  CHECK(parse_trace_format("csv", "--format") == TraceFormat::Csv);
  CHECK(parse_trace_format("lackey", "--format") == TraceFormat::Lackey);
  CHECK(std::string(trace_format_name(TraceFormat::Auto)) == "auto");
  CHECK(std::string(trace_format_name(TraceFormat::Csv)) == "csv");
  CHECK(std::string(trace_format_name(TraceFormat::Lackey)) == "lackey");
  CHECK_THROWS_WITH(parse_trace_format("xml", "--format"),
                    Catch::StartsWith("--format: 'xml' is not a trace format"));
}

TEST_CASE("csv: records the machine cannot replay name their line and column", "[trace][csv][errors]") {
  // The limits of a machine with 2 VMs of 2 vCPUs; gaps above 2^32 cycles are refused.
  const RecordLimits limits = machine_limits(2, 2);
  auto error_of = [&](const std::string& name, const std::string& body) {
    auto r = open_trace(temp_file(name, "vm,vcpu,op,gva,gap\n0,0,R,0x1000,0\n" + body), TraceFormat::Auto);
    r->set_limits(limits);
    std::vector<TraceRecord> buf(16);
    try {
      while (r->read(buf.data(), buf.size())) {
      }
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(error_of("lim_vm.csv", "2,0,R,0x1000,0\n"), Catch::EndsWith("lim_vm.csv:3: vm: 2 is not below guest.vms = 2"));
  CHECK_THAT(error_of("lim_vcpu.csv", "1,5,R,0x1000,0\n"),
             Catch::EndsWith("lim_vcpu.csv:3: vcpu: 5 is not below guest.vcpus = 2"));
  CHECK_THAT(error_of("lim_gap.csv", "0,0,R,0x1000,4294967297\n"),
             Catch::EndsWith("lim_gap.csv:3: gap: 4294967297 cycles is above the limit of 4294967296"));
  CHECK_THAT(error_of("lim_gva.csv", "0,0,R,0x800000000000,0\n"),
             Catch::EndsWith("lim_gva.csv:3: gva: 0x800000000000 size 1 leaves the canonical 48-bit address space"));
  CHECK(error_of("lim_ok.csv", "1,1,W,0xffff800000000000,4294967296\n") == "no error");  // kernel half, max gap
}
