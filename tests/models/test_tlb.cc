#include <catch2/catch.hpp>

#include "tlb/tlb.h"

using namespace mmusim;

namespace {
std::uint64_t k(std::uint64_t vpn, std::uint32_t ctx = 0) { return tlb_key(ctx, Vpn{vpn}); }
}  // namespace

TEST_CASE("TLB geometry: sets = entries / ways, set = VPN mod sets", "[tlb]") {
  Tlb t("t", 16, 4);
  CHECK(t.sets() == 4);
  CHECK(t.set_of(k(0)) == 0);
  CHECK(t.set_of(k(5)) == 1);
  CHECK(t.set_of(k(7, 3)) == 3);  // the context does not choose the set
  Tlb odd("odd", 12, 4);          // 3 sets: not a power of two
  CHECK(odd.set_of(k(7)) == 1);   // 7 mod 3
  CHECK_THROWS_AS(Tlb("bad", 10, 4), std::invalid_argument);
  CHECK_THROWS_AS(Tlb("bad", 8, 0), std::invalid_argument);
}

TEST_CASE("TLB true LRU: a hit makes the entry most recent, a fill evicts the least recent", "[tlb]") {
  Tlb t("t", 8, 4);  // 2 sets; even VPNs go to set 0
  for (std::uint64_t v : {0, 2, 4, 6}) t.fill(k(v), v + 100, true, false, false);
  CHECK(t.lru_order(0) == std::vector<std::uint64_t>{k(6), k(4), k(2), k(0)});
  REQUIRE(t.lookup(k(0)) != nullptr);  // 0 becomes most recent
  CHECK(t.lru_order(0) == std::vector<std::uint64_t>{k(0), k(6), k(4), k(2)});
  CHECK(t.lookup(k(8)) == nullptr);  // a miss changes nothing
  t.fill(k(8), 108, true, false, false);  // evicts 2, the least recent
  CHECK(t.lookup(k(2)) == nullptr);
  CHECK(t.lru_order(0) == std::vector<std::uint64_t>{k(8), k(0), k(6), k(4)});
  CHECK(t.lookup(k(8))->frame == 108);
  CHECK(t.lru_order(1).empty());  // set 1 untouched
}

TEST_CASE("TLB tags by context: same VPN in two contexts are two entries", "[tlb]") {
  Tlb t("t", 4, 4);
  t.fill(k(1, 0), 10, true, false, false);
  t.fill(k(1, 1), 11, true, false, false);
  CHECK(t.lookup(k(1, 0))->frame == 10);
  CHECK(t.lookup(k(1, 1))->frame == 11);
  CHECK(t.invalidate(k(1, 0)));
  CHECK_FALSE(t.invalidate(k(1, 0)));
  CHECK(t.lookup(k(1, 0)) == nullptr);
  CHECK(t.lookup(k(1, 1)) != nullptr);
  t.flush_all();
  CHECK(t.lookup(k(1, 1)) == nullptr);
}

TEST_CASE("TLB fill prefers an invalid way over evicting", "[tlb]") {
  Tlb t("t", 4, 4);  // one set
  for (std::uint64_t v : {1, 2, 3, 4}) t.fill(k(v), v, true, false, false);
  t.invalidate(k(3));
  t.fill(k(5), 5, true, false, false);  // takes 3's way: 1 (the least recent) survives
  CHECK(t.lookup(k(1)) != nullptr);
  CHECK(t.lookup(k(5)) != nullptr);
}
