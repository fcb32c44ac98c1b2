// A guest OS: its frames (gfns 0 .. guest.mem_mb * 256 - 1), one page table per process living
// in those frames, and demand paging. Every write the guest makes to one of its page-table pages
// goes through a hook, because under shadow paging KVM may have write-protected that page: the
// store then traps and is emulated (kvm_mmu_pte_write).
//
// Simplification: the guest kernel's own accesses to its page tables (through its direct map) are
// not translated through the modelled TLBs; whether such a store traps is KVM's decision alone.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/cycle_causes.h"
#include "common/frame_allocator.h"
#include "paging/page_table.h"

namespace mmusim {

struct GuestPtWriteHook {
  virtual ~GuestPtWriteHook() = default;
  // The guest has stored `value` into entry `index` of its page-table page `table` (gfn
  // table->frame). Returns what the store cost beyond a plain store: a trap and its emulation.
  virtual CauseCycles guest_pte_write(TableNode* table, unsigned index, Pte old_value, Pte value) = 0;
};

struct GuestOsStats {
  std::uint64_t page_faults = 0;  // #PF handled by the guest (one per first touch of a page)
  std::uint64_t pte_writes = 0;   // stores to page-table pages
  std::uint64_t processes = 0;
};

class GuestOs {
 public:
  GuestOs(std::uint64_t frames, std::string name, Cycles fault_cycles);

  void set_pt_write_hook(GuestPtWriteHook* hook) { hook_ = hook; }

  // The page table of `pid`, created on first use (its PML4 is a guest frame).
  PageTable& process(std::uint32_t pid);

  // The guest's #PF handler for a not-present page (__handle_mm_fault, do_anonymous_page): each
  // missing page-table page is allocated and linked into its parent, then a private frame is
  // mapped P|W|U|A, and D on a write fault (no zero page). Throws OutOfMemory when the guest's
  // frames run out.
  CauseCycles handle_page_fault(std::uint32_t pid, Vpn vpn, bool write);

  // The gfn of the PML4 of `pid`, or ~0 if the process does not exist.
  std::uint64_t process_root_frame(std::uint32_t pid) const {
    const auto it = procs_.find(pid);
    return it == procs_.end() ? ~std::uint64_t{0} : it->second->root_frame();
  }
  // The page-table page at `gfn`, whatever process it belongs to, or nullptr.
  TableNode* table_at(std::uint64_t gfn) const;
  const FrameAllocator& frames() const { return frames_; }
  const GuestOsStats& stats() const { return stats_; }
  std::size_t table_pages() const;

 private:
  CauseCycles store(TableNode* table, unsigned index, Pte value, TableNode* child);

  FrameAllocator frames_;
  Cycles fault_cycles_;
  GuestPtWriteHook* hook_ = nullptr;
  std::map<std::uint32_t, std::unique_ptr<PageTable>> procs_;
  GuestOsStats stats_;
};

}  // namespace mmusim
