// A guest OS: its frames (gfns 0 .. guest.mem_mb * 256 - 1), one page table per process living
// in those frames, and demand paging. Two things the guest kernel does reach the hypervisor
// through a hook: clearing a frame it has just allocated (the host backs the gfn then), and every
// store into one of its page-table pages (KVM may have write-protected the page: the store then
// traps and is emulated, kvm_mmu_pte_write).
//
// Simplification: the guest kernel's own accesses (clearing pages, writing its page tables, through
// its direct map) are not translated through the modelled TLBs and cost no exits of their own; a
// page-table store traps or not by KVM's write protection alone.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/cycle_causes.h"
#include "common/explain.h"
#include "common/frame_allocator.h"
#include "common/hugetlb.h"
#include "paging/page_table.h"

namespace mmusim {

struct GuestHooks {
  virtual ~GuestHooks() = default;
  // The guest cleared the frame `gfn` it just allocated (clear_page); returns its cost (a host fault).
  virtual CauseCycles guest_frame_cleared(std::uint64_t gfn) = 0;
  // The guest has stored `value` into entry `index` of its page-table page `table` (gfn
  // table->frame). Returns what the store cost beyond a plain store: a trap and its emulation.
  virtual CauseCycles guest_pte_write(TableNode* table, unsigned index, Pte old_value, Pte value) = 0;
};

struct GuestOsStats {
  std::uint64_t page_faults = 0;  // #PF handled by the guest (one per first touch of a page)
  std::uint64_t pte_writes = 0;   // stores to page-table pages
  std::uint64_t processes = 0;
  std::uint64_t huge_pages_mapped = 0;   // thp: 2 MiB pages mapped at a first touch
  std::uint64_t thp_fault_fallback = 0;  // thp: first touches of an empty 2 MiB range mapped with 4 KiB
  std::uint64_t hugetlb_1g_pages = 0;    // 1 GiB hugetlbfs pages mapped at a first touch
};

class GuestOs {
 public:
  // dirty_at_fault: a new anonymous pte is dirty whatever the fault (do_anonymous_page in Linux
  // 2.6.24-2.6.31: pte_mkdirty); false: dirty only when the fault was a write.
  // thp: transparent huge pages always (guest.thp, 2.6.38; nested mode).
  GuestOs(std::uint64_t frames, std::string name, Cycles fault_cycles, bool dirty_at_fault = true, bool thp = false);

  void set_hooks(GuestHooks* hooks) { hooks_ = hooks; }
  // The range every process maps with 1 GiB hugetlbfs pages (guest.hugetlb_1g_gib): a fault there
  // maps the 1 GiB page that holds the address (hugetlb_fault).
  void set_hugetlb_1g(HugetlbRange r) { hugetlb_ = r; }
  void set_explain(EventSink* sink) { explain_ = sink; }

  // The page table of `pid`, created on first use (its PML4 a new, cleared guest frame; the
  // clearing's cost is added to `cost` when given).
  PageTable& process(std::uint32_t pid, CauseCycles* cost = nullptr);

  // The guest's #PF handler for a not-present page (__handle_mm_fault, do_anonymous_page): each
  // missing page-table page is allocated, cleared and linked into its parent, then a cleared
  // private frame is mapped P|W|U|A (D per dirty_at_fault). Throws OutOfMemory when the guest's
  // frames run out. With THP, an empty pmd maps a 2 MiB page instead when 512 aligned guest frames
  // are free (do_huge_pmd_anonymous_page, 2.6.38: a cleared page table is allocated and deposited
  // for a later split, pte_alloc_one, and counts in page_table_pages; all 512 cleared; the pmd
  // P|W|U|A|D|PS), else the pte path runs (THP_FAULT_FALLBACK). No frame for the deposited table
  // is VM_FAULT_OOM in 2.6.38 (OutOfMemory), not a fallback.
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
  // Its summary.csv figures (summed over VMs).
  static const CounterTable<GuestOs>& counters();

 private:
  // Writes a page-table entry and tells the hooks; `child` is the table an upper entry now points
  // to (nullptr for a leaf entry, which maps a page).
  CauseCycles store(TableNode* table, unsigned index, Pte value, TableNode* child = nullptr);
  CauseCycles cleared(std::uint64_t gfn) { return hooks_ ? hooks_->guest_frame_cleared(gfn) : CauseCycles{}; }
  // The table entry `i` of `t` points to, made (allocated, cleared, linked) if missing.
  TableNode* table_below(PageTable& pt, TableNode* t, unsigned i, CauseCycles& c);
  void hugetlb_fault(PageTable& pt, std::uint32_t pid, Vpn vpn, CauseCycles& c);

  FrameAllocator frames_;
  Cycles fault_cycles_;
  bool dirty_at_fault_;
  bool thp_;
  HugetlbRange hugetlb_;
  GuestHooks* hooks_ = nullptr;
  std::map<std::uint32_t, std::unique_ptr<PageTable>> procs_;
  std::unordered_map<std::uint64_t, TableNode*> table_at_gfn_;  // every process's table pages (lookup only)
  GuestOsStats stats_;
  EventSink* explain_ = nullptr;
};

}  // namespace mmusim
