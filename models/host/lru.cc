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
    on_.resize(pfn + 1, 0);
  }
  if (list == LruList::None || on_[pfn] != 0) throw std::logic_error("lru add of a page already on a list");
}

void LruLists::count(LruList list, std::uint64_t pfn, bool huge) {
  on_[pfn] = static_cast<std::uint8_t>(static_cast<std::uint8_t>(list) | (huge ? kHuge : 0));
  size_[idx(list)] += huge ? kHugePages : 1;
  ++entries_[idx(list)];
}

std::string LruLists::check() const {
  for (const LruList list : {LruList::InactiveAnon, LruList::ActiveAnon}) {
    std::uint64_t pages = 0, entries = 0;
    for (std::uint64_t p = tail(list); p != kNone && entries <= entries_[idx(list)]; p = prev(p)) {
      if (list_of(p) != list) return "lru entry " + std::to_string(p) + " linked into a list it is not on";
      pages += huge(p) ? kHugePages : 1;
      ++entries;
    }
    if (pages != size_[idx(list)] || entries != entries_[idx(list)])
      return "lru list " + std::to_string(static_cast<int>(list)) + " counts " + std::to_string(size_[idx(list)]) +
             " pages in " + std::to_string(entries_[idx(list)]) + " entries; its entries hold " + std::to_string(pages) +
             " pages in " + std::to_string(entries);
  }
  return "";
}

void LruLists::split(std::uint64_t pfn) {
  if (!huge(pfn)) throw std::logic_error("lru split of an entry that is no huge page's head");
  on_[pfn] &= static_cast<std::uint8_t>(~kHuge);
  size_[idx(list_of(pfn))] -= kHugePages - 1;
}

void LruLists::add_tail(LruList list, std::uint64_t pfn, bool huge) {
  grow_to(list, pfn);
  const int l = idx(list);
  const Link link = static_cast<Link>(pfn);
  next_[pfn] = kNone;
  prev_[pfn] = tail_[l];
  if (tail_[l] != kNone) next_[tail_[l]] = link;
  tail_[l] = link;
  if (head_[l] == kNone) head_[l] = link;
  count(list, pfn, huge);
}

void LruLists::add_head(LruList list, std::uint64_t pfn, bool huge) {
  grow_to(list, pfn);
  const int l = idx(list);
  const Link link = static_cast<Link>(pfn);  // below kNone: the constructor checked the frame count
  prev_[pfn] = kNone;
  next_[pfn] = head_[l];
  if (head_[l] != kNone) prev_[head_[l]] = link;
  head_[l] = link;
  if (tail_[l] == kNone) tail_[l] = link;
  count(list, pfn, huge);
}

void LruLists::del(std::uint64_t pfn) {
  if (list_of(pfn) == LruList::None) throw std::logic_error("lru del of a page on no list");
  const int l = idx(list_of(pfn));
  if (prev_[pfn] != kNone) next_[prev_[pfn]] = next_[pfn];
  else head_[l] = next_[pfn];
  if (next_[pfn] != kNone) prev_[next_[pfn]] = prev_[pfn];
  else tail_[l] = prev_[pfn];
  prev_[pfn] = next_[pfn] = kNone;
  size_[l] -= huge(pfn) ? kHugePages : 1;
  --entries_[l];
  on_[pfn] = 0;
}

}  // namespace mmusim
