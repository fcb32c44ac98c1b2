// The binary .mtr format: writer and reader agree, the layout is the documented one, and every
// malformed file is one clear error.
#include <catch2/catch.hpp>

#include "util/input_error.h"
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
             Catch::EndsWith("cut.mtr: bad .mtr header: it promises 1000 records, but the file's 277 bytes hold at most 10 "
                             "(the file is truncated, or the header is wrong)"));
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

TEST_CASE("mtr: records the machine cannot replay are skipped where they are, the rest kept in order", "[trace][mtr][skip]") {
  std::vector<TraceRecord> recs = sample(), want;
  std::string bytes = bytes_of(write_mtr("mixed.mtr", recs));
  std::uint64_t bad = 0;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    unsigned char* p = reinterpret_cast<unsigned char*>(&bytes[mtr::kHeaderBytes + i * mtr::kRecordBytes]);
    if (i % 7 == 3) p[22] = 4;  // op
    else if (i % 11 == 5) mtr::put64(p, 0x800000000000ull);  // gva
    else if (i % 13 == 6) p[21] = 9;  // vcpu
    else {
      want.push_back(recs[i]);
      continue;
    }
    ++bad;
  }
  auto reader = open_trace(temp_file("mixed.mtr", bytes), TraceFormat::Auto);
  reader->set_limits(machine_limits(3, 4));
  reader->set_skip_bad(true, true);
  std::vector<TraceRecord> got, buf(7);
  while (std::size_t n = reader->read(buf.data(), buf.size())) got.insert(got.end(), buf.begin(), buf.begin() + n);
  CHECK(reader->skipped() == bad);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("record " << i);
    CHECK(got[i].gva == want[i].gva);
    CHECK(got[i].pid == want[i].pid);
    CHECK(got[i].op == want[i].op);
  }
}

TEST_CASE("record_fits: the canonical address space at its edges", "[trace][limits]") {
  const RecordLimits limits = machine_limits(1, 1);
  const auto fits = [&](std::uint64_t gva, std::uint32_t size) {
    TraceRecord r;
    r.gva = gva;
    r.size = size;
    return record_fits(r, limits);
  };
  CHECK(fits(0, 0));
  CHECK(fits(0x7fffffffffffull, 1));
  CHECK(fits(0x7ffffffff000ull, 4096));
  CHECK_FALSE(fits(0x7ffffffff000ull, 4097));  // runs past the low half
  CHECK_FALSE(fits(0x800000000000ull, 1));
  CHECK_FALSE(fits(0xffff7fffffffffffull, 1));
  CHECK(fits(0xffff800000000000ull, 0xffffffffu));
  CHECK(fits(0xffffffffffffffffull, 1));
  CHECK(fits(0xffffffffffffffffull, 0));         // size 0 counts as 1
  CHECK_FALSE(fits(0xffffffffffffffffull, 2));   // wraps around to 0
  CHECK_FALSE(fits(0xfffffffffffff000ull, 0xffffffffu));
  CHECK_FALSE(fits(0x0000800000000000ull - 8, 0xffffffffu));
  TraceRecord r;
  r.gva = 0x800000000000ull;
  CHECK(record_fits(r, RecordLimits{}));  // no limits: any address
  r.gva = 0;
  r.vm = 1;
  CHECK_FALSE(record_fits(r, limits));
}
