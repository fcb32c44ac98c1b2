#include "reclaim/bounds.h"

#include <algorithm>
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
  // A max-heap of (next use + 1, page), lazy: an entry whose key is no longer its page's is stale.
  // Each resident page has exactly one live entry (keys are distinct but for kNever, which a page
  // gets once, at its last use); past four times the capacity the stale entries are dropped, so the
  // heap stays small and the evictions are the same.
  using Entry = std::pair<std::uint64_t, std::uint32_t>;
  std::vector<Entry> heap;
  const auto live = [&](const Entry& e) { return resident_next[e.second] == e.first; };
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
          std::pop_heap(heap.begin(), heap.end());
          const Entry e = heap.back();
          heap.pop_back();
          if (live(e)) {
            resident_next[e.second] = 0;
            break;
          }
        }
        ++r.evictions;
      } else {
        ++resident;
      }
    }
    resident_next[p] = key;
    heap.emplace_back(key, p);
    std::push_heap(heap.begin(), heap.end());
    if (heap.size() > 4 * capacity + 64) {
      heap.erase(std::remove_if(heap.begin(), heap.end(), [&](const Entry& e) { return !live(e); }), heap.end());
      std::make_heap(heap.begin(), heap.end());
    }
  }
  return r;
}

BoundResult lru_bound(const std::vector<std::uint32_t>& refs, std::uint64_t capacity) {
  if (capacity == 0) throw std::invalid_argument("a bound needs at least one frame");
  const std::uint32_t pages = page_count(refs);
  BoundResult r;
  r.references = refs.size();
  r.capacity = capacity;
  // The resident pages, most recent first: a doubly linked list over page numbers.
  constexpr std::uint32_t kNone = ~std::uint32_t{0};
  std::vector<std::uint32_t> prev(pages, kNone), next(pages, kNone);
  std::vector<std::uint8_t> resident(pages, 0), seen(pages, 0);
  std::uint32_t head = kNone, tail = kNone;
  std::uint64_t size = 0;
  const auto unlink = [&](std::uint32_t p) {
    (prev[p] == kNone ? head : next[prev[p]]) = next[p];
    (next[p] == kNone ? tail : prev[next[p]]) = prev[p];
  };
  const auto push_front = [&](std::uint32_t p) {
    prev[p] = kNone;
    next[p] = head;
    (head == kNone ? tail : prev[head]) = p;
    head = p;
  };
  for (std::uint32_t p : refs) {
    if (resident[p]) {
      if (head != p) {
        unlink(p);
        push_front(p);
      }
      continue;
    }
    if (seen[p]) ++r.swap_ins;
    else ++r.distinct_pages;
    seen[p] = 1;
    if (size == capacity) {
      const std::uint32_t victim = tail;
      unlink(victim);
      resident[victim] = 0;
      --size;
      ++r.evictions;
    }
    push_front(p);
    resident[p] = 1;
    ++size;
  }
  return r;
}

}  // namespace mmusim
