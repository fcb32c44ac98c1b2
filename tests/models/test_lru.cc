#include <catch2/catch.hpp>

#include "host/lru.h"
#include "host/split_lru.h"

using namespace mmusim;

namespace {
// The list from tail (oldest) to head, following prev pointers.
std::vector<std::uint64_t> from_tail(const LruLists& l, LruList list) {
  std::vector<std::uint64_t> v;
  for (std::uint64_t p = l.tail(list); p != LruLists::kNone; p = l.prev(p)) v.push_back(p);
  return v;
}
}  // namespace

TEST_CASE("LRU lists: add at the head, scan from the tail, move and delete in O(1)", "[lru]") {
  LruLists l(10);
  for (std::uint64_t p : {3, 5, 7}) l.add_head(LruList::InactiveAnon, p);
  CHECK(from_tail(l, LruList::InactiveAnon) == std::vector<std::uint64_t>{3, 5, 7});
  CHECK(l.size(LruList::InactiveAnon) == 3);
  l.move_head(LruList::ActiveAnon, 5);  // activate_page
  CHECK(from_tail(l, LruList::InactiveAnon) == std::vector<std::uint64_t>{3, 7});
  CHECK(from_tail(l, LruList::ActiveAnon) == std::vector<std::uint64_t>{5});
  CHECK(l.list_of(5) == LruList::ActiveAnon);
  l.move_head(LruList::InactiveAnon, 3);  // rotate the tail to the head
  CHECK(from_tail(l, LruList::InactiveAnon) == std::vector<std::uint64_t>{7, 3});
  l.del(7);
  l.del(3);
  CHECK(l.tail(LruList::InactiveAnon) == LruLists::kNone);
  CHECK(l.head(LruList::InactiveAnon) == LruLists::kNone);
  CHECK(l.size(LruList::InactiveAnon) == 0);
  CHECK(l.list_of(3) == LruList::None);
  CHECK_THROWS_AS(l.del(3), std::logic_error);
  CHECK_THROWS_AS(l.add_head(LruList::ActiveAnon, 5), std::logic_error);
}

TEST_CASE("LRU lists count pages: a huge page's head counts 512 until its page is split (2.6.38)", "[lru][huge]") {
  LruLists l(2048);
  // add_page_to_lru_list adds hpage_nr_pages: three 4 KiB pages and the head of a huge page on the
  // inactive list: 3 + 512 = 515 pages in 4 entries.
  for (std::uint64_t p : {3, 5, 7}) l.add_head(LruList::InactiveAnon, p);
  l.add_head(LruList::InactiveAnon, 1024, true);
  CHECK(l.size(LruList::InactiveAnon) == 3 + 512);
  CHECK(l.entries(LruList::InactiveAnon) == 4);
  CHECK(l.huge(1024));
  CHECK_FALSE(l.huge(3));
  // activate_page moves the entry with its 512: inactive 3, active 512.
  l.move_head(LruList::ActiveAnon, 1024);
  CHECK(l.size(LruList::InactiveAnon) == 3);
  CHECK(l.size(LruList::ActiveAnon) == 512);
  CHECK(l.huge(1024));
  // __split_huge_page_refcount: the head, still on its list, counts 1 (512 - 511).
  l.split(1024);
  CHECK(l.size(LruList::ActiveAnon) == 1);
  CHECK(l.entries(LruList::ActiveAnon) == 1);
  CHECK_FALSE(l.huge(1024));
  CHECK_THROWS_AS(l.split(1024), std::logic_error);
  // del_page_from_lru_list subtracts what the entry counts: a huge head 512, a page 1.
  l.add_tail(LruList::InactiveAnon, 1536, true);
  CHECK(l.size(LruList::InactiveAnon) == 3 + 512);
  l.del(1536);
  l.del(1024);
  CHECK(l.size(LruList::InactiveAnon) == 3);
  CHECK(l.size(LruList::ActiveAnon) == 0);
  CHECK(l.list_of(1536) == LruList::None);
  CHECK_FALSE(l.huge(1536));
  CHECK(l.check().empty());  // 3 entries of 1 page on the inactive list, none on the active one
}

TEST_CASE("LRU lists link 32-bit frame numbers: the highest host frame fits, 2^32 frames are refused", "[lru]") {
  STATIC_REQUIRE(sizeof(LruLists::Link) == 4);
  const std::uint64_t max_frames = std::uint64_t{1} << 24;  // host.mem_mb at most 2^16 MiB
  STATIC_REQUIRE(max_frames - 1 < LruLists::kNone);
  CHECK_NOTHROW(LruLists(max_frames));  // reserves address space only
  CHECK_THROWS_AS(LruLists(std::uint64_t{1} << 32), std::invalid_argument);
}

TEST_CASE("SplitLru: a new anon page starts active (2.6.28) or inactive (6.x); mark_accessed is the two-step promotion", "[lru]") {
  SplitLru old_kernel(8, true), new_kernel(8, false);
  HostPage a{}, b{};
  old_kernel.add_new(1, a);
  new_kernel.add_new(1, b);
  CHECK(old_kernel.list_of(1) == LruList::ActiveAnon);
  CHECK(a.active);
  CHECK(new_kernel.list_of(1) == LruList::InactiveAnon);
  // mark_page_accessed: inactive,unreferenced -> inactive,referenced -> active,unreferenced.
  new_kernel.mark_accessed(1, b);
  CHECK(b.referenced);
  CHECK(new_kernel.list_of(1) == LruList::InactiveAnon);
  new_kernel.mark_accessed(1, b);
  CHECK(new_kernel.list_of(1) == LruList::ActiveAnon);
  CHECK(b.active);
  CHECK_FALSE(b.referenced);
  // isolate and putback: off the lists, then back on the one PG_active names.
  new_kernel.isolate(1);
  CHECK_FALSE(new_kernel.on_lru(1));
  b.active = false;
  new_kernel.putback(1, b);
  CHECK(new_kernel.list_of(1) == LruList::InactiveAnon);
  CHECK(new_kernel.size(LruList::InactiveAnon) == 1);
  CHECK(new_kernel.size(LruList::ActiveAnon) == 0);
}
