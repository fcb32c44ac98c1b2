#include "host/lru.h"

#include <stdexcept>
#include <string>

namespace mmusim {

LruLists::LruLists(std::uint64_t frames) {
  if (frames > kNone)
    throw std::invalid_argument("LRU lists link 32-bit frame numbers: " + std::to_string(frames) + " frames are too many");
  prev_.reserve(frames);
  next_.reserve(frames);
  on_.reserve(frames);
}

void LruLists::grow_to(LruList list, std::uint64_t pfn) {
  if (pfn >= on_.size()) {  // first time on a list: the arrays grow to it
    prev_.resize(pfn + 1, kNone);
    next_.resize(pfn + 1, kNone);
    on_.resize(pfn + 1, LruList::None);
  }
  if (list == LruList::None || on_[pfn] != LruList::None) throw std::logic_error("lru add of a page already on a list");
}

void LruLists::add_tail(LruList list, std::uint64_t pfn) {
  grow_to(list, pfn);
  const int l = idx(list);
  const Link link = static_cast<Link>(pfn);
  next_[pfn] = kNone;
  prev_[pfn] = tail_[l];
  if (tail_[l] != kNone) next_[tail_[l]] = link;
  tail_[l] = link;
  if (head_[l] == kNone) head_[l] = link;
  on_[pfn] = list;
  ++size_[l];
}

void LruLists::add_head(LruList list, std::uint64_t pfn) {
  grow_to(list, pfn);
  const int l = idx(list);
  const Link link = static_cast<Link>(pfn);  // below kNone: the constructor checked the frame count
  prev_[pfn] = kNone;
  next_[pfn] = head_[l];
  if (head_[l] != kNone) prev_[head_[l]] = link;
  head_[l] = link;
  if (tail_[l] == kNone) tail_[l] = link;
  on_[pfn] = list;
  ++size_[l];
}

void LruLists::del(std::uint64_t pfn) {
  if (on_[pfn] == LruList::None) throw std::logic_error("lru del of a page on no list");
  const int l = idx(on_[pfn]);
  if (prev_[pfn] != kNone) next_[prev_[pfn]] = next_[pfn];
  else head_[l] = next_[pfn];
  if (next_[pfn] != kNone) prev_[next_[pfn]] = prev_[pfn];
  else tail_[l] = prev_[pfn];
  prev_[pfn] = next_[pfn] = kNone;
  on_[pfn] = LruList::None;
  --size_[l];
}

}  // namespace mmusim
