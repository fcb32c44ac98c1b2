#include "paging/walker.h"

namespace mmusim {

WalkResult hardware_walk(TableNode* start, const WalkRequest& req) {
  WalkResult r;
  TableNode* t = start;
  for (unsigned level = t->level;; --level) {
    r.tables[level] = t;
    r.level = level;
    ++r.refs;
    Pte& e = t->e[pt_index(req.vpn, level)];
    if (!e.present()) {
      r.status = WalkStatus::NotPresent;
      return r;
    }
    // Permissions are the AND of all levels (SDM 4.6): a write needs W and a fetch needs !NX
    // in every entry on the path.
    if ((req.write && !e.writable()) || (req.fetch && e.nx())) {
      r.status = WalkStatus::Protection;
      if (level == 1 || (level <= 3 && e.large())) r.leaf = &e;
      return r;
    }
    // A level-2 or level-3 entry with PS set maps a 2 MiB or 1 GiB page: the walk ends there.
    if (level == 1 || (level <= 3 && e.large())) {
      r.leaf = &e;
      r.size = size_at_level(level);
      if (req.set_ad) e.raw |= pte_bits::A | (req.write ? pte_bits::D : 0);
      return r;
    }
    if (req.set_ad) e.raw |= pte_bits::A;
    t = t->child(pt_index(req.vpn, level));
  }
}

}  // namespace mmusim
