// How the host orders its anonymous pages for reclaim: the interface HostMemory delegates its list
// operations to. The 2.6.28 split LRU (host/split_lru.h) is one implementation; another reclaim
// algorithm (MGLRU) is one more, with the reclaimer (models/reclaim) that scans it.
#pragma once
#include <cstdint>
#include <string>

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
  // putback_lru_page: back on the list its flags name (the page must be on none). A policy may
  // consume a flag on the way (MGLRU's lru_gen_add_folio clears PG_active).
  virtual void putback(std::uint64_t pfn, HostPage& pg) = 0;
  // rotate_reclaimable_page (mm/swap.c): a page whose reclaim write completed goes where reclaim
  // looks next (the inactive tail), if it is still an inactive, clean page on the lists. Returns
  // whether it moved.
  virtual bool rotate_reclaimable(std::uint64_t pfn, const HostPage& pg) = 0;
  // split_huge_page of the huge page whose head `pfn` is on a list: what the policy counted for the
  // entry becomes one page (__split_huge_page_refcount, 2.6.38: the zone's LRU count drops by
  // HPAGE_PMD_NR - 1). The split LRU's entry stays where it is; MGLRU does nothing here.
  virtual void split_head(std::uint64_t /*pfn*/) {}
  // Where the page is, and how many pages each list holds (the figures lru_active_pages and
  // lru_inactive_pages; a huge page counts 512).
  virtual LruList list_of(std::uint64_t pfn) const = 0;
  virtual std::uint64_t size(LruList list) const = 0;
  bool on_lru(std::uint64_t pfn) const { return list_of(pfn) != LruList::None; }
  // The invariant checker: what is wrong with the page's place on the lists given its flags
  // ("" when nothing is).
  virtual std::string check_page(std::uint64_t pfn, const HostPage& pg) const = 0;
  // The invariant checker, once per check: what is wrong with the lists as a whole ("" if nothing).
  virtual std::string check_lists() const { return ""; }

  // The workingset shadow of a page reclaim frees (workingset_eviction): a token the host keeps
  // in the page's swap slot and hands back when the page is read from swap again
  // (workingset_refault), in the fault that reads it. The split LRU keeps none.
  virtual std::uint64_t evict_token(std::uint64_t /*pfn*/, const HostPage& /*pg*/) { return 0; }
  virtual void refault(std::uint64_t /*pfn*/, HostPage& /*pg*/, std::uint64_t /*token*/) {}
  virtual bool keeps_shadows() const { return false; }
  // The frame was freed: the policy forgets what it kept about the page.
  virtual void forget(std::uint64_t /*pfn*/) {}
};

}  // namespace mmusim
