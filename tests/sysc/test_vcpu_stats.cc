// Summing the vCPUs' counters for summary.csv: a sum past 2^64 saturates, never wraps.
#include <catch2/catch.hpp>

#include "sysc/vcpu.h"

using namespace mmusim;

TEST_CASE("vCPU counters summed past 2^64 saturate instead of wrapping", "[sysc][hostile]") {
  const std::uint64_t max = ~std::uint64_t{0};
  VcpuStats a, b;
  a.cycles = max - 10, a.gap_cycles = max - 1, a.causes.vmexit = max, a.causes.reclaim = 5, a.accesses = 7;
  b.cycles = 100, b.gap_cycles = 2, b.causes.vmexit = 1, b.causes.reclaim = 6, b.accesses = 8;
  a += b;
  CHECK(a.cycles == max);
  CHECK(a.gap_cycles == max);
  CHECK(a.causes.vmexit == max);
  CHECK(a.causes.reclaim == 11);  // sums that fit are exact
  CHECK(a.accesses == 15);
}
