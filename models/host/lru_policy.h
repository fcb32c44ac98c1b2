// How the host orders its anonymous pages for reclaim: the interface HostMemory delegates its list
// operations to. The 2.6.28 split LRU (host/split_lru.h) is one implementation; another reclaim
// algorithm (MGLRU) is one more, with the reclaimer (models/reclaim) that scans it.
#pragma once
#include <cstdint>

#include "host/host_page.h"
#include "host/lru.h"

namespace mmusim {

class LruPolicy {
 public:
  virtual ~LruPolicy() = default;
  // lru_cache_add: a new page (or one read from swap) joins the lists; sets its list flags.
  virtual void add_new(std::uint64_t pfn, HostPage& pg) = 0;
  // mark_page_accessed (mm/swap.c): a use the kernel saw in software (FOLL_TOUCH, rmap_remove).
  virtual void mark_accessed(std::uint64_t pfn, HostPage& pg) = 0;
  // isolate_lru_page: off the lists (the page must be on one).
  virtual void isolate(std::uint64_t pfn) = 0;
  // putback_lru_page: back on the list its flags name (the page must be on none).
  virtual void putback(std::uint64_t pfn, const HostPage& pg) = 0;
  // rotate_reclaimable_page (mm/swap.c): a page whose reclaim write completed goes where reclaim
  // looks next (the inactive tail), if it is still an inactive, clean page on the lists. Returns
  // whether it moved.
  virtual bool rotate_reclaimable(std::uint64_t pfn, const HostPage& pg) = 0;
  // Where the page is, and how many pages each list holds (the figures lru_active_pages and
  // lru_inactive_pages).
  virtual LruList list_of(std::uint64_t pfn) const = 0;
  virtual std::uint64_t size(LruList list) const = 0;
  bool on_lru(std::uint64_t pfn) const { return list_of(pfn) != LruList::None; }
};

}  // namespace mmusim
