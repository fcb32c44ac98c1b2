// ChampSim traces: a trace built byte by byte, each field at the offset ChampSim's input_instr
// gives it, reads as exactly the accesses of the same trace written by hand as CSV (the mapping
// of the README); a length that is not a multiple of 64 bytes is an error naming the record.
#include <lzma.h>

#include <catch2/catch.hpp>

#include "util/input_error.h"
#include "temp_file.h"

using namespace mmusim;
using mmusim::test::read_all;
using mmusim::test::temp_file;

namespace {

struct Instr {
  std::uint64_t ip;
  std::uint8_t is_branch, taken, dst_reg[2], src_reg[4];
  std::uint64_t dst_mem[2], src_mem[4];
};

void put64(std::string& s, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}

// One 64-byte record, little-endian, fields in input_instr's order.
std::string record(const Instr& in) {
  std::string s;
  put64(s, in.ip);
  s += static_cast<char>(in.is_branch);
  s += static_cast<char>(in.taken);
  for (auto r : in.dst_reg) s += static_cast<char>(r);
  for (auto r : in.src_reg) s += static_cast<char>(r);
  for (auto a : in.dst_mem) put64(s, a);
  for (auto a : in.src_mem) put64(s, a);
  REQUIRE(s.size() == 64);
  return s;
}

const Instr kTrace[] = {
    {0x401000, 0, 0, {0, 0}, {0, 0, 0, 0}, {0, 0}, {0, 0, 0, 0}},                                   // no memory operand
    {0x401004, 1, 1, {25, 0}, {6, 25, 0, 0}, {0, 0x602000}, {0x7ffd1000, 0, 0x7ffd2000, 0}},         // zeros between
    {0x40100a, 0, 0, {1, 2}, {3, 4, 5, 6}, {0x603008, 0x604010}, {0x7ffd3000, 0x7ffd3008, 0x7ffd3010, 0x7ffd3018}},
    {0x7fffff000abc, 1, 0, {0, 0}, {0, 0, 0, 0}, {0, 0}, {0xffff, 0, 0, 0}},
};

// The same four instructions as the README's mapping says, typed by hand.
const char* kCsv =
    "op,gva,size\n"
    "X,0x401000,1\n"
    "X,0x401004,1\nR,0x7ffd1000,1\nR,0x7ffd2000,1\nW,0x602000,1\n"
    "X,0x40100a,1\nR,0x7ffd3000,1\nR,0x7ffd3008,1\nR,0x7ffd3010,1\nR,0x7ffd3018,1\nW,0x603008,1\nW,0x604010,1\n"
    "X,0x7fffff000abc,1\nR,0xffff,1\n";

std::string trace_bytes() {
  std::string s;
  for (const Instr& in : kTrace) s += record(in);
  return s;
}

bool same(const std::vector<TraceRecord>& a, const std::vector<TraceRecord>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].gva != b[i].gva || a[i].gap != b[i].gap || a[i].pid != b[i].pid || a[i].size != b[i].size ||
        a[i].vm != b[i].vm || a[i].vcpu != b[i].vcpu || a[i].op != b[i].op)
      return false;
  return true;
}

std::string xz(const std::string& s) {
  std::string out(lzma_stream_buffer_bound(s.size()), '\0');
  std::size_t pos = 0;
  REQUIRE(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const std::uint8_t*>(s.data()), s.size(),
                                  reinterpret_cast<std::uint8_t*>(&out[0]), &pos, out.size()) == LZMA_OK);
  out.resize(pos);
  return out;
}

}  // namespace

TEST_CASE("champsim: a trace built byte by byte reads as the same accesses written as CSV", "[trace][champsim]") {
  const auto want = read_all(temp_file("same.csv", kCsv));
  REQUIRE(want.size() == 14);
  const std::string bytes = trace_bytes();
  for (std::size_t batch : {1, 3, 7, 4096}) {
    INFO("batch " << batch);
    CHECK(same(read_all(temp_file("t.champsimtrace", bytes), TraceFormat::Auto, batch), want));
  }
  // Compressed, as the public sets are, and detected from the name below the compression.
  const std::string packed = temp_file("t.champsimtrace.xz", xz(bytes));
  CHECK(same(read_all(packed), want));
  auto r = open_trace(packed, TraceFormat::Auto);
  CHECK(r->format() == TraceFormat::Champsim);
  CHECK(r->compression() == Compression::Xz);
  // Any other name needs --format champsim.
  CHECK(same(read_all(temp_file("t.bin", bytes), TraceFormat::Champsim), want));
  CHECK(parse_trace_format("champsim", "--format") == TraceFormat::Champsim);
  CHECK(std::string(trace_format_name(TraceFormat::Champsim)) == "champsim");
}

