// Invariant checks of the translation caches (sim.check): every TLB entry matches the present
// leaf PTE of its context's active table (frame, no more permission than the PTE grants, D only
// if PTE.D) and maps a frame in use; every page-walk-cache entry points at a table that is still
// part of its context's tree. Under nested paging a TLB entry matches the guest pte and the EPT
// entry of its gfn together, and the nested TLB and the EPT paging-structure cache match the EPT.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/frame_allocator.h"
#include "mmu/mmu.h"

namespace mmusim {

// What the caches are checked against (native: the process tables; shadow: the shadow roots;
// nested: the guests' tables composed with the EPT).
struct CheckTarget {
  std::function<TableNode*(std::uint32_t ctx)> root;  // nullptr if the context has no table
  std::function<bool(std::uint32_t ctx, std::uint64_t frame, const TableNode* node)> table_live;
  const FrameAllocator* frames;  // the frames leaves point into
  // Nested paging only (empty otherwise): the EPT that translates the guest-physical addresses of
  // TLB context `ctx`; the EPT of nested context (VM) `vm`; whether `node` at `frame` is one of
  // that EPT's tables.
  std::function<TableNode*(std::uint32_t ctx)> ept_root;
  std::function<TableNode*(std::uint32_t vm)> ept_root_of_vm;
  std::function<bool(std::uint32_t vm, std::uint64_t frame, const TableNode* node)> ept_table_live;
};

std::vector<std::string> check_translation_caches(const Mmu& mmu, const CheckTarget& target);

}  // namespace mmusim
