#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include "bounds/bounds.h"

using namespace mmusim;

namespace {

// The bounds of a test string whose pages are numbered below its largest number + 1.
std::uint32_t page_count(const std::vector<std::uint32_t>& s) {
  return s.empty() ? 0 : *std::max_element(s.begin(), s.end()) + 1;
}
BoundResult opt_of(const std::vector<std::uint32_t>& s, std::uint64_t frames) { return opt_bound(s, page_count(s), frames); }
BoundResult lru_of(const std::vector<std::uint32_t>& s, std::uint64_t frames) { return lru_bound(s, page_count(s), frames); }

}  // namespace

TEST_CASE("OPT and exact LRU on the textbook reference string", "[bounds]") {
  // Silberschatz's string 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1 with 3 frames: OPT 9 faults,
  // LRU 12 faults; 6 distinct pages (7 0 1 2 3 4), so OPT refaults 9 - 6 = 3 and
  // LRU 12 - 6 = 6; evictions = faults - frames = 6 and 9.
  const std::vector<std::uint32_t> s = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
  const BoundResult opt = opt_of(s, 3), lru = lru_of(s, 3);
  CHECK(opt.distinct_pages == 6);
  CHECK(opt.swap_ins == 3);
  CHECK(opt.evictions == 6);
  CHECK(lru.distinct_pages == 6);
  CHECK(lru.swap_ins == 6);
  CHECK(lru.evictions == 9);
}

TEST_CASE("bounds: enough frames means no refault, a cyclic scan defeats LRU but not OPT", "[bounds]") {
  std::vector<std::uint32_t> cyc;
  for (int pass = 0; pass < 4; ++pass)
    for (std::uint32_t p = 0; p < 5; ++p) cyc.push_back(p);
  CHECK(opt_of(cyc, 5).swap_ins == 0);
  CHECK(lru_of(cyc, 5).swap_ins == 0);
  // 4 frames, 5 pages in a loop: LRU misses every reference after the first pass (15); OPT keeps
  // 3 pages and misses one per 4 references or so: far fewer.
  CHECK(lru_of(cyc, 4).swap_ins == 15);
  const BoundResult opt = opt_of(cyc, 4);
  CHECK(opt.swap_ins < 6);
  CHECK(opt.swap_ins <= lru_of(cyc, 4).swap_ins);
  CHECK_THROWS_AS(opt_of(cyc, 0), std::invalid_argument);
}

TEST_CASE("OPT never loses to LRU on pseudo-random strings", "[bounds]") {
  std::uint64_t x = 12345;
  for (int t = 0; t < 20; ++t) {
    std::vector<std::uint32_t> s;
    for (int i = 0; i < 2000; ++i) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      s.push_back(static_cast<std::uint32_t>((x >> 33) % (10 + t * 5)));
    }
    for (std::uint64_t frames : {1, 3, 8, 20}) {
      INFO(t << " " << frames);
      CHECK(opt_of(s, frames).swap_ins <= lru_of(s, frames).swap_ins);
    }
  }
}

namespace {

// Plain reference implementations, straight from the definitions: a vector of resident pages,
// OPT scanning the future for each candidate, LRU keeping them in order of use.
BoundResult reference_opt(const std::vector<std::uint32_t>& s, std::uint64_t frames) {
  BoundResult r;
  std::vector<std::uint32_t> resident;
  std::set<std::uint32_t> seen;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::find(resident.begin(), resident.end(), s[i]) != resident.end()) continue;
    if (!seen.insert(s[i]).second) ++r.swap_ins;
    if (resident.size() == frames) {
      auto next_use = [&](std::uint32_t p) {
        return static_cast<std::size_t>(std::find(s.begin() + static_cast<std::ptrdiff_t>(i), s.end(), p) - s.begin());
      };
      std::size_t victim = 0;
      for (std::size_t k = 1; k < resident.size(); ++k)
        if (next_use(resident[k]) > next_use(resident[victim])) victim = k;
      resident.erase(resident.begin() + static_cast<std::ptrdiff_t>(victim));
      ++r.evictions;
    }
    resident.push_back(s[i]);
  }
  r.distinct_pages = seen.size();
  return r;
}

BoundResult reference_lru(const std::vector<std::uint32_t>& s, std::uint64_t frames) {
  BoundResult r;
  std::vector<std::uint32_t> resident;  // least recent first
  std::set<std::uint32_t> seen;
  for (std::uint32_t p : s) {
    const auto it = std::find(resident.begin(), resident.end(), p);
    if (it != resident.end()) {
      resident.erase(it);
    } else {
      if (!seen.insert(p).second) ++r.swap_ins;
      if (resident.size() == frames) {
        resident.erase(resident.begin());
        ++r.evictions;
      }
    }
    resident.push_back(p);
  }
  r.distinct_pages = seen.size();
  return r;
}

// Strings with a hot set, a cold stream, runs of the same page and sparse page numbers.
std::vector<std::uint32_t> random_string(std::uint64_t& x, std::size_t length, std::uint32_t pages) {
  std::vector<std::uint32_t> s;
  while (s.size() < length) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const std::uint32_t r = static_cast<std::uint32_t>(x >> 33);
    if (!s.empty() && r % 5 == 0) s.push_back(s.back());
    else if (r % 3 == 0) s.push_back((r >> 4) % (pages / 4 + 1));
    else s.push_back(((r >> 4) % pages) * 3);
  }
  return s;
}

void check_same(const BoundResult& got, const BoundResult& want) {
  CHECK(got.swap_ins == want.swap_ins);
  CHECK(got.evictions == want.evictions);
  CHECK(got.distinct_pages == want.distinct_pages);
}

}  // namespace

TEST_CASE("OPT and exact LRU give the counts of the plain definitions", "[bounds]") {
  std::uint64_t x = 99;
  for (int t = 0; t < 60; ++t) {
    const std::vector<std::uint32_t> s = random_string(x, 300 + t * 20, 5 + t * 3);
    for (std::uint64_t frames : {1, 2, 3, 7, 16, 40, 1000}) {
      INFO("string " << t << ", " << frames << " frames");
      const BoundResult opt = opt_of(s, frames), lru = lru_of(s, frames);
      check_same(opt, reference_opt(s, frames));
      check_same(lru, reference_lru(s, frames));
      CHECK(opt.references == s.size());
      CHECK(lru.references == s.size());
      CHECK(opt.capacity == frames);
    }
  }
  CHECK(opt_of({}, 4).swap_ins == 0);
  CHECK(lru_of({}, 4).evictions == 0);
}

TEST_CASE("bounds: consecutive references to one page can be collapsed to one", "[bounds]") {
  std::uint64_t x = 7;
  for (int t = 0; t < 30; ++t) {
    const std::vector<std::uint32_t> s = random_string(x, 2000, 10 + t * 4);
    std::vector<std::uint32_t> collapsed;
    for (std::uint32_t p : s)
      if (collapsed.empty() || collapsed.back() != p) collapsed.push_back(p);
    REQUIRE(collapsed.size() < s.size());
    for (std::uint64_t frames : {1, 4, 9, 30}) {
      INFO("string " << t << ", " << frames << " frames");
      check_same(opt_of(collapsed, frames), opt_of(s, frames));
      check_same(lru_of(collapsed, frames), lru_of(s, frames));
    }
  }
}
