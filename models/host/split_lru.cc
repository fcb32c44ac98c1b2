#include "host/split_lru.h"

namespace mmusim {

void SplitLru::mark_accessed(std::uint64_t pfn, HostPage& pg) {
  if (!pg.active && pg.referenced && lists_.list_of(pfn) != LruList::None) {  // activate_page
    lists_.move_head(LruList::ActiveAnon, pfn);
    pg.active = true;
    pg.referenced = false;
  } else if (!pg.referenced) {
    pg.referenced = true;
  }
}

std::string SplitLru::check_page(std::uint64_t pfn, const HostPage& pg) const {
  const LruList l = lists_.list_of(pfn);
  if (l == LruList::None) return "";
  if ((l == LruList::ActiveAnon) != pg.active) return "PG_active disagrees with its list";
  if (lists_.huge(pfn) != pg.huge)
    return std::string("counted as ") + (pg.huge ? "1 page but is a huge page's head" : "512 pages but is no huge page");
  return "";
}

}  // namespace mmusim
