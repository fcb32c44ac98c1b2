// The host: its frames with struct-page flags on the anonymous LRU lists, and for each VM the
// host process whose memory backs the guest (one memslot: gfn g lives at hva kMemslotBase +
// g * 4 KiB) with its host page table (hva -> pfn, or a swap entry) and hardware young/dirty bits.
//
// What the host sees of guest accesses is the point of the project: a host pte is made young when
// the host faults the page in (do_anonymous_page: mk_pte with _PAGE_ACCESSED), never by the
// guest's accesses through sptes; KVM's gfn_to_pfn (get_user_pages with FOLL_TOUCH) calls
// mark_page_accessed on the struct page instead, and the mmu notifier lets the host ask KVM.
//
// This class holds the kernel's per-page operations (mm/memory.c, mm/swap.c, mm/rmap.c,
// mm/swap_state.c); the scanning policy that calls them is models/reclaim/vmscan.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/addr.h"
#include "common/cycle_causes.h"
#include "common/explain.h"
#include "common/frame_allocator.h"
#include "host/lru.h"
#include "paging/page_table.h"
#include "reclaim/swap_device.h"

namespace mmusim {

// The struct page flags mmusim models (include/linux/page-flags.h), plus what the frame is for:
// 24 bytes a host frame. The PG_ flags are bits of one byte, as in the kernel's page->flags; C++17
// gives bit-fields no default member initializers, and every HostPage is value-initialized
// (HostPage{}, the growth of HostMemory's array), which clears them.
struct HostPage {
  enum class Use : std::uint8_t { Free, GuestMemory, HostPageTable, ShadowPage };
  Use use = Use::Free;
  bool referenced : 1;  // PG_referenced
  bool active : 1;      // PG_active (on the active list)
  bool dirty : 1;       // PG_dirty
  bool swapcache : 1;   // PG_swapcache: the page has a swap slot
  bool writeback : 1;   // PG_writeback: a swap write is in flight
  std::uint16_t vm = 0;        // GuestMemory: the VM and gfn it backs (the reverse map)
  std::uint32_t mapcount = 0;  // host ptes mapping the page
  std::uint32_t pinned = 0;    // references KVM holds (kvm.aging = pinned): the page cannot be freed
  std::uint32_t gfn = 0;       // add_vm refuses a memslot of more than 2^32 gfns
  std::uint64_t slot = SwapDevice::kNoSlot;
};

// The mmu notifier of a VM's host process (include/linux/mmu_notifier.h): what the host calls
// and KVM implements. Costs (remote-flush IPIs) are added to `c`.
struct MmuNotifier {
  virtual ~MmuNotifier() = default;
  virtual void invalidate_page(Gfn gfn, CauseCycles& c) = 0;
  virtual void invalidate_range_start(Gfn first, Gfn last, CauseCycles& c) = 0;
  virtual void invalidate_range_end(Gfn first, Gfn last) = 0;
  virtual bool clear_flush_young(Gfn gfn, CauseCycles& c) = 0;
  virtual bool clear_young(Gfn gfn) = 0;
  virtual bool test_young(Gfn gfn) = 0;
};

// What an allocation asks of reclaim (mm/page_alloc.c): wake kswapd below the low watermark,
// reclaim directly below min.
struct ReclaimHooks {
  virtual ~ReclaimHooks() = default;
  // Whether it woke kswapd (false: kswapd is running, or a wakeup is already pending).
  virtual bool wakeup_kswapd() = 0;
  // try_to_free_pages in the allocating context at time `now`; returns the cycles it took.
  virtual Cycles direct_reclaim(Cycles now) = 0;
};

struct HostConfig {
  bool new_anon_active = true;            // new (and swapped-in) anon pages start active (2.6.24, 2.6.28)
  Cycles minor_fault_cycles = 3200;       // cost.host_minor_fault_cycles
  std::uint64_t min_free_kb = 0;          // 0: sqrt(lowmem_kb * 16) clamped to [128 kB, 64 MB]
  std::uint64_t swap_slots = 0;           // 0: no swap device
  unsigned swap_queue_depth = 1;
  Cycles swap_read_cycles = 0, swap_write_cycles = 0;
};

struct HostStats {
  std::uint64_t minor_faults = 0;  // host faults that mapped a frame without I/O (new, or from the swap cache)
  std::uint64_t major_faults = 0;  // host faults that read the page from swap
  std::uint64_t refaults = 0;      // faults on swapped-out pages (major, or found in the swap cache)
  std::uint64_t gup_calls = 0;     // gfn_to_pfn lookups (get_user_pages)
  std::uint64_t swap_ins = 0, swap_outs = 0;
  std::uint64_t direct_reclaims = 0;  // allocations that reclaimed directly (their cycles: the callers' CauseCycles)
};

class HostMemory {
 public:
  static constexpr std::uint64_t kMemslotBase = 0x7f0000000000ull;  // where the VMM maps guest RAM

