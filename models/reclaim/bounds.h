// Offline reclaim bounds over a page reference string (pages numbered densely, in the order a
// trace touches them): Belady's OPT (evict the page used furthest in the future: the fewest
// misses any policy can have with that many frames) and exact LRU (evict the page used longest
// ago: what accessed-bit approximations aim at). A first touch is a fault but not a refault;
// "swap_ins" counts misses on pages seen before, "evictions" the pages pushed out.
#pragma once
#include <cstdint>
#include <vector>

namespace mmusim {

struct BoundResult {
  std::uint64_t references = 0, distinct_pages = 0;
  std::uint64_t capacity = 0;   // frames for the pages
  std::uint64_t swap_ins = 0;   // misses on pages evicted earlier
  std::uint64_t evictions = 0;  // pages pushed out to make room
};

BoundResult opt_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity);
BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity);

}  // namespace mmusim
