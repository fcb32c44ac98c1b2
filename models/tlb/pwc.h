// Page-walk cache (Intel SDM vol. 3A, 4.10.3 "paging-structure caches"): caches upper-level
// entries so that a walk can start below the root. One unified, fully associative cache with
// true LRU; an entry remembers, for a context, a walk dimension and a VPN prefix, the table of
// level L (1..3) that the entries above it lead to. A hit on a level-L table saves 4 - L references.
// Upper-level entries are always created present|W|U by PageTable::map, so a cached entry never
// hides a permission the walk would have checked.
#pragma once
#include <cstdint>
#include <vector>

#include "paging/walker.h"

namespace mmusim {

class PageWalkCache {
 public:
  explicit PageWalkCache(unsigned entries);

  bool enabled() const { return !e_.empty(); }
  // The deepest cached table of dimension `dim` on the path of `vpn` in context `ctx` (made most
  // recent), or nullptr. Entries of the two dimensions of a nested walk never match each other.
  TableNode* lookup(std::uint32_t ctx, WalkDimension dim, Vpn vpn);
  // Caches the tables below the one the walk started at (the walk read the entries leading there).
  void fill(std::uint32_t ctx, WalkDimension dim, Vpn vpn, const WalkResult& walk, unsigned start_level);
  void flush_all();

  struct Entry {
    std::uint64_t tag = ~std::uint64_t{0};  // ctx << 36 | (vpn >> 9 * level)
    WalkDimension dim = WalkDimension::Virtual;  // the table's dimension
    unsigned level = 0;                     // level of the cached table
    TableNode* table = nullptr;
    std::uint64_t table_frame = 0;
    std::uint64_t stamp = 0;
    bool valid() const { return table != nullptr; }
  };
  const std::vector<Entry>& entries() const { return e_; }

 private:
  std::vector<Entry> e_;
  std::uint64_t clock_ = 0;
};

}  // namespace mmusim
