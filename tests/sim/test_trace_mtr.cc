// The binary .mtr format: writer and reader agree, the layout is the documented one, and every
// malformed file is one clear error.
#include <catch2/catch.hpp>

#include "input_error.h"
#include "temp_file.h"
#include "trace/mtr_format.h"
#include "trace/mtr_writer.h"

using namespace mmusim;
using mmusim::test::read_all;
using mmusim::test::temp_file;
using mmusim::test::trace_error;

namespace {
std::vector<TraceRecord> sample() {
  std::vector<TraceRecord> v;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    TraceRecord r;
    r.gva = 0x7f0000000000ull + i * 4099;
    r.gap = i * 7;
    r.pid = i % 5;
    r.size = i % 17;
    r.vm = static_cast<std::uint16_t>(i % 3);
    r.vcpu = static_cast<std::uint16_t>(i % 4);
    r.op = static_cast<Op>(i % 4);
    v.push_back(r);
  }
  return v;
}

std::string write_mtr(const std::string& name, const std::vector<TraceRecord>& recs) {
  const std::string path = temp_file(name, "");
  MtrWriter w(path);
  for (const TraceRecord& r : recs) w.add(r);
  w.close();
  return path;
}

std::string bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
}  // namespace

TEST_CASE("mtr: what the writer writes the reader reads back, detected by its magic", "[trace][mtr]") {
  const auto recs = sample();
  const std::string path = write_mtr("round.mtr", recs);
  const std::string raw = bytes_of(path);
  CHECK(raw.size() == 32 + 24 * recs.size());
  CHECK(raw.compare(0, 8, "MMUSIMTR") == 0);
  const auto back = read_all(path);  // format detected
  REQUIRE(back.size() == recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    INFO(i);
    CHECK(back[i].gva == recs[i].gva);
    CHECK(back[i].gap == recs[i].gap);
    CHECK(back[i].pid == recs[i].pid);
    CHECK(back[i].size == recs[i].size);
    CHECK(back[i].vm == recs[i].vm);
    CHECK(back[i].vcpu == recs[i].vcpu);
    CHECK(back[i].op == recs[i].op);
  }
  CHECK(open_trace(path, TraceFormat::Auto)->format() == TraceFormat::Mtr);
}

TEST_CASE("mtr: the byte layout is the documented one", "[trace][mtr]") {
  // One record: gva 0x0102030405060708, gap 9, pid 10, size 11, vm 12, vcpu 13, op M (3).
  TraceRecord r;
  r.gva = 0x0102030405060708ull, r.gap = 9, r.pid = 10, r.size = 11, r.vm = 12, r.vcpu = 13, r.op = Op::Modify;
  const std::string raw = bytes_of(write_mtr("layout.mtr", {r}));
  const std::string expect = std::string("MMUSIMTR") + std::string("\x01\0\0\0", 4) + std::string("\x18\0\0\0", 4) +
                             std::string("\x01\0\0\0\0\0\0\0", 8) + std::string(8, '\0') +
                             std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8) + std::string("\x09\0\0\0", 4) +
                             std::string("\x0a\0\0\0", 4) + std::string("\x0b\0\0\0", 4) + std::string("\x0c\x0d\x03\0", 4);
  CHECK(raw == expect);
}

TEST_CASE("mtr: malformed files and records name the file and the record", "[trace][mtr][errors]") {
  const std::string good = bytes_of(write_mtr("good.mtr", sample()));
  CHECK_THAT(trace_error("cut.mtr", good.substr(0, 32 + 24 * 10 + 5), TraceFormat::Auto),
             Catch::EndsWith("cut.mtr:11: truncated .mtr file: the header promises 1000 records, the file ends at record 11"));
  CHECK_THAT(trace_error("extra.mtr", good + "x", TraceFormat::Auto),
             Catch::EndsWith("extra.mtr:1001: data after the 1000 records the header announces"));
  std::string v2 = good;
  v2[8] = 2;
  CHECK_THAT(trace_error("v2.mtr", v2, TraceFormat::Auto), Catch::EndsWith("v2.mtr: .mtr version 2 (this reader knows 1)"));
  std::string wide = good;
  wide[12] = 32;
  CHECK_THAT(trace_error("wide.mtr", wide, TraceFormat::Auto),
             Catch::EndsWith("wide.mtr: .mtr records of 32 bytes (24 expected)"));
  CHECK_THAT(trace_error("short.mtr", good.substr(0, 20), TraceFormat::Mtr), Catch::EndsWith("short.mtr: truncated .mtr header"));
  CHECK_THAT(trace_error("magic.mtr", "MMUSIMTX" + good.substr(8), TraceFormat::Mtr),
             Catch::EndsWith("magic.mtr: not an .mtr file (bad magic)"));
  // The machine's limits apply as to the text formats: record 2 has vm 1.
  auto reader = open_trace(temp_file("lim.mtr", good), TraceFormat::Auto);
  reader->set_limits(machine_limits(1, 4));
  std::vector<TraceRecord> buf(16);
  try {
    reader->read(buf.data(), buf.size());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK_THAT(std::string(e.what()), Catch::EndsWith("lim.mtr:2: vm: 1 is not below guest.vms = 1"));
  }
}

TEST_CASE("mtr: the writer refuses what the format cannot hold", "[trace][mtr][errors]") {
  MtrWriter w(temp_file("refuse.mtr", ""));
  TraceRecord r;
  w.add(r);
  r.gap = std::uint64_t{1} << 32;
  CHECK_THROWS_WITH(w.add(r), Catch::EndsWith("gap: record 2: 4294967296 is above 2^32 - 1 (the .mtr format cannot hold it)"));
  r.gap = 0;
  r.vm = 256;
  CHECK_THROWS_WITH(w.add(r), Catch::EndsWith("vm: record 2: 256 is above 255 (the .mtr format cannot hold it)"));
}
