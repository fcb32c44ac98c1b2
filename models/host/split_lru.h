// The 2.6.28 split LRU, anonymous half (mm/swap.c, mm/vmscan.c): an active and an inactive list;
// PG_active says which one a page is on, PG_referenced is the second chance of mark_page_accessed.
// models/reclaim/vmscan scans it from the tails. A huge page (host.thp) is one entry, its head, that
// counts 512 pages in the lists' sizes (2.6.38: add_page_to_lru_list and del_page_from_lru_list
// add and subtract hpage_nr_pages).
#pragma once
#include <cstdint>

#include "host/lru_policy.h"

namespace mmusim {

class SplitLru : public LruPolicy {
 public:
  // new_anon_active: new (and swapped-in) anonymous pages start on the active list
  // (lru_cache_add_active, 2.6.24 and 2.6.28) or the inactive one (lru_cache_add_anon, 6.x).
  SplitLru(std::uint64_t frames, bool new_anon_active) : lists_(frames), new_anon_active_(new_anon_active) {}

  void add_new(std::uint64_t pfn, HostPage& pg) override {
    pg.active = new_anon_active_;
    lists_.add_head(pg.active ? LruList::ActiveAnon : LruList::InactiveAnon, pfn, pg.huge);
  }
  // inactive,unreferenced -> inactive,referenced -> active,unreferenced (activate_page: to the
  // active head) -> active,referenced. A page off the lists (in writeback) only gets PG_referenced.
  void mark_accessed(std::uint64_t pfn, HostPage& pg) override;
  void isolate(std::uint64_t pfn) override { lists_.del(pfn); }
  void putback(std::uint64_t pfn, HostPage& pg) override {
    lists_.add_head(pg.active ? LruList::ActiveAnon : LruList::InactiveAnon, pfn, pg.huge);
  }
  bool rotate_reclaimable(std::uint64_t pfn, const HostPage& pg) override {
    if (pg.active || pg.dirty || lists_.list_of(pfn) != LruList::InactiveAnon) return false;
    lists_.del(pfn);
    lists_.add_tail(LruList::InactiveAnon, pfn, pg.huge);
    return true;
  }
  void split_head(std::uint64_t pfn) override { lists_.split(pfn); }
  LruList list_of(std::uint64_t pfn) const override { return lists_.list_of(pfn); }
  std::uint64_t size(LruList list) const override { return lists_.size(list); }
  std::string check_page(std::uint64_t pfn, const HostPage& pg) const override;
  std::string check_lists() const override { return lists_.check(); }  // sizes = the entries' pages

  // The oldest page of a list (reclaim scans from there), or LruLists::kNone.
  std::uint64_t tail(LruList list) const { return lists_.tail(list); }

 private:
  LruLists lists_;
  bool new_anon_active_;
};

}  // namespace mmusim
