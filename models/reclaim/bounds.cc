#include "reclaim/bounds.h"

#include <algorithm>
#include <list>
#include <queue>
#include <stdexcept>
#include <utility>

namespace mmusim {

namespace {
std::uint32_t page_count(const std::vector<std::uint32_t>& refs) {
  std::uint32_t n = 0;
  for (std::uint32_t p : refs) n = std::max(n, p + 1);
  return n;
}
}  // namespace

BoundResult opt_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  if (capacity == 0) throw std::invalid_argument("a bound needs at least one frame");
  const std::uint32_t pages = page_count(refs);
  constexpr std::uint64_t kNever = ~std::uint64_t{0};
  // next[i]: the index of the next reference to refs[i] after i, or kNever.
  std::vector<std::uint64_t> next(refs.size()), upcoming(pages, kNever);
  for (std::size_t i = refs.size(); i-- > 0;) {
    next[i] = upcoming[refs[i]];
    upcoming[refs[i]] = i;
  }
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  std::vector<std::uint64_t> resident_next(pages, 0);  // next use of a resident page; 0 = not resident
  std::vector<bool> seen(pages, false);
  std::priority_queue<std::pair<std::uint64_t, std::uint32_t>> heap;  // (next use + 1, page), lazy
  std::uint64_t resident = 0;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::uint32_t p = refs[i];
    const std::uint64_t key = next[i] == kNever ? kNever : next[i] + 1;
    if (resident_next[p] == 0) {  // miss
      if (seen[p]) ++r.swap_ins;
      else ++r.distinct_pages;
      seen[p] = true;
      if (resident == capacity) {  // evict the page used furthest in the future
        for (;;) {
          const auto [when, victim] = heap.top();
          heap.pop();
          if (resident_next[victim] == when) {
            resident_next[victim] = 0;
            break;
          }
        }
        ++r.evictions;
      } else {
        ++resident;
      }
    }
    resident_next[p] = key;
    heap.emplace(key, p);
  }
  return r;
}

BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  if (capacity == 0) throw std::invalid_argument("a bound needs at least one frame");
  const std::uint32_t pages = page_count(refs);
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  std::list<std::uint32_t> order;  // most recent first
  std::vector<std::list<std::uint32_t>::iterator> where(pages, order.end());
  std::vector<bool> seen(pages, false);
  for (std::uint32_t p : refs) {
    if (where[p] != order.end()) {
      order.splice(order.begin(), order, where[p]);
      continue;
    }
    if (seen[p]) ++r.swap_ins;
    else ++r.distinct_pages;
    seen[p] = true;
    if (order.size() == capacity) {
      where[order.back()] = order.end();
      order.pop_back();
      ++r.evictions;
    }
    order.push_front(p);
    where[p] = order.begin();
  }
  return r;
}

}  // namespace mmusim
