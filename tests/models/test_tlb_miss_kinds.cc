// The three Cs of TLB misses (tlb/miss_classifier.h) on hand-derived sequences.
#include <catch2/catch.hpp>
#include <list>
#include <random>

#include "tlb/tlb.h"

using namespace mmusim;

namespace {
std::uint64_t k(std::uint64_t vpn) { return tlb_key(0, Vpn{vpn}); }

// A lookup as the MMU does it: on a miss, classify, then fill unless told not to.
MissKind* access(Tlb& t, std::uint64_t vpn, MissKind& kind, bool fill = true) {
  if (t.lookup(k(vpn))) return nullptr;
  kind = t.classify_miss(k(vpn));
  if (fill) t.fill(k(vpn), vpn, true, true, false);
  return &kind;
}
}  // namespace

TEST_CASE("FA LRU shadow: most recent first, evicts the least recent, erase and clear", "[tlb][3c]") {
  FaLru f(3);
  for (std::uint64_t x : {1, 2, 3}) f.touch(x);
  CHECK(f.order() == std::vector<std::uint64_t>{3, 2, 1});
  f.touch(1);
  CHECK(f.order() == std::vector<std::uint64_t>{1, 3, 2});
  f.touch(4);  // evicts 2
  CHECK(f.order() == std::vector<std::uint64_t>{4, 1, 3});
  CHECK(!f.contains(2));
  f.erase(1);
  CHECK(f.order() == std::vector<std::uint64_t>{4, 3});
  f.touch(5);  // room again: nothing evicted
  CHECK(f.order() == std::vector<std::uint64_t>{5, 4, 3});
  f.clear();
  CHECK(f.size() == 0);
  CHECK(!f.contains(5));
  // Many keys in a table of colliding probes: every key found until erased.
  FaLru big(1000);
  for (std::uint64_t x = 0; x < 1000; ++x) big.touch(x * 4096);
  for (std::uint64_t x = 0; x < 1000; x += 2) big.erase(x * 4096);
  bool all = true;
  for (std::uint64_t x = 0; x < 1000; ++x) all = all && big.contains(x * 4096) == (x % 2 == 1);
  CHECK(all);
  CHECK(big.size() == 500);
}

TEST_CASE("FA LRU shadow put in order lazily: the order and the keys of moving each key at its touch",
          "[tlb][3c]") {
  // Random touches (through hints, as the TLB's hits give them, and without), erases and clears
  // of 40 keys in a shadow of 16, against a plain list that moves every touched key to the front.
  // contains() (which does not order the list) is checked after every operation, order() (which
  // does) only every 97th, so that long runs of out-of-place touches are put in order at once.
  FaLru f(16);
  std::list<std::uint64_t> ref;
  std::vector<std::uint32_t> hint(40, FaLru::kNoNode);
  std::mt19937_64 rng(7);
  bool same_keys = true, same_order = true;
  for (int op = 0; op < 200000; ++op) {
    const std::uint64_t key = rng() % 40;
    const unsigned what = rng() % 100;
    if (what < 3) {
      f.erase(key);
      ref.remove(key);
    } else if (what < 4) {
      f.clear();
      ref.clear();
    } else {
      if (what < 70) f.touch(key, hint[key]);
      else hint[key] = f.touch(key);
      ref.remove(key);
      ref.push_front(key);
      if (ref.size() > 16) ref.pop_back();
    }
    for (std::uint64_t k = 0; k < 40; ++k)
      same_keys = same_keys && f.contains(k) == (std::find(ref.begin(), ref.end(), k) != ref.end());
    if (op % 97 == 0) same_order = same_order && f.order() == std::vector<std::uint64_t>(ref.begin(), ref.end());
  }
  CHECK(same_keys);
  CHECK(same_order);
  CHECK(f.order() == std::vector<std::uint64_t>(ref.begin(), ref.end()));
}

TEST_CASE("TLB misses: compulsory, capacity and conflict as a fully associative LRU shadow decides", "[tlb][3c]") {
  // 4 entries, 2 ways: 2 sets, even VPNs in set 0. The shadow: 4 entries, fully associative.
  Tlb t("t", 4, 2);
  MissKind kind{};
  auto miss = [&](std::uint64_t vpn, bool fill = true) {
    MissKind* m = access(t, vpn, kind, fill);
    REQUIRE(m != nullptr);
    return *m;
  };
  CHECK(miss(0) == MissKind::Compulsory);  // set 0 {0}, shadow [0]
  CHECK(miss(2) == MissKind::Compulsory);  // set 0 {0, 2}, shadow [2 0]
  CHECK(miss(4) == MissKind::Compulsory);  // set 0 evicts 0: {2, 4}; shadow [4 2 0]
  CHECK(miss(0) == MissKind::Conflict);    // the shadow holds 0; set 0 evicts 2: {4, 0}; shadow [0 4 2]
  CHECK(miss(1) == MissKind::Compulsory);  // set 1 {1}; shadow [1 0 4 2], full
  CHECK(miss(3) == MissKind::Compulsory);  // set 1 {1, 3}; the shadow evicts 2: [3 1 0 4]
  CHECK(miss(2) == MissKind::Capacity);    // held before, not in the shadow; set 0 evicts 4: {0, 2}; shadow [2 3 1 0]
  CHECK(access(t, 0, kind) == nullptr);    // a hit: shadow [0 2 3 1]
  CHECK(miss(5) == MissKind::Compulsory);  // set 1 evicts 1: {3, 5}; the shadow evicts 1: [5 0 2 3]
  CHECK(miss(1) == MissKind::Capacity);    // set 1 evicts 3: {5, 1}; the shadow evicts 3: [1 5 0 2]
  CHECK(miss(3, false) == MissKind::Capacity);  // a miss that does not fill (a fault) changes nothing
  CHECK(t.invalidate(k(5)));               // INVLPG: shadow [1 0 2]
  CHECK(miss(5, false) == MissKind::Capacity);
  t.flush_all();                           // the shadow empties too
  CHECK(miss(0, false) == MissKind::Capacity);
  const MissCounts& c = t.miss_counts();
  CHECK(c.compulsory == 6);
  CHECK(c.conflict == 1);
  CHECK(c.capacity == 5);
}

TEST_CASE("a fully associative TLB has no conflict misses", "[tlb][3c]") {
  // 3 entries, 3 ways; a loop over 4 pages, 3 times: 4 compulsory, then LRU misses every page.
  Tlb t("t", 3, 3);
  MissKind kind{};
  for (int i = 0; i < 3; ++i)
    for (std::uint64_t v : {0, 1, 2, 3}) access(t, v, kind);
  CHECK(t.miss_counts().compulsory == 4);
  CHECK(t.miss_counts().capacity == 8);
  CHECK(t.miss_counts().conflict == 0);
}
