// The native OS: one page table per process, demand paging with private writable frames (no zero
// page, docs/architecture.md "Semantics" 5), and the numbering of address-space contexts (vm, pid) that tags
// the TLBs. In native mode `vm` is only a namespace: (vm 0, pid 1) and (vm 1, pid 1) are two
// processes.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/explain.h"
#include "common/frame_allocator.h"
#include "common/hugetlb.h"
#include "mmu/checker.h"
#include "paging/page_table.h"

namespace mmusim {

struct NativeOsStats {
  std::uint64_t page_faults = 0;  // demand faults: one per first touch of a page (per CPU that raced for it)
  std::uint64_t processes = 0;
  std::uint64_t huge_pages_mapped = 0;   // guest.thp = always: 2 MiB pages mapped at a first touch
  std::uint64_t thp_fault_fallback = 0;  // ... and first touches of an empty 2 MiB range that fell back to 4 KiB
  std::uint64_t hugetlb_1g_pages = 0;    // guest.hugetlb_1g_gib: 1 GiB pages mapped at a first touch
};

class NativeOs {
 public:
  // thp: transparent huge pages always (guest.thp = always, 2.6.38).
  explicit NativeOs(FrameAllocator& frames, bool thp = false) : frames_(frames), thp_(thp) {}
  // The range every process maps with 1 GiB hugetlbfs pages (guest.hugetlb_1g_gib).
  void set_hugetlb_1g(HugetlbRange r) { hugetlb_ = r; }

  // The context number of (vm, pid); the process and its page table are created on first use.
  std::uint32_t context(std::uint16_t vm, std::uint32_t pid);
  PageTable& table(std::uint32_t ctx) { return *procs_.at(ctx).table; }
  const PageTable* table_or_null(std::uint32_t ctx) const {
    return ctx < procs_.size() ? procs_[ctx].table.get() : nullptr;
  }
  // The checker's view: each context's table.
  CheckTarget check_target() const;

  // A not-present fault on `vpn` (do_anonymous_page): allocate a frame and map it P|W|U. With
  // THP, the first touch of a 2 MiB range whose pmd is empty maps a 2 MiB page when 512 aligned
  // frames are free (do_huge_pmd_anonymous_page, 2.6.38, with one more frame for the page table
  // deposited for a later split: pte_alloc_one, counted in page_table_pages), else falls back to
  // the 4 KiB page. No frame for the deposited table is VM_FAULT_OOM in 2.6.38, not a fallback.
  // The whole address space counts as one anonymous VMA with THP enabled, but for the hugetlb
  // range, where a fault maps the 1 GiB page that holds `vpn` (hugetlb_fault). Throws OutOfMemory
  // when the frames run out (native mode has no swap), or no aligned 1 GiB block is free.
  void handle_page_fault(std::uint32_t ctx, Vpn vpn);

  const NativeOsStats& stats() const { return stats_; }
  // Page-table pages of every process.
  std::uint64_t table_pages() const;
  // Its summary.csv figures.
  static const CounterTable<NativeOs>& counters();
  void set_explain(EventSink* sink) { explain_ = sink; }
  // Frame accounting: every frame in use is a table page or mapped by exactly one leaf.
  // Returns a description of each violation.
  std::vector<std::string> check() const;

 private:
  struct Process {
    std::uint16_t vm;
    std::uint32_t pid;
    std::unique_ptr<PageTable> table;
  };
  FrameAllocator& frames_;
  bool thp_;
  HugetlbRange hugetlb_;
  std::map<std::pair<std::uint16_t, std::uint32_t>, std::uint32_t> ctx_of_;
  std::vector<Process> procs_;
  NativeOsStats stats_;
  EventSink* explain_ = nullptr;
};

}  // namespace mmusim
