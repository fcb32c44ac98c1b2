#include "paging/page_table.h"

#include <new>
#include <stdexcept>

namespace mmusim {

TableNode::TableNode(unsigned table_level)
    : level(table_level), children_(table_level > 1 ? new TableNode*[kEntriesPerTable]() : nullptr) {}

PageTable::PageTable(FrameAllocator& frames, std::function<void(std::uint64_t)> on_new_table)
    : frames_(frames), on_new_table_(std::move(on_new_table)), root_(new_table(kLevels)) {}

PageTable::~PageTable() {
  // Returning the frames may allocate (the allocator's free list): when a run stops because this
  // machine's memory ran out, that must not end the program from a destructor. The frames are then
  // left unreturned, to an allocator that is going away with the run.
  try {
    for (auto& [frame, node] : by_frame_) frames_.free(frame);
  } catch (const std::bad_alloc&) {
  }
}

TableNode* PageTable::new_table(unsigned level) {
  const std::uint64_t frame = frames_.alloc();
  if (on_new_table_) on_new_table_(frame);
  auto node = std::make_unique<TableNode>(level);
  node->frame = frame;
  TableNode* raw = node.get();
  by_frame_.emplace(frame, std::move(node));
  return raw;
}

LeafRef leaf_ref(TableNode* root, Vpn vpn) {
  TableNode* t = root;
  for (unsigned level = t->level; level > 1; --level) {
    Pte& e = t->e[pt_index(vpn, level)];
    // A PS entry is the leaf whether present or not (KVM keeps PS in an access-tracked entry).
    if (level <= 3 && e.large()) return LeafRef{&e, size_at_level(level)};
    t = t->child(pt_index(vpn, level));
    if (!t) return LeafRef{};
  }
  return LeafRef{&t->e[pt_index(vpn, 1)], PageSize::k4K};
}

TableNode* PageTable::table_for(Vpn vpn, unsigned level) {
  TableNode* t = root_;
  for (unsigned l = kLevels; l > level; --l) {
    const unsigned i = pt_index(vpn, l);
    if (!t->child(i)) {
      if (t->e[i].large()) throw std::logic_error("a table asked for inside a large page");
      TableNode* c = new_table(l - 1);
      t->set_child(i, c);
      t->e[i] = Pte::make(c->frame, pte_bits::W | pte_bits::U);
    }
    t = t->child(i);
  }
  return t;
}

Pte& PageTable::map(Vpn vpn, std::uint64_t frame, std::uint64_t flags) {
  Pte& p = table_for(vpn, 1)->e[pt_index(vpn, 1)];
  p = Pte::make(frame, flags);
  return p;
}

Pte& PageTable::map_large(Vpn vpn, std::uint64_t frame, std::uint64_t flags, PageSize size) {
  const unsigned leaf = leaf_level(size);
  if (leaf < 2 || leaf > 3 || frame % frames(size) != 0) throw std::logic_error("map_large: not a 2 MiB or 1 GiB page");
  TableNode* t = table_for(vpn, leaf);
  const unsigned i = pt_index(vpn, leaf);
  if (t->child(i)) throw std::logic_error("map_large: a table already maps part of the range");
  Pte& p = t->e[i];
  p = Pte::make(frame, flags | pte_bits::PS);
  return p;
}

Pte PageTable::unmap(Vpn vpn) {
  Pte* p = leaf(vpn);
  if (!p) return Pte{};
  const Pte old = *p;
  *p = Pte{};
  return old;
}

TableNode* PageTable::table_at(std::uint64_t frame) const {
  auto it = by_frame_.find(frame);
  return it == by_frame_.end() ? nullptr : it->second.get();
}

}  // namespace mmusim
