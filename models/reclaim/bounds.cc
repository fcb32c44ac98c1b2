#include "reclaim/bounds.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace mmusim {

namespace {

std::uint32_t page_count(const std::vector<std::uint32_t>& refs) {
  std::uint32_t n = 0;
  for (std::uint32_t p : refs) n = std::max(n, p + 1);
  return n;
}

void check_capacity(std::uint64_t capacity) {
  if (capacity == 0) throw std::invalid_argument("a bound needs at least one frame");
}

// A set of positions in [0, n): a 64-ary tree of bit words, whose level 0 has one bit per position
// and each higher level one bit per word below it, set when that word is not zero. Inserting and
// erasing touch a word per level only while a word turns empty or non-empty; the largest member
// is a count of leading zeros per level (4 levels for 16M positions).
class PositionSet {
 public:
  explicit PositionSet(std::uint64_t n) {
    do {
      n = std::max<std::uint64_t>((n + 63) / 64, 1);
      levels_.emplace_back(n, 0);
    } while (n > 1);
  }

  void insert(std::uint64_t pos) {
    for (std::vector<std::uint64_t>& level : levels_) {
      std::uint64_t& word = level[pos / 64];
      const bool was_empty = word == 0;
      word |= bit(pos);
      if (!was_empty) return;
      pos /= 64;
    }
  }

  // Erases `pos`; false if it was not a member.
  bool erase(std::uint64_t pos) {
    std::uint64_t& word = levels_[0][pos / 64];
    if (!(word & bit(pos))) return false;
    word &= ~bit(pos);
    for (std::size_t l = 1; l < levels_.size() && levels_[l - 1][pos / 64] == 0; ++l) {
      pos /= 64;
      levels_[l][pos / 64] &= ~bit(pos);
    }
    return true;
  }

  bool empty() const { return levels_.back()[0] == 0; }

  // The largest member; the set must not be empty.
  std::uint64_t max() const {
    std::uint64_t pos = 0;
    for (std::size_t l = levels_.size(); l-- > 0;) pos = pos * 64 + 63 - __builtin_clzll(levels_[l][pos]);
    return pos;
  }

 private:
  static std::uint64_t bit(std::uint64_t pos) { return std::uint64_t{1} << (pos % 64); }

  std::vector<std::vector<std::uint64_t>> levels_;
};

// Belady's OPT with position indices of type Index (32 bits when they fit: half the memory
// traffic of 64).
//
// Every resident page has a next use, a position after the current one, or none. Next uses are
// distinct positions, so the resident pages that are used again are the set of their next-use
// positions: reference i hits if and only if position i is in it (the page was resident with its
// next use at i), and the victim is its largest member. A resident page with no next use is dead:
// evicting any dead page first changes no later miss, so they are only counted. Every first touch
// misses, so the swap-ins are the misses less the distinct pages.
template <class Index>
BoundResult opt_with(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  const std::uint32_t pages = page_count(refs);
  const Index kNever = std::numeric_limits<Index>::max();
  // next[i]: the position of the next reference to refs[i] after i, or kNever.
  std::vector<Index> next(refs.size()), upcoming(pages, kNever);
  for (std::size_t i = refs.size(); i-- > 0;) {
    next[i] = upcoming[refs[i]];
    upcoming[refs[i]] = static_cast<Index>(i);
  }
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  r.distinct_pages = static_cast<std::uint64_t>(std::count_if(upcoming.begin(), upcoming.end(), [&](Index u) { return u != kNever; }));
  PositionSet next_uses(refs.size());
  std::uint64_t resident = 0, dead = 0, misses = 0;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    if (!next_uses.erase(i)) {  // a miss
      ++misses;
      if (resident < capacity) {
        ++resident;
      } else {  // evict the page used furthest in the future
        if (dead > 0) --dead;
        else next_uses.erase(next_uses.max());
        ++r.evictions;
      }
    }
    if (next[i] == kNever) ++dead;
    else next_uses.insert(next[i]);
  }
  r.swap_ins = misses - r.distinct_pages;
  return r;
}

// Exact LRU with position indices of type Index. The resident pages are the distinct pages
// referenced at positions from `oldest` on: a page is resident if and only if its latest
// reference is at or after `oldest`. The least recently used of them is the page of the first
// position from `oldest` on that holds its page's latest reference; evicting it moves `oldest`
// past that position. `oldest` only moves forward, so the scans take one step per reference in
// all, and a reference costs a load and a store of its page's latest position: no list to relink.
template <class Index>
BoundResult lru_with(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  std::vector<Index> latest(page_count(refs), 0);  // 1 + position of the page's latest reference; 0: none
  std::size_t oldest = 0;
  std::uint64_t resident = 0;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    Index& mine = latest[refs[i]];
    if (mine <= oldest) {  // a miss
      if (mine == 0) ++r.distinct_pages;
      else ++r.swap_ins;
      if (resident < capacity) {
        ++resident;
      } else {
        while (latest[refs[oldest]] != oldest + 1) ++oldest;
        ++oldest;
        ++r.evictions;
      }
    }
    mine = static_cast<Index>(i + 1);
  }
  return r;
}

// Positions and position + 1 fit 32 bits below this many references.
constexpr std::uint64_t kNarrowRefs = std::numeric_limits<std::uint32_t>::max() - 1;

}  // namespace

BoundResult opt_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  check_capacity(capacity);
  return refs.size() < kNarrowRefs ? opt_with<std::uint32_t>(refs, capacity) : opt_with<std::uint64_t>(refs, capacity);
}

BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  check_capacity(capacity);
  return refs.size() < kNarrowRefs ? lru_with<std::uint32_t>(refs, capacity) : lru_with<std::uint64_t>(refs, capacity);
}

}  // namespace mmusim
