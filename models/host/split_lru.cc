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

}  // namespace mmusim
