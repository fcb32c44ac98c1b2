// One x86-64 4-level radix page table (PML4 -> PDPT -> PD -> PT, 512 entries each), the same
// class for a native process, a guest process, a shadow table, the host and later EPT.
// Every table page occupies a frame of the memory it lives in, taken from a FrameAllocator,
// so that page-table pages can be counted, write-protected and checked like any other frame.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>

#include "common/addr.h"
#include "common/frame_allocator.h"
#include "common/page_size.h"
#include "paging/pte.h"

namespace mmusim {

constexpr unsigned kLevels = 4;         // level 4 = PML4 ... level 1 = PT
constexpr unsigned kEntriesPerTable = 512;

// Index of `vpn` in the table of `level` (1..4).
constexpr unsigned pt_index(Vpn vpn, unsigned level) {
  return static_cast<unsigned>((vpn.v >> (9 * (level - 1))) & (kEntriesPerTable - 1));
}

struct TableNode {
  explicit TableNode(unsigned table_level);

  std::uint64_t frame = 0;  // the frame this table page occupies
  unsigned level;           // 1..4
  std::array<Pte, kEntriesPerTable> e{};

  // The table that e[i] points to (levels 2..4 only), or nullptr: the pointer mirrors
  // e[i].frame() so that a walk follows it without a lookup.
  TableNode* child(unsigned i) const { return children_[i]; }
  void set_child(unsigned i, TableNode* table) { children_[i] = table; }

 private:
  // Allocated for levels 2..4 only: a leaf entry maps a page, not a table, and nearly every table
  // is a leaf table, so 512 unused pointers there would cost 8 bytes per mapped page.
  std::unique_ptr<TableNode*[]> children_;
};

// The level of the entry that maps a page of `size` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), and back.
constexpr unsigned leaf_level(PageSize size) { return (log_bytes(size) - 12) / 9 + 1; }
constexpr PageSize size_at_level(unsigned level) { return static_cast<PageSize>(12 + 9 * (level - 1)); }

// The entry that maps `vpn` and the size of the page it maps: a level-1 entry, or a level-2 or
// level-3 entry with PS set (a large page; Intel SDM vol. 3A, 4.5).
struct LeafRef {
  Pte* pte = nullptr;
  PageSize size = PageSize::k4K;
  // The 4 KiB frame of `vpn` inside the page the entry maps.
  std::uint64_t frame_of(Vpn vpn) const { return pte->frame() + (vpn.v & (frames(size) - 1)); }
};

// Software lookup from any top table (no A/D side effects, no counting): the leaf entry for
// `vpn` (a large entry where one maps it), or a null pte when a table on the way is missing. The
// entry may be non-present.
LeafRef leaf_ref(TableNode* root, Vpn vpn);
inline Pte* leaf_entry(TableNode* root, Vpn vpn) { return leaf_ref(root, vpn).pte; }

class PageTable {
 public:
  // The top table is allocated at once from `frames` and always exists. `on_new_table`, if
  // given, hears the frame of every table page allocated (the root included).
  explicit PageTable(FrameAllocator& frames, std::function<void(std::uint64_t frame)> on_new_table = {});
  ~PageTable();
  PageTable(const PageTable&) = delete;
  PageTable& operator=(const PageTable&) = delete;

  TableNode* root() const { return root_; }
  std::uint64_t root_frame() const { return root_->frame; }

  Pte* leaf(Vpn vpn) const { return leaf_entry(root_, vpn); }

  // Maps `vpn` to `frame` with `flags` (P is added), allocating missing tables; intermediate
  // entries get P|W|U so that permissions are decided by the leaf. Returns the leaf entry.
  Pte& map(Vpn vpn, std::uint64_t frame, std::uint64_t flags);

  // The table of `level` (1..3) on the path of `vpn`, allocating the missing tables above it
  // (pud_alloc, pmd_alloc, pte_alloc).
  TableNode* table_for(Vpn vpn, unsigned level);

  // Maps the page of `size` (2 MiB or 1 GiB) that holds `vpn` to the frames from `frame` (aligned
  // to the size) with `flags` (P and PS are added), allocating the missing tables above its
  // level. The slot must hold no table. Returns the entry.
  Pte& map_large(Vpn vpn, std::uint64_t frame, std::uint64_t flags, PageSize size);

  // Clears the leaf entry of `vpn` (tables stay); returns the old entry.
  Pte unmap(Vpn vpn);

  // For an OS that writes its tables entry by entry: a new, empty table page of `level`, not yet
  // linked anywhere (the caller links it with a store into its parent).
  TableNode* new_table(unsigned level);

  // Number of table pages (including the root) and the node that occupies `frame`, if any.
  std::size_t table_pages() const { return by_frame_.size(); }
  TableNode* table_at(std::uint64_t frame) const;
  const std::map<std::uint64_t, std::unique_ptr<TableNode>>& tables() const { return by_frame_; }

 private:
  FrameAllocator& frames_;
  std::function<void(std::uint64_t)> on_new_table_;
  std::map<std::uint64_t, std::unique_ptr<TableNode>> by_frame_;  // ordered: deterministic iteration
  TableNode* root_;
};

}  // namespace mmusim
