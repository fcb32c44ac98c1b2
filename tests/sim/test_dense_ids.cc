// DenseIds (sim/util/dense_ids.h), the page numbering table of compare's bounds, against
// std::unordered_map, and page_references against a plain numbering of the same trace.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <sstream>
#include <tuple>
#include <unordered_map>

#include "util/dense_ids.h"
#include "commands/page_references.h"
#include "temp_file.h"

using namespace mmusim;
using mmusim::test::temp_file;

namespace {

std::uint64_t next_random(std::uint64_t& x) {
  x = x * 6364136223846793005ull + 1442695040888963407ull;
  return x ^ (x >> 29);
}

}  // namespace

TEST_CASE("DenseIds numbers keys in order of first insertion, as a map of key to its size then", "[dense_ids]") {
  std::uint64_t x = 1;
  // Random keys, neighbouring keys (pages), keys that differ only in their high bits, 0 and ~0.
  for (int kind = 0; kind < 3; ++kind) {
    DenseIds ids;
    std::unordered_map<std::uint64_t, std::uint32_t> want;
    std::vector<std::uint64_t> pool = {0, ~std::uint64_t{0}};
    for (int i = 0; i < 200000; ++i) {
      std::uint64_t key;
      const std::uint64_t r = next_random(x);
      if (r % 3 == 0) key = pool[(r >> 8) % pool.size()];  // seen before, mostly
      else if (kind == 0) key = next_random(x);
      else if (kind == 1) key = 0x7f0000000ull + (r >> 8) % 50000;
      else key = ((r >> 8) % 50000) << 40;
      pool.push_back(key);
      const auto [it, fresh] = want.try_emplace(key, static_cast<std::uint32_t>(want.size()));
      const auto [id, is_new] = ids.insert(key);
      REQUIRE(id == it->second);
      REQUIRE(is_new == fresh);
      REQUIRE(ids.size() == want.size());
    }
    for (const auto& [key, id] : want) CHECK(ids.insert(key) == std::make_pair(id, false));
  }
}

TEST_CASE("page_references numbers each space's pages as a plain map does, without repeats", "[dense_ids][bounds]") {
  // Two VMs, three pids (one the largest), low and high canonical addresses, ranges across pages
  // and page-table boundaries, addresses near the top of both halves, runs of one page.
  std::ostringstream csv;
  csv << "vm,vcpu,pid,op,gva,size,gap\n";
  std::uint64_t x = 5;
  const std::uint64_t bases[] = {0x1000, 0x7fffffd00000ull, 0xffff800000000000ull, 0xffffffffffc00000ull, 0x40000000};
  for (int i = 0; i < 5000; ++i) {
    const std::uint64_t r = next_random(x);
    const unsigned vm = r % 2, pid = (r >> 1) % 3 == 2 ? 4294967295u : (r >> 1) % 3;
    const std::uint64_t gva = bases[(r >> 3) % 5] + (r >> 8) % (600 * 4096);
    const unsigned size = (r >> 40) % 4 == 0 ? 9000 : 8;
    const int repeat = (r >> 50) % 3 == 0 ? 3 : 1;
    for (int k = 0; k < repeat; ++k)
      csv << vm << ",0," << pid << ",R,0x" << std::hex << gva << std::dec << ',' << size << ",0\n";
  }
  const std::string path = temp_file("page_references.csv", csv.str());

  std::map<std::tuple<unsigned, unsigned, std::uint64_t>, std::uint32_t> id;
  std::set<std::tuple<unsigned, unsigned, std::uint64_t, unsigned>> tables;
  std::vector<std::uint32_t> want;
  std::uint64_t records = 0, references = 0;
  for (const TraceRecord& t : mmusim::test::read_all(path)) {
    ++records;
    for (std::uint64_t vpn = t.gva >> 12; vpn <= (t.gva + t.size - 1) >> 12; ++vpn) {
      ++references;
      const auto [it, fresh] = id.try_emplace({t.vm, t.pid, vpn}, static_cast<std::uint32_t>(id.size()));
      if (want.empty() || want.back() != it->second) want.push_back(it->second);
      if (!fresh) continue;
      for (unsigned level = 0; level < 4; ++level)
        tables.insert({t.vm, t.pid, level == 0 ? 0 : vpn >> (9 * (4 - level)), level});
    }
  }
  const PageReferences got = page_references(path, TraceFormat::Auto, machine_limits(2, 1), false);
  CHECK(got.records == records);
  CHECK(got.references == references);
  CHECK(got.pages == want);
  CHECK(got.table_pages == tables.size());
  CHECK(want.size() < references);  // the repeats were left out
}