  explicit HostMemory(std::uint64_t frames, HostConfig cfg = HostConfig{});
  ~HostMemory();

  // A VM whose memslot covers gfns [0, guest_frames); VMs are numbered 0, 1, ... in order. Its
  // gfns must fit HostPage::gfn (guest.mem_mb is at most 2^16 MiB, 2^24 gfns): more than 2^32
  // is std::invalid_argument.
  void add_vm(std::uint64_t guest_frames);
  std::size_t vms() const { return vms_.size(); }
  void register_notifier(std::uint16_t vm, MmuNotifier* n) { vms_.at(vm).notifier = n; }
  void set_reclaim(ReclaimHooks* r) { reclaim_ = r; }
  void set_explain(ExplainSink* sink) { explain_ = sink; }

  Hva gfn_to_hva(std::uint16_t vm, Gfn gfn) const { return Hva{kMemslotBase + (gfn.v << kPageShift)}; }

  struct Gup {
    Pfn pfn;
    bool minor_fault = false;  // the host page was not present: a frame was allocated and mapped
    bool major_fault = false;  // it was in swap: read back (the caller stalled for the read)
  };
  // gfn_to_pfn (get_user_pages with FOLL_TOUCH, FOLL_WRITE on a write) at time `now`: a software
  // walk of the host page table; a missing page is a host minor fault (do_anonymous_page: the new
  // pte young, and dirty on a write); a swapped-out one is a refault (do_swap_page: from the swap
  // cache, or read from the device while the caller stalls); then follow_page's FOLL_TOUCH:
  // set_page_dirty on a write to a clean page, mark_page_accessed. Costs go to `c`. Throws
  // OutOfMemory when no frame can be had.
  Gup gfn_to_pfn(std::uint16_t vm, Gfn gfn, bool write, Cycles now = 0, CauseCycles* c = nullptr);

  // Frames of kernel memory (KVM's shadow pages), subject to the watermarks like any allocation.
  std::uint64_t alloc_kernel_page(Cycles now = 0, CauseCycles* c = nullptr);
  void free_kernel_page(std::uint64_t pfn);

  // mark_page_accessed (mm/swap.c): inactive,unreferenced -> inactive,referenced ->
  // active,unreferenced (activate_page: to the active list) -> active,referenced.
  void mark_page_accessed(Pfn pfn);
  void set_page_dirty(Pfn pfn) { pages_[pfn.v].dirty = true; }
  void pin(Pfn pfn) { ++pages_[pfn.v].pinned; }  // get_page by KVM
  void unpin(Pfn pfn);

