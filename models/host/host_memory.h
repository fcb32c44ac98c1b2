// The host: its frames with struct-page flags, and for each VM the host process whose memory
// backs the guest (one memslot: gfn g lives at hva kMemslotBase + g * 4 KiB) with its host page
// table (hva -> pfn) and hardware young/dirty bits.
//
// What the host sees of guest accesses is the point of the project: a host pte is made young
// when the host faults the page in (do_anonymous_page: mk_pte with _PAGE_ACCESSED) and by host
// accesses, never by the guest's accesses through sptes; KVM's gfn_to_pfn (get_user_pages with
// FOLL_TOUCH) calls mark_page_accessed on the struct page instead.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "common/addr.h"
#include "common/frame_allocator.h"
#include "paging/page_table.h"

namespace mmusim {

// The struct page flags mmusim models (include/linux/page-flags.h), plus what the frame is for.
struct HostPage {
  enum class Use : std::uint8_t { Free, GuestMemory, HostPageTable, ShadowPage };
  Use use = Use::Free;
  bool referenced = false;  // PG_referenced
  bool active = false;      // PG_active
  bool dirty = false;       // PG_dirty
  bool swapcache = false;   // PG_swapcache
  std::uint32_t mapcount = 0;  // host ptes mapping the page
  std::uint16_t vm = 0;     // GuestMemory: the VM and gfn it backs (the reverse map)
  std::uint64_t gfn = 0;
};

struct HostStats {
  std::uint64_t minor_faults = 0;  // host faults that allocated a frame for guest memory
  std::uint64_t gup_calls = 0;     // gfn_to_pfn lookups (get_user_pages)
};

class HostMemory {
 public:
  static constexpr std::uint64_t kMemslotBase = 0x7f0000000000ull;  // where the VMM maps guest RAM

  explicit HostMemory(std::uint64_t frames);
  ~HostMemory();

  // A VM whose memslot covers gfns [0, guest_frames); VMs are numbered 0, 1, ... in order.
  void add_vm(std::uint64_t guest_frames);
  std::size_t vms() const { return vms_.size(); }

  Hva gfn_to_hva(std::uint16_t vm, Gfn gfn) const { return Hva{kMemslotBase + (gfn.v << kPageShift)}; }

  struct Gup {
    Pfn pfn;
    bool minor_fault = false;  // the host page was not present: a frame was allocated and mapped
  };
  // gfn_to_pfn (get_user_pages with FOLL_TOUCH, FOLL_WRITE on a write): a software walk of the
  // host page table; a missing page is a host minor fault (do_anonymous_page: the new pte is
  // young, and dirty on a write); then follow_page's FOLL_TOUCH: set_page_dirty on a write to a
  // clean page, mark_page_accessed. Throws OutOfMemory when no frame is left.
  Gup gfn_to_pfn(std::uint16_t vm, Gfn gfn, bool write);

  // Frames of kernel memory (KVM's shadow pages).
  std::uint64_t alloc_kernel_page();
  void free_kernel_page(std::uint64_t pfn);

  // mark_page_accessed (mm/swap.c): inactive,unreferenced -> inactive,referenced ->
  // active,unreferenced -> active,referenced. (The LRU list moves come with host reclaim.)
  void mark_page_accessed(Pfn pfn);
  void set_page_dirty(Pfn pfn) { pages_[pfn.v].dirty = true; }

  const HostPage& page(Pfn pfn) const { return pages_.at(pfn.v); }
  const PageTable& host_table(std::uint16_t vm) const { return *vms_.at(vm).table; }
  const FrameAllocator& frames() const { return frames_; }
  const HostStats& stats() const { return stats_; }
  // Every frame in use is accounted for once (a host page-table page, a shadow page, or guest
  // memory mapped by exactly one host pte of its VM at the hva of its gfn).
  std::vector<std::string> check() const;

 private:
  // A FrameAllocator that records each host page-table page it hands out in the page flags.
  struct Vm {
    std::uint64_t guest_frames;
    std::unique_ptr<PageTable> table;
  };
  std::uint64_t take_frame(HostPage::Use use);

  FrameAllocator frames_;
  std::vector<HostPage> pages_;
  std::vector<Vm> vms_;
  HostStats stats_;
};

}  // namespace mmusim
