// Invariant checks of the translation caches (sim.check): every TLB entry matches the present
// leaf PTE of its context (frame, no more permission than the PTE grants, D only if PTE.D) and
// maps a frame in use; every page-walk-cache entry points at a table that still exists.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "common/frame_allocator.h"
#include "mmu/mmu.h"

namespace mmusim {

using TableOfContext = std::function<const PageTable*(std::uint32_t ctx)>;

std::vector<std::string> check_translation_caches(const Mmu& mmu, const TableOfContext& table_of,
                                                  const FrameAllocator& frames);

}  // namespace mmusim
