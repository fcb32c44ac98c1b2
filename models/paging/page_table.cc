#include "paging/page_table.h"

#include <new>

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

Pte* leaf_entry(TableNode* root, Vpn vpn) {
  TableNode* t = root;
  for (unsigned level = kLevels; level > 1; --level) {
    t = t->child(pt_index(vpn, level));
    if (!t) return nullptr;
  }
  return &t->e[pt_index(vpn, 1)];
}

Pte& PageTable::map(Vpn vpn, std::uint64_t frame, std::uint64_t flags) {
  TableNode* t = root_;
  for (unsigned level = kLevels; level > 1; --level) {
    const unsigned i = pt_index(vpn, level);
    if (!t->child(i)) {
      TableNode* c = new_table(level - 1);
      t->set_child(i, c);
      t->e[i] = Pte::make(c->frame, pte_bits::W | pte_bits::U);
    }
    t = t->child(i);
  }
  Pte& p = t->e[pt_index(vpn, 1)];
  p = Pte::make(frame, flags);
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
