#include <catch2/catch.hpp>

#include "reclaim/bounds.h"

using namespace mmusim;

TEST_CASE("OPT and exact LRU on the textbook reference string", "[bounds]") {
  // Silberschatz's string 7 0 1 2 0 3 0 4 2 3 0 3 2 1 2 0 1 7 0 1 with 3 frames: OPT 9 faults,
  // LRU 12 faults; 6 distinct pages (7 0 1 2 3 4), so OPT refaults 9 - 6 = 3 and
  // LRU 12 - 6 = 6; evictions = faults - frames = 6 and 9.
  const std::vector<std::uint32_t> s = {7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2, 1, 2, 0, 1, 7, 0, 1};
  const BoundResult opt = opt_bound(s, 3), lru = lru_bound(s, 3);
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
  CHECK(opt_bound(cyc, 5).swap_ins == 0);
  CHECK(lru_bound(cyc, 5).swap_ins == 0);
  // 4 frames, 5 pages in a loop: LRU misses every reference after the first pass (15); OPT keeps
  // 3 pages and misses one per 4 references or so: far fewer.
  CHECK(lru_bound(cyc, 4).swap_ins == 15);
  const BoundResult opt = opt_bound(cyc, 4);
  CHECK(opt.swap_ins < 6);
  CHECK(opt.swap_ins <= lru_bound(cyc, 4).swap_ins);
  CHECK_THROWS_AS(opt_bound(cyc, 0), std::invalid_argument);
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
      CHECK(opt_bound(s, frames).swap_ins <= lru_bound(s, frames).swap_ins);
    }
  }
}
