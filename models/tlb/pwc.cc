#include "tlb/pwc.h"

#include <algorithm>

#include "tlb/tlb.h"

namespace mmusim {

namespace {
std::uint64_t pwc_tag(std::uint32_t ctx, Vpn vpn, unsigned level) {
  return (std::uint64_t{ctx} << kVpnBits) | ((vpn.v & kVpnMask) >> (9 * level));
}
}  // namespace

PageWalkCache::PageWalkCache(unsigned entries) : e_(entries) {}

TableNode* PageWalkCache::lookup(std::uint32_t ctx, WalkDimension dim, Vpn vpn) {
  Entry* best = nullptr;
  for (Entry& x : e_) {
    if (x.valid() && x.dim == dim && x.tag == pwc_tag(ctx, vpn, x.level) && (!best || x.level < best->level)) best = &x;
  }
  if (!best) return nullptr;
  best->stamp = ++clock_;
  return best->table;
}

void PageWalkCache::fill(std::uint32_t ctx, WalkDimension dim, Vpn vpn, const WalkResult& walk, unsigned start_level) {
  if (e_.empty()) return;
  for (unsigned level = std::min(start_level, kLevels) - 1; level >= 1; --level) {
    TableNode* t = walk.tables[level];
    if (!t) break;
    const std::uint64_t tag = pwc_tag(ctx, vpn, level);
    Entry* slot = nullptr;
    for (Entry& x : e_) {
      if (x.valid() && x.dim == dim && x.level == level && x.tag == tag) {
        slot = &x;
        break;
      }
      if (!x.valid()) {
        if (!slot || slot->valid()) slot = &x;
      } else if (!slot || (slot->valid() && x.stamp < slot->stamp)) {
        slot = &x;
      }
    }
    *slot = Entry{tag, dim, level, t, t->frame, ++clock_};
  }
}

void PageWalkCache::flush_all() { std::fill(e_.begin(), e_.end(), Entry{}); }

}  // namespace mmusim