  // --- The per-page steps of reclaim (called by models/reclaim/vmscan) ---
  // List moves: to the active head (SetPageActive), to the inactive head (ClearPageActive; also the
  // putback of an inactive page that cannot go yet).
  void activate(Pfn pfn) { lru_move(pfn, true); }
  void deactivate(Pfn pfn) { lru_move(pfn, false); }
  // page_referenced (mm/rmap.c): TestClearPageReferenced counts 1, and the host pte is tested and
  // cleared with ptep_clear_flush_young_notify: pte young | mmu_notifier_clear_flush_young.
  unsigned page_referenced(Pfn pfn, CauseCycles& c);
  // add_to_swap: a slot for the page; false when the device is full (or there is none).
  bool add_to_swap(Pfn pfn);
  // try_to_unmap (try_to_unmap_one): young again -> false (SWAP_FAIL); else the host pte becomes
  // the swap entry and mmu_notifier_invalidate_page tells KVM to zap its sptes.
  bool try_to_unmap(Pfn pfn, CauseCycles& c);
  // pageout: a swap write of the dirty page, complete at the returned time; the page leaves the
  // LRU and is freed when the write completes (or goes back to the LRU if refaulted meanwhile).
  Cycles pageout(Pfn pfn, Cycles now);
  // __remove_mapping for a clean, unmapped, swap-cached page: the frame is freed (the data lives
  // on in its swap slot).
  void remove_mapping(Pfn pfn);
  // Ends the swap writes complete by `now` (end_page_writeback); returns the pages freed.
  std::uint64_t complete_writeback(Cycles now);
  std::uint64_t writeback_pages() const { return writeback_.size(); }
  Cycles next_writeback_completion() const { return writeback_.empty() ? 0 : writeback_.begin()->first; }

  // Watermarks in pages (init_per_zone_pages_min, setup_per_zone_pages_min).
  std::uint64_t min_pages() const { return min_; }
  std::uint64_t low_pages() const { return min_ * 5 / 4; }
  std::uint64_t high_pages() const { return min_ * 3 / 2; }
  std::uint64_t free_pages() const { return frames_.free_count(); }

  const HostPage& page(Pfn pfn) const { return pages_.at(pfn.v); }
  const LruLists& lru() const { return lru_; }
  const PageTable& host_table(std::uint16_t vm) const { return *vms_.at(vm).table; }
  const FrameAllocator& frames() const { return frames_; }
  const HostStats& stats() const { return stats_; }
  // Its summary.csv figures (host_counters.cc); its frames are FrameAllocator's.
  static const CounterTable<HostMemory>& counters();
  // Swap requests (reads and writes) in flight at `now`.
  std::uint64_t swap_in_flight(Cycles now) const { return swap_ ? swap_->in_flight(now) : 0; }
  // Every frame in use is accounted for once (a host page-table page, a shadow page, or guest
  // memory mapped by its host pte or in writeback); swap entries point at slots in use; no page
  // is both mapped and on swap only; LRU membership matches the flags.
  std::vector<std::string> check() const;

  // The host pte of (vm, gfn): nullptr if no table holds it.
  Pte* host_pte(std::uint16_t vm, Gfn gfn) const;
  // Swap entries in non-present host ptes: bit 62 marks one, bits 51:12 hold the slot.
  static constexpr std::uint64_t kSwapEntry = 1ull << 62;
  static bool is_swap_entry(Pte p) { return !p.present() && (p.raw & kSwapEntry); }

 private:
  struct Vm {
    std::uint64_t guest_frames;
    std::unique_ptr<PageTable> table;
    MmuNotifier* notifier = nullptr;
  };
  std::uint64_t take_frame(HostPage::Use use, Cycles now, CauseCycles* c);
  void lru_add(std::uint64_t pfn);
  void lru_move(Pfn pfn, bool active) {
    pages_[pfn.v].active = active;
    lru_.move_head(active ? LruList::ActiveAnon : LruList::InactiveAnon, pfn.v);
  }
  void free_frame(std::uint64_t pfn);
  // Extends the per-frame arrays to frame `pfn`, which the allocator has just handed out. They
  // cover only frames ever used (the allocator hands out new frames in ascending order), so a
  // large host.mem_mb costs address space, not memory.
  void cover(std::uint64_t pfn);

  HostConfig cfg_;
  FrameAllocator frames_;
  std::vector<HostPage> pages_;  // frames [0, size) ever handed out; capacity: every frame
  LruLists lru_;
  std::unique_ptr<SwapDevice> swap_;
  std::map<std::uint64_t, std::uint64_t> swapcache_;  // slot -> resident pfn
  std::multimap<Cycles, std::uint64_t> writeback_;   // completion time -> pfn
  std::vector<Vm> vms_;
  ReclaimHooks* reclaim_ = nullptr;
  std::uint64_t min_ = 0;
  HostStats stats_;
  ExplainSink* explain_ = nullptr;
  bool ex() const { return explaining(explain_); }
};

}  // namespace mmusim
