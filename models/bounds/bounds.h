// Offline reclaim bounds over a page reference string (pages numbered densely, in the order a
// trace touches them): Belady's OPT (evict the page used furthest in the future: the fewest
// misses any policy can have with that many frames) and exact LRU (evict the page used longest
// ago: what accessed-bit approximations aim at). A first touch is a fault but not a refault;
// "swap_ins" counts misses on pages seen before, "evictions" the pages pushed out.
//
// A reference to the same page as the reference just before it may be left out: swap_ins,
// evictions and distinct_pages stay the same under both (only `references` counts it). Proof:
// let s[k+1] = s[k] = p. Both policies evict only on a miss, and p is resident right after
// reference k, so reference k+1 is a hit.
// - LRU: after reference k, p is already the most recent page; the hit at k+1 leaves the
//   resident pages and their order as they were, so every later reference meets the same state.
// - OPT: a miss at time t evicts the resident page whose next use after t is furthest (one with
//   none first). Leaving out position k+1 renumbers the later positions one lower, which keeps
//   their order, so a choice could change only where a candidate's next use is k+1, or where a
//   candidate has a next use in one string and none in the other. Only p is referenced at k+1,
//   and p is no such candidate: at a miss before k its next use is k or earlier, at k it is the
//   page coming in, after k+1 its next uses are the same in both strings; and nothing is
//   evicted between k and k+1, where alone it may have a next use in one string only.
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

// The bounds of the string `refs` of page numbers below `pages`; `references` is refs.size().
// OPT takes the string by value: it becomes OPT's table of next uses (a caller done with it moves
// it in, and no second array of its size is allocated).
BoundResult opt_bound(std::vector<std::uint32_t> refs, std::uint32_t pages, std::uint64_t capacity);
BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint32_t pages, std::uint64_t capacity);

}  // namespace mmusim
