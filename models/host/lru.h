// The host's anonymous LRU lists (mm/vmscan.c, 2.6.28 split LRU: inactive_anon and active_anon),
// intrusive over frame numbers: O(1) add, delete and move, and a deterministic order. The head is
// the most recently added page; reclaim scans from the tail. An entry stands for one page, or for
// the 512 of a huge page (its head); a list's size counts pages, as the zone's NR_ACTIVE_ANON and
// NR_INACTIVE_ANON do from 2.6.38 (add_page_to_lru_list: hpage_nr_pages).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mmusim {

enum class LruList : std::uint8_t { None = 0, InactiveAnon = 1, ActiveAnon = 2 };

class LruLists {
 public:
  // The links are 32-bit frame numbers: 8 bytes per page on a list, not 16. Host frames always
  // fit: host.mem_mb is at most 2^16 MiB, 2^24 frames, far below this "no page" value.
  using Link = std::uint32_t;
  static constexpr Link kNone = ~Link{0};

  // Frames 0..frames-1 (at most kNone, else std::invalid_argument). The arrays reach only as far
  // as the highest frame ever added, so frames never used cost no memory.
  explicit LruLists(std::uint64_t frames);

  static constexpr std::uint64_t kHugePages = 512;  // the pages a huge page's entry counts (HPAGE_PMD_NR)

  // `huge`: the entry is a huge page's head and counts kHugePages pages, else one.
  void add_head(LruList list, std::uint64_t pfn, bool huge = false);  // the page must be on no list
  void add_tail(LruList list, std::uint64_t pfn, bool huge = false);  // the page must be on no list
  void del(std::uint64_t pfn);  // the page must be on a list; its list loses what the entry counted
  void move_head(LruList list, std::uint64_t pfn) {
    const bool h = huge(pfn);
    del(pfn);
    add_head(list, pfn, h);
  }
  // The huge page whose head `pfn` is on a list was split: the entry counts one page from now
  // (__split_huge_page_refcount, 2.6.38: the zone's LRU count drops by HPAGE_PMD_NR - 1).
  void split(std::uint64_t pfn);

  LruList list_of(std::uint64_t pfn) const { return pfn < on_.size() ? static_cast<LruList>(on_[pfn] & kListMask) : LruList::None; }
  bool huge(std::uint64_t pfn) const { return pfn < on_.size() && (on_[pfn] & kHuge); }
  std::uint64_t tail(LruList list) const { return tail_[idx(list)]; }  // oldest page, or kNone
  std::uint64_t head(LruList list) const { return head_[idx(list)]; }
  std::uint64_t prev(std::uint64_t pfn) const { return prev_[pfn]; }  // towards the head
  std::uint64_t size(LruList list) const { return size_[idx(list)]; }        // pages
  std::uint64_t entries(LruList list) const { return entries_[idx(list)]; }  // entries
  // The invariant checker: what is wrong with the lists' counts against their entries walked from
  // the tail ("" when nothing is).
  std::string check() const;

 private:
  static constexpr std::uint8_t kListMask = 3, kHuge = 1 << 7;  // on_: the LruList, and a huge page's head
  static int idx(LruList l) { return static_cast<int>(l) - 1; }
  // Grows the arrays to `pfn`; throws std::logic_error if the page is on a list already.
  void grow_to(LruList list, std::uint64_t pfn);
  void count(LruList list, std::uint64_t pfn, bool huge);
  std::vector<Link> prev_, next_;  // prev: towards the head, next: towards the tail
  std::vector<std::uint8_t> on_;   // the list (LruList) | kHuge
  Link head_[2] = {kNone, kNone}, tail_[2] = {kNone, kNone};
  std::uint64_t size_[2] = {0, 0}, entries_[2] = {0, 0};
};

}  // namespace mmusim
