#include "bounds/bounds.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace mmusim {

namespace {

void check_capacity(std::uint64_t capacity) {
  if (capacity == 0) throw std::invalid_argument("a bound needs at least one frame");
}

std::uint64_t bit(std::uint64_t pos) { return std::uint64_t{1} << (pos % 64); }

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

  bool empty() const { return levels_.back()[0] == 0; }

  void insert(std::uint64_t pos) {
    for (std::vector<std::uint64_t>& level : levels_) {
      std::uint64_t& word = level[pos / 64];
      const bool was_empty = word == 0;
      word |= bit(pos);
      if (!was_empty) return;
      pos /= 64;
    }
  }

  // Erases the largest member; the set must not be empty.
  void erase_max() {
    std::uint64_t pos = 0;
    for (std::size_t l = levels_.size(); l-- > 0;) pos = pos * 64 + 63 - __builtin_clzll(levels_[l][pos]);
    levels_[0][pos / 64] &= ~bit(pos);
    clear_up_from(1, pos / 64);
  }

  // Erases and returns the level-0 word `w`, the members [64 w, 64 w + 64).
  std::uint64_t take_word(std::uint64_t w) {
    const std::uint64_t members = levels_[0][w];
    levels_[0][w] = 0;
    if (members != 0) clear_up_from(1, w);
    return members;
  }

 private:
  // Word `w` of level l - 1 has just become empty: clears its bit at level l, and so on up.
  void clear_up_from(std::size_t l, std::uint64_t w) {
    for (; l < levels_.size() && levels_[l - 1][w] == 0; ++l, w /= 64) levels_[l][w / 64] &= ~bit(w);
  }

  std::vector<std::vector<std::uint64_t>> levels_;
};

// The set of next-use positions for OPT, whose members are taken in increasing order, one
// position at a time: the word of the current 64 positions is kept apart (a register in OPT's
// loop), so that the test of every position, and the insertion of a next use close behind it,
// wait for no load or store of the word before; the later words are a PositionSet.
class NextUses {
 public:
  explicit NextUses(std::uint64_t n) : later_(n) {}

  // Called with 0, 1, 2, ... in turn: whether `pos` is a member, which it is not afterwards.
  bool take(std::uint64_t pos) {
    if (pos % 64 == 0) block_ = pos / 64, current_ = later_.take_word(block_);
    const bool member = current_ & bit(pos);
    current_ &= ~bit(pos);
    return member;
  }

  // `pos` after the last position taken.
  void insert(std::uint64_t pos) {
    if (pos / 64 == block_) current_ |= bit(pos);
    else later_.insert(pos);
  }

  // Erases the largest member; the set must not be empty. Later words hold larger positions.
  void erase_max() {
    if (!later_.empty()) later_.erase_max();
    else current_ &= ~(std::uint64_t{1} << (63 - __builtin_clzll(current_)));
  }

 private:
  PositionSet later_;
  std::uint64_t block_ = 0, current_ = 0;
};

// Belady's OPT with positions of type Index, in `next` (the reference string on entry, each
// reference's next use on the way).
//
// Every resident page has a next use, a position after the current one, or none. Next uses are
// distinct positions, so the resident pages that are used again are the set of their next-use
// positions: reference i hits if and only if position i is in it (the page was resident with its
// next use at i), and the victim is its largest member. A resident page with no next use is dead:
// evicting any dead page first changes no later miss, so they are only counted. Every first touch
// misses, so the swap-ins are the misses less the distinct pages.
template <class Index>
BoundResult opt_with(std::vector<Index>& next, std::uint32_t pages, std::uint64_t capacity) {
  const Index kNever = std::numeric_limits<Index>::max();
  BoundResult r;
  r.references = next.size();
  r.capacity = capacity;
  std::vector<Index> upcoming(pages, kNever);  // per page, its first reference after the position reached
  for (std::size_t i = next.size(); i-- > 0;) {
    Index& page_next = upcoming[next[i]];
    next[i] = page_next;
    page_next = static_cast<Index>(i);
  }
  r.distinct_pages = static_cast<std::uint64_t>(std::count_if(upcoming.begin(), upcoming.end(), [&](Index u) { return u != kNever; }));
  NextUses next_uses(next.size());
  std::uint64_t resident = 0, dead = 0, misses = 0;
  for (std::size_t i = 0; i < next.size(); ++i) {
    if (!next_uses.take(i)) {  // a miss
      ++misses;
      if (resident < capacity) {
        ++resident;
      } else {  // evict the page used furthest in the future
        if (dead > 0) --dead;
        else next_uses.erase_max();
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
BoundResult lru_with(const std::vector<std::uint32_t>& refs, std::uint32_t pages, std::uint64_t capacity) {
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  std::vector<Index> latest(pages, 0);  // per page, 1 + the position of its latest reference; 0: none yet
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

BoundResult opt_bound(std::vector<std::uint32_t> refs, std::uint32_t pages, std::uint64_t capacity) {
  check_capacity(capacity);
  if (refs.size() < kNarrowRefs) return opt_with(refs, pages, capacity);
  std::vector<std::uint64_t> wide(refs.begin(), refs.end());
  refs = {};
  return opt_with(wide, pages, capacity);
}

BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint32_t pages, std::uint64_t capacity) {
  check_capacity(capacity);
  return refs.size() < kNarrowRefs ? lru_with<std::uint32_t>(refs, pages, capacity)
                                   : lru_with<std::uint64_t>(refs, pages, capacity);
}

}  // namespace mmusim
