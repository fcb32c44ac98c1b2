// Invariant checks of the translation caches (sim.check): every TLB entry matches the present
// leaf PTE of its context's active table (frame, no more permission than the PTE grants, D only
// if PTE.D) and maps a frame in use; every page-walk-cache entry points at a table that is still
// part of its context's tree.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/frame_allocator.h"
#include "mmu/mmu.h"

namespace mmusim {

// What the caches are checked against (native: the process tables; shadow: the shadow roots).
struct CheckTarget {
  std::function<TableNode*(std::uint32_t ctx)> root;  // nullptr if the context has no table
  std::function<bool(std::uint32_t ctx, std::uint64_t frame, const TableNode* node)> table_live;
  const FrameAllocator* frames;  // the frames leaves point into
};

std::vector<std::string> check_translation_caches(const Mmu& mmu, const CheckTarget& target);

}  // namespace mmusim
