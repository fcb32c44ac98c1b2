// flush_all empties a TLB whether it clears the entries filled since the last flush one by one
// (a few filled) or all of them (more than an eighth of the entries filled).
#include <catch2/catch.hpp>

#include "tlb/tlb.h"

using namespace mmusim;

namespace {
std::size_t valid_entries(const Tlb& t) {
  std::size_t n = 0;
  for (const TlbEntry& e : t.all_entries()) n += e.valid();
  return n;
}
}  // namespace

TEST_CASE("flush_all empties the TLB after a few fills, invalidations and refills", "[tlb]") {
  Tlb t("stlb", 64, 4);  // 16 sets; up to 8 fills are cleared one by one
  for (int round = 0; round < 3; ++round) {
    t.fill(tlb_key(1, Vpn{3}), 10, true, true, false);
    t.fill(tlb_key(1, Vpn{19}), 11, true, false, false);  // same set as 3
    t.fill(tlb_key(2, Vpn{3}), 12, false, false, true);
    CHECK(t.invalidate(tlb_key(1, Vpn{19})));
    t.fill(tlb_key(1, Vpn{35}), 13, true, true, false);  // into the way 19 left
    CHECK(valid_entries(t) == 3);
    t.flush_all();
    CHECK(valid_entries(t) == 0);
    CHECK(t.lookup(tlb_key(1, Vpn{3})) == nullptr);
  }
}

TEST_CASE("flush_all empties the TLB after more fills than it tracks", "[tlb]") {
  Tlb t("stlb", 64, 4);
  for (std::uint64_t v = 0; v < 40; ++v) t.fill(tlb_key(1, Vpn{v}), v, true, true, false);
  CHECK(valid_entries(t) == 40);
  t.flush_all();
  CHECK(valid_entries(t) == 0);
  // and tracks again from there
  t.fill(tlb_key(1, Vpn{5}), 5, true, true, false);
  t.flush_all();
  CHECK(valid_entries(t) == 0);
}
