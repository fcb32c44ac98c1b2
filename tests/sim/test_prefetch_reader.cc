// PrefetchReader: a reader on a second thread. Whatever mix of read() and read_batch() (which
// swaps whole batches instead of copying) the consumer uses, records come in file order, none
// lost or repeated, and an error comes after the batches before it.
#include <catch2/catch.hpp>

#include <sched.h>

#include <cstdio>
#include <string>
#include <vector>

#include "util/input_error.h"
#include "temp_file.h"
#include "trace/prefetch_reader.h"

using namespace mmusim;
using mmusim::test::temp_file;

namespace {
// "op,gva" CSV of `n` records, record i at gva 0x1000 * (i + 1); record `bad` (if < n) malformed.
std::string csv(std::size_t n, std::size_t bad = ~std::size_t{0}) {
  std::string s = "op,gva\n";
  char buf[32];
  for (std::size_t i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "R,0x%zx\n", 0x1000 * (i + 1));
    s += i == bad ? "R,zz\n" : buf;
  }
  return s;
}

std::unique_ptr<PrefetchReader> prefetch(const std::string& name, const std::string& content) {
  return std::make_unique<PrefetchReader>(open_trace(temp_file(name, content), TraceFormat::Csv), 64, 3);
}
}  // namespace

TEST_CASE("read_batch hands over whole batches of the prefetch ring in file order", "[trace][prefetch]") {
  auto r = prefetch("batches.csv", csv(1000));
  std::vector<TraceRecord> out;
  std::vector<std::size_t> sizes;
  std::uint64_t expect = 0;
  while (r->read_batch(out, 64)) {
    sizes.push_back(out.size());
    for (const TraceRecord& rec : out) CHECK(rec.gva == 0x1000 * ++expect);
  }
  CHECK(expect == 1000);
  // 1000 = 15 * 64 + 40: fifteen full batches and the rest.
  REQUIRE(sizes.size() == 16);
  CHECK(sizes[0] == 64);
  CHECK(sizes[14] == 64);
  CHECK(sizes[15] == 40);
  CHECK_FALSE(r->read_batch(out, 64));
  CHECK(out.empty());
}

TEST_CASE("read and read_batch mixed: no record lost or repeated", "[trace][prefetch]") {
  auto r = prefetch("mixed.csv", csv(1000));
  std::vector<TraceRecord> out, buf(7);
  std::uint64_t expect = 0;
  for (int turn = 0;; ++turn) {
    std::size_t n;
    if (turn % 2) {  // 7 records: leaves the head batch partly read, so the next read_batch copies
      n = r->read(buf.data(), buf.size());
      for (std::size_t i = 0; i < n; ++i) CHECK(buf[i].gva == 0x1000 * ++expect);
    } else {
      n = r->read_batch(out, 64) ? out.size() : 0;
      for (const TraceRecord& rec : out) CHECK(rec.gva == 0x1000 * ++expect);
    }
    if (n == 0) break;
  }
  CHECK(expect == 1000);
}

TEST_CASE("read_batch raises a bad record after the batches before it", "[trace][prefetch]") {
  auto r = prefetch("bad.csv", csv(1000, 300));
  std::vector<TraceRecord> out;
  std::uint64_t got = 0;
  try {
    while (r->read_batch(out, 64)) got += out.size();
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("bad.csv:302") != std::string::npos);  // header + 300 records before it
  }
  // The records of batches read before the bad one's (the inner reader raises for its whole read).
  CHECK(got == 256);
}

TEST_CASE("a consumer allowed one CPU reads every record, and the producer's moves leave the consumer's CPUs alone",
          "[trace][prefetch]") {
  // The producer moves off the consumer's CPU when it shares it, by narrowing its own CPU set (a
  // thread's, not the process's) for a moment: with one CPU allowed it stays, and the consumer's
  // set is never changed.
  cpu_set_t before, one;
  REQUIRE(sched_getaffinity(0, sizeof before, &before) == 0);
  CPU_ZERO(&one);
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &before)) {
      CPU_SET(c, &one);
      break;
    }
  for (const cpu_set_t* allowed : {&one, &before}) {
    REQUIRE(sched_setaffinity(0, sizeof *allowed, allowed) == 0);
    auto r = std::make_unique<PrefetchReader>(open_trace(temp_file("cpus.csv", csv(5000)), TraceFormat::Csv), 16, 2);
    std::vector<TraceRecord> out;
    std::uint64_t expect = 0;
    while (r->read_batch(out, 16))
      for (const TraceRecord& rec : out) CHECK(rec.gva == 0x1000 * ++expect);
    CHECK(expect == 5000);
    r.reset();
    cpu_set_t now;
    REQUIRE(sched_getaffinity(0, sizeof now, &now) == 0);
    CHECK(CPU_EQUAL(&now, allowed));
  }
}
