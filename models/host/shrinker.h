// A cache the kernel can shrink under memory pressure (struct shrinker, include/linux/mm.h,
// 2.6.24 to 2.6.28): shrink(0) counts its objects; shrink(n) frees some of n and counts what is
// left. Reclaim calls them through shrink_slab (models/reclaim/vmscan.cc) in proportion to the
// LRU pages it scanned. KVM's mmu_shrink (2.6.26 and later) is the one mmusim models.
#pragma once
#include <cstdint>

#include "common/cycle_causes.h"

namespace mmusim {

class Shrinker {
 public:
  virtual ~Shrinker() = default;
  // shrinker->shrink(nr_to_scan, gfp_mask): frees some objects when nr_to_scan > 0 (the work,
  // flushes and IPIs included, goes to `c`); returns the objects left.
  virtual std::uint64_t shrink(std::uint64_t nr_to_scan, CauseCycles& c) = 0;
  // shrinker->seeks: how costly an object is to recreate (DEFAULT_SEEKS = 2).
  virtual unsigned seeks() const { return 2; }
  // shrinker->nr: the scan count carried from one shrink_slab call to the next.
  std::int64_t nr = 0;
};

}  // namespace mmusim
