#include "tlb/tlb.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim {

namespace {
// flush_all clears entries one by one up to an eighth of the TLB, all of them past that.
constexpr std::size_t filled_max(unsigned entries) { return entries / 8; }
}  // namespace

Tlb::Tlb(std::string name, unsigned entries, unsigned ways)
    : name_(std::move(name)), ways_(ways), sets_(ways ? entries / ways : 0), classes_(entries) {
  if (ways == 0 || entries == 0 || entries % ways != 0)
    throw std::invalid_argument(name_ + ": entries must be a positive multiple of ways");
  set_mask_ = (sets_ > 1 && (sets_ & (sets_ - 1)) == 0) ? sets_ - 1 : 0;
  e_.resize(entries);
  filled_.reserve(filled_max(entries));
}

TlbEntry& Tlb::fill(std::uint64_t key, std::uint64_t frame, bool writable, bool dirty, bool nx, PageSize size) {
  TlbEntry* set = &e_[set_of(key) * ways_];
  TlbEntry* victim = &set[0];
  for (unsigned w = 0; w < ways_; ++w) {
    if (!set[w].valid()) {
      victim = &set[w];
      break;
    }
    victim = set[w].stamp < victim->stamp ? &set[w] : victim;  // a select, not a branch: unpredictable
  }
  if (!victim->valid() && !filled_overflow_) {
    if (filled_.size() < filled_max(entries()))
      filled_.push_back(static_cast<std::uint32_t>(victim - e_.data()));
    else
      filled_overflow_ = true;
  }
  victim->key = key;
  victim->shadow = classes_.fill(key);
  mru_ = static_cast<std::uint32_t>(victim - e_.data());
  victim->frame = frame;
  victim->stamp = ++clock_;
  victim->writable = writable;
  victim->dirty = dirty;
  victim->nx = nx;
  victim->size = size;
  return *victim;
}

bool Tlb::invalidate(std::uint64_t key) {
  classes_.invalidate(key);
  TlbEntry* set = &e_[set_of(key) * ways_];
  for (unsigned w = 0; w < ways_; ++w) {
    if (set[w].key == key) {
      set[w] = TlbEntry{};
      return true;
    }
  }
  return false;
}

void Tlb::flush_all() {
  classes_.flush();
  if (filled_overflow_)
    std::fill(e_.begin(), e_.end(), TlbEntry{});
  else
    for (std::uint32_t i : filled_) e_[i] = TlbEntry{};
  filled_.clear();
  filled_overflow_ = false;
}

std::vector<std::uint64_t> Tlb::lru_order(unsigned set) const {
  std::vector<const TlbEntry*> v;
  for (unsigned w = 0; w < ways_; ++w)
    if (e_[set * ways_ + w].valid()) v.push_back(&e_[set * ways_ + w]);
  std::sort(v.begin(), v.end(), [](auto* a, auto* b) { return a->stamp > b->stamp; });
  std::vector<std::uint64_t> keys;
  for (auto* p : v) keys.push_back(p->key);
  return keys;
}

}  // namespace mmusim