TEST_CASE("champsim: the records run in the vm and pid the trace options give, other formats keep theirs",
          "[trace][champsim]") {
  std::string csv = "vm,pid," + std::string(kCsv);
  for (std::size_t at = csv.find('\n'); at + 1 < csv.size(); at = csv.find('\n', at + 1)) csv.insert(at + 1, "2,7,");
  const auto want = read_all(temp_file("ids.csv", csv));
  REQUIRE(want.size() == 14);
  CHECK((want.front().vm == 2 && want.front().pid == 7));
  TraceOptions how(TraceFormat::Auto);
  how.champsim_vm = 2, how.champsim_pid = 7;
  CHECK(same(read_all(temp_file("t.champsimtrace", trace_bytes()), how), want));
  CHECK(same(read_all(temp_file("plain.csv", kCsv), how), read_all(temp_file("plain.csv", kCsv))));
}

TEST_CASE("champsim: many instructions across the reader's blocks", "[trace][champsim]") {
  std::string bytes, csv = "op,gva,size\n";
  char line[64];
  for (std::uint64_t i = 0; i < 10000; ++i) {
    Instr in{0x400000 + 4 * i, 0, 0, {0, 0}, {0, 0, 0, 0}, {0, 0}, {0, 0, 0, 0}};
    std::snprintf(line, sizeof line, "X,0x%llx,1\n", static_cast<unsigned long long>(in.ip));
    csv += line;
    for (std::uint64_t j = 0; j < i % 5; ++j) {
      in.src_mem[j] = 0x10000000 + 64 * i + j;
      std::snprintf(line, sizeof line, "R,0x%llx,1\n", static_cast<unsigned long long>(in.src_mem[j]));
      csv += line;
    }
    if (i % 3 == 0) {
      in.dst_mem[0] = 0x20000000 + 8 * i;
      std::snprintf(line, sizeof line, "W,0x%llx,1\n", static_cast<unsigned long long>(in.dst_mem[0]));
      csv += line;
    }
    bytes += record(in);
  }
  CHECK(same(read_all(temp_file("many.champsimtrace", bytes), TraceFormat::Auto, 1000), read_all(temp_file("many.csv", csv))));
  // Compressed and cut short: the error names the record the stream ends in.
  const std::string x = xz(bytes);
  const std::string cut = temp_file("cut.champsimtrace.xz", x.substr(0, x.size() / 2));
  try {
    read_all(cut);
    FAIL("no error");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    const std::size_t at = msg.rfind("after ");
    REQUIRE(at != std::string::npos);
    const std::uint64_t n = std::stoull(msg.substr(at + 6));
    CHECK(msg == cut + ":" + std::to_string(n / 64 + 1) + ": truncated xz stream: the file ends inside compressed data, after " +
                     std::to_string(n) + " decompressed bytes");
  }
}

TEST_CASE("champsim: a length that is not a multiple of 64 bytes is an error naming the record", "[trace][champsim]") {
  const std::string bytes = trace_bytes() + std::string(10, '\x01');
  const std::string path = temp_file("cut.champsimtrace", bytes);
  auto r = open_trace(path, TraceFormat::Auto);
  std::vector<TraceRecord> buf(100);
  // The whole records come first, then the error.
  CHECK(r->read(buf.data(), buf.size()) == 14);
  try {
    r->read(buf.data(), buf.size());
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == path + ":5: the trace's 266 bytes are not a whole number of 64-byte ChampSim records: the last one has 10 bytes");
  }
  // Only a part of one record.
  CHECK_THROWS_WITH(read_all(temp_file("short.champsimtrace", std::string(63, '\x01'))),
                    Catch::EndsWith("short.champsimtrace:1: the trace's 63 bytes are not a whole number of 64-byte ChampSim records: the last one has 63 bytes"));
  // With --skip-bad-lines the cut record is counted, the others kept.
  auto s = open_trace(path, TraceFormat::Auto);
  s->set_skip_bad(true, true);
  std::size_t n = 0;
  while (std::size_t got = s->read(buf.data(), buf.size())) n += got;
  CHECK(n == 14);
  CHECK(s->skipped() == 1);
}

TEST_CASE("champsim: an access the machine cannot replay names the record and the field", "[trace][champsim]") {
  Instr bad{0x401000, 0, 0, {0, 0}, {0, 0, 0, 0}, {0x800000000000ull, 0}, {0, 0, 0, 0}};
  const std::string path = temp_file("nc.champsimtrace", record(kTrace[0]) + record(bad));
  auto r = open_trace(path, TraceFormat::Auto);
  r->set_limits(machine_limits(1, 1));
  std::vector<TraceRecord> buf(100);
  CHECK_THROWS_WITH(r->read(buf.data(), buf.size()),
                    path + ":2: gva: 0x800000000000 size 1 leaves the canonical 48-bit address space (destination_memory, access 2 of the instruction)");
}
