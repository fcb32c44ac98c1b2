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
// mm/swap_state.c); the order of its pages on the LRU is an LruPolicy's (the 2.6.28 split LRU
// unless another is given), and the reclaimer that scans them lives in models/reclaim.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/addr.h"
#include "common/cycle_causes.h"
#include "common/explain.h"
#include "common/frame_allocator.h"
#include "host/host_page.h"
#include "host/lru_policy.h"
#include "host/shrinker.h"
#include "paging/page_table.h"
#include "swap/swap_device.h"

namespace mmusim {

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
  bool new_anon_active = true;            // the split LRU's: new (and swapped-in) anon pages start active (2.6.24, 2.6.28)
  Cycles minor_fault_cycles = 3200;       // cost.host_minor_fault_cycles
  std::uint64_t min_free_kb = 0;          // 0: sqrt(lowmem_kb * 16) clamped to [128 kB, 64 MB]
  std::uint64_t swap_slots = 0;           // 0: no swap device
  unsigned swap_queue_depth = 1;
  Cycles swap_read_cycles = 0, swap_write_cycles = 0;
  // pageout and end_page_writeback as 2.6.28 (mm/vmscan.c, mm/filemap.c, mm/swap.c): a page
  // written by reclaim gets PG_reclaim and stays on the inactive list; when the write completes
  // rotate_reclaimable_page moves it to the inactive tail and the next scan frees or reactivates
  // it. false: it leaves the LRU and is freed when the write completes.
  bool writeback_rotate = false;
  // swapin_readahead (mm/swap_state.c, valid_swaphandles in mm/swapfile.c, 2.6.28): a major fault
  // reads the run of in-use slots around the faulting one within its aligned window of
  // 2^page_cluster slots; 0: no readahead.
  unsigned page_cluster = 0;
  // do_swap_page: a page swapped in leaves the swap cache (its slot freed) when more than half of
  // swap is in use (vm_swap_full, 2.6.28).
  bool vm_swap_full = false;
  // gfn_to_pfn by get_user_pages_fast (2.6.28): a host pte present and writable gives the page
  // without mark_page_accessed; false: get_user_pages with FOLL_TOUCH marks it every time
  // (2.6.25 to 2.6.27).
  bool gup_fast = false;
  // The swap token (mm/thrash.c, 2.6.24 to 2.6.28): a task about to read a page from swap
  // contends for the token (grab_swap_token); while the holder's mm has a fault in progress (its
  // mmap_sem held), page_referenced counts each of its pages referenced for any other task (kswapd
  // included). Reclaim disables it at priority 0.
  bool swap_token = false;
  // try_to_unmap_one refuses a page whose host pte (or a secondary MMU) was young again
  // (ptep_clear_flush_young_notify, 2.6.28); false: no such check (5.11 and later, 013339df116c).
  bool unmap_checks_young = true;
  // Clearing a host process's young pte flushes its TLB entry (ptep_clear_flush_young, 2.6.28);
  // false: x86 clears the bit only (3.17 and later, b13b1d2d8692).
  bool clear_young_flush = true;
  // watermark_scale_factor (4.6 and later) in units of 0.01% of memory: low = min + max(min / 4,
  // frames * factor / 10000), high = min + 2 * that; 0: low = min * 5 / 4, high = min * 3 / 2 (2.6.28).
  unsigned watermark_scale_factor = 0;
  // Transparent huge pages for guest memory (host.thp = always, 2.6.38): a host fault in a 2 MiB
  // range of a memslot whose pmd is empty maps a 2 MiB page (do_huge_pmd_anonymous_page), one LRU
  // entry for 512 pages, split before swap-out (split_huge_page in add_to_swap).
  bool thp = false;
  // thp: a huge page is swapped whole (reclaim.thp_swap = whole; THP swap, 4.13 and 4.14):
  // add_to_swap gives it a cluster of 512 slots (get_huge_swap_page, 4.13, 38d8b4e6bdc8) or, with
  // none free, splits it (thp_swpout_fallback, 4.14); try_to_unmap turns its pmd into 512 swap
  // ptes (TTU_SPLIT_HUGE_PMD) and the page stays one compound page in the swap cache, written as
  // one 2 MiB write and freed whole (4.14, bd4c82c22c36). false: split first (2.6.38).
  bool thp_swap = false;
};

struct HostStats {
  std::uint64_t minor_faults = 0;  // host faults that mapped a frame without I/O (new, or from the swap cache)
  std::uint64_t major_faults = 0;  // host faults that read the page from swap
  std::uint64_t refaults = 0;      // faults on swapped-out pages (major, or found in the swap cache)
  std::uint64_t gup_calls = 0;     // gfn_to_pfn lookups (get_user_pages)
  std::uint64_t swap_ins = 0, swap_outs = 0;
  std::uint64_t direct_reclaims = 0;  // allocations that reclaimed directly (their cycles: the callers' CauseCycles)
  std::uint64_t pages_rotated_writeback = 0;  // rotate_reclaimable_page: written pages moved to the inactive tail
  std::uint64_t swap_readahead_pages = 0;     // pages read by swapin_readahead besides the faulting one
  std::uint64_t swap_readahead_hits = 0;      // of those, pages a later fault found in the swap cache
  std::uint64_t swap_slots_freed = 0;         // slots freed at swap-in (vm_swap_full)
  std::uint64_t swap_token_references = 0;    // page_referenced counts from the swap token
  std::uint64_t swap_token_grabs = 0;         // grab_swap_token calls that left the token with a new holder
  // Of swap_ins, swap_outs and refaults, those of host processes' pages (the rest are guests').
  std::uint64_t swap_ins_procs = 0, swap_outs_procs = 0, refaults_procs = 0;
  std::uint64_t host_huge_pages = 0;  // thp: 2 MiB pages host faults mapped for guest memory
  std::uint64_t huge_pages_split = 0; // thp: split_huge_page (before swap-out, or of a swapped-out one refaulted)
  std::uint64_t thp_swpout = 0;       // thp_swap: huge pages written to swap whole (THP_SWPOUT)
  std::uint64_t thp_swpout_fallback = 0;  // thp_swap: huge pages split for want of a free cluster (THP_SWPOUT_FALLBACK)
};

class HostMemory {
 public:
  static constexpr std::uint64_t kMemslotBase = 0x7f0000000000ull;  // where the VMM maps guest RAM

  // `lru`: the LRU policy; nullptr is the 2.6.28 split LRU (SplitLru with cfg.new_anon_active).
  explicit HostMemory(std::uint64_t frames, HostConfig cfg = HostConfig{}, std::unique_ptr<LruPolicy> lru = nullptr);
  ~HostMemory();

  // A VM whose memslot covers gfns [0, guest_frames); VMs are numbered 0, 1, ... in order. Its
  // gfns must fit HostPage::gfn (guest.mem_mb is at most 2^16 MiB, 2^24 gfns): more than 2^32
  // is std::invalid_argument.
  void add_vm(std::uint64_t guest_frames);
  // A process of the host itself (an mm without KVM): numbered after the VMs, in the order added;
  // its pages are indexed by virtual page number (below 2^32, as gfns). `flush` drops one of its
  // pages from the TLBs of the host CPUs (flush_tlb_page: reclaim unmapping or aging a pte).
  std::uint16_t add_process(std::function<void(Vpn)> flush);
  bool is_process(std::uint16_t mm) const { return vms_.at(mm).process; }
  // Guest memory and host processes' memory in frames (resident: mapped, or in the swap cache).
  std::uint64_t resident_guest_pages() const { return resident_[0]; }
  std::uint64_t resident_process_pages() const { return resident_[1]; }
  std::size_t vms() const { return vms_.size(); }
  void register_notifier(std::uint16_t vm, MmuNotifier* n) { vms_.at(vm).notifier = n; }
  void set_reclaim(ReclaimHooks* r) { reclaim_ = r; }
  // register_shrinker: a cache reclaim shrinks through shrink_slab.
  void register_shrinker(Shrinker* s) { shrinkers_.push_back(s); }
  const std::vector<Shrinker*>& shrinkers() const { return shrinkers_; }
  void set_explain(EventSink* sink) { explain_ = sink; }

  // A VM's guest frame in its VMM's memslot; a host process's page is its own address.
  Hva gfn_to_hva(std::uint16_t vm, Gfn gfn) const {
    return Hva{(vms_[vm].process ? 0 : kMemslotBase) + (gfn.v << kPageShift)};
  }

  struct Gup {
    Pfn pfn;
    bool minor_fault = false;  // the host page was not present: a frame was allocated and mapped
    bool major_fault = false;  // it was in swap: read back (the caller stalled for the read)
  };
  // gfn_to_pfn (get_user_pages with FOLL_TOUCH, FOLL_WRITE on a write) at time `now`: a software
  // walk of the host page table; a missing page is a host minor fault (do_anonymous_page: the new
  // pte young, and dirty on a write); a swapped-out one is a refault (do_swap_page: from the swap
  // cache, or read from the device while the caller stalls); then follow_page's FOLL_TOUCH:
  // set_page_dirty on a write to a clean page, mark_page_accessed. With gup_fast a page whose
  // host pte was present and writable is taken without FOLL_TOUCH's mark. Costs go to `c`.
  // Throws OutOfMemory when no frame can be had.
  Gup gfn_to_pfn(std::uint16_t vm, Gfn gfn, bool write, Cycles now = 0, CauseCycles* c = nullptr);

  // Frames of kernel memory (KVM's shadow pages), subject to the watermarks like any allocation;
  // `vm`: the VM whose vCPU allocates (its mm is current->mm for the reclaim it may do), -1 none.
  std::uint64_t alloc_kernel_page(Cycles now = 0, CauseCycles* c = nullptr, int vm = -1);
  void free_kernel_page(std::uint64_t pfn);

  // mark_page_accessed (mm/swap.c), as the LRU policy keeps it.
  void mark_page_accessed(Pfn pfn) { lru_->mark_accessed(pfn.v, pages_[pfn.v]); }
  void set_page_dirty(Pfn pfn) { pages_[pfn.v].dirty = true; }
  void pin(Pfn pfn) { ++pages_[pfn.v].pinned; }  // get_page by KVM
  void unpin(Pfn pfn);

  // --- The per-page steps of reclaim (called by a reclaimer in models/reclaim) ---
  // Isolate, set or clear PG_active, put back: to the active head (SetPageActive), to the inactive
  // head (ClearPageActive; also the putback of an inactive page that cannot go yet).
  void activate(Pfn pfn) { lru_move(pfn, true); }
  void deactivate(Pfn pfn) { lru_move(pfn, false); }
  // page_referenced (mm/rmap.c): TestClearPageReferenced counts 1, and the host pte is tested and
  // cleared with ptep_clear_flush_young_notify: pte young | mmu_notifier_clear_flush_young; at
  // `now`, the swap token counts 1 more (page_referenced_one) for a page of the holder's mm while
  // that mm is in a fault, unless the reclaimer runs in that mm.
  unsigned page_referenced(Pfn pfn, CauseCycles& c, Cycles now = 0);
  // disable_swap_token (put_swap_token of the holder): reclaim at priority 0.
  void disable_swap_token() { token_vm_ = -1; }
  // The VM whose mm holds the swap token, or -1.
  int swap_token_holder() const { return token_vm_; }
  // A swap device exists (total_swap_pages > 0).
  bool has_swap() const { return swap_ != nullptr; }
  // Guest pages mapped by a host pte (NR_ANON_PAGES).
  std::uint64_t mapped_pages() const { return mapped_; }
  // add_to_swap: a slot for the page; false when the device is full (or there is none). A huge
  // page is split first (2.6.38 add_to_swap: split_huge_page), and the slot is its head's; with
  // thp_swap it gets a cluster of 512 slots and stays whole, or, no cluster being free, is split
  // (shrink_page_list's fallback, 4.14) before the head gets a slot. `split_tails`, if given,
  // receives the tails of a split (split_huge_page_to_list: reclaim's private list); they are on
  // the LRU either way.
  bool add_to_swap(Pfn pfn, std::vector<std::uint64_t>* split_tails = nullptr);
  // A reference KVM holds on the page, or on any of the 512 pages of a huge page (page_count).
  bool page_pinned(Pfn pfn) const;
  // Pages the entry of frame `pfn` stands for on the LRU: 512 for a huge page's head, else 1.
  unsigned nr_pages(Pfn pfn) const { return pages_[pfn.v].huge ? 512 : 1; }
  // try_to_unmap (try_to_unmap_one): young again -> false (SWAP_FAIL); else the host pte becomes
  // the swap entry and mmu_notifier_invalidate_page tells KVM to zap its sptes.
  bool try_to_unmap(Pfn pfn, CauseCycles& c);
  // pageout: a swap write of the dirty page, complete at the returned time. With
  // writeback_rotate the page gets PG_reclaim and goes back to the inactive head; without, it
  // leaves the LRU and is freed when the write completes (or goes back to the LRU if refaulted
  // meanwhile).
  Cycles pageout(Pfn pfn, Cycles now);
  // __remove_mapping for a clean, unmapped, swap-cached page: the frame is freed (the data lives
  // on in its swap slot).
  void remove_mapping(Pfn pfn);
  // Ends the swap writes complete by `now` (end_page_writeback); returns the pages freed (none
  // with writeback_rotate: those pages are rotated instead).
  std::uint64_t complete_writeback(Cycles now);
  std::uint64_t writeback_pages() const { return writeback_.size(); }
  Cycles next_writeback_completion() const { return writeback_.empty() ? 0 : writeback_.begin()->first; }
  // The end of a direct reclaim that began at `now` and has spent `spent` cycles: with free pages
  // at or below min and swap writes in flight, the task waits for the first write to complete
  // (2.6.28's throttling in try_to_free_pages; 6.x reclaim_throttle on writeback). Returns the
  // cycles spent in all.
  Cycles throttle_reclaim(Cycles now, Cycles spent) {
    if (free_pages() <= min_pages() && !writeback_.empty()) {
      const Cycles done = next_writeback_completion();
      if (done > now + spent) spent = done - now;
      complete_writeback(now + spent);
    }
    return spent;
  }
  // With writeback_rotate, reclaim keeps a page under writeback on the inactive list and
  // page_mapping_inuse is true for a swap-cache page.
  bool writeback_rotate() const { return cfg_.writeback_rotate; }
  // Huge pages are swapped whole (reclaim.thp_swap = whole).
  bool thp_swap() const { return cfg_.thp_swap; }

  // Watermarks in pages (init_per_zone_pages_min, setup_per_zone_pages_min).
  std::uint64_t min_pages() const { return min_; }
  // 2.6.28 (setup_per_zone_pages_min): low = min + min / 4, high = min + min / 2.
  std::uint64_t low_pages() const { return cfg_.watermark_scale_factor ? min_ + gap_ : min_ + min_ / 4; }
  std::uint64_t high_pages() const { return cfg_.watermark_scale_factor ? min_ + 2 * gap_ : min_ + min_ / 2; }
  std::uint64_t free_pages() const { return frames_.free_count(); }

  const HostPage& page(Pfn pfn) const { return pages_.at(pfn.v); }
  const LruPolicy& lru() const { return *lru_; }
  LruPolicy& lru_policy() { return *lru_; }
  const PageTable& host_table(std::uint16_t vm) const { return *vms_.at(vm).table; }
  const FrameAllocator& frames() const { return frames_; }
  const HostStats& stats() const { return stats_; }
  // Pages read from swap (readahead included).
  std::uint64_t swap_reads() const { return swap_ ? swap_->stats().reads : 0; }
  // PG_locked of a page whose swap read is still in flight at `now`: reclaim leaves it alone.
  bool read_in_flight(Pfn pfn, Cycles now) const {
    if (reading_.empty()) return false;
    const auto it = reading_.find(pfn.v);
    return it != reading_.end() && it->second > now;
  }
  // Its summary.csv figures (host_counters.cc); its frames are FrameAllocator's.
  static const CounterTable<HostMemory>& counters();
  // Swap requests (reads and writes) in flight at `now`.
  std::uint64_t swap_in_flight(Cycles now) const { return swap_ ? swap_->in_flight(now) : 0; }
  // Every frame in use is accounted for once (a host page-table page, a shadow page, or guest
  // memory mapped by its host pte or in writeback); swap entries point at slots in use; no page
  // is both mapped and on swap only; LRU membership matches the flags.
  std::vector<std::string> check() const;

  // --- What MGLRU's page-table walks need (models/reclaim/lru_gen_reclaim) ---
  // mms are numbered 0 .. mms() - 1 (VMs' VMMs and host processes, in the order added).
  std::size_t mms() const { return vms_.size(); }
  // Pages of mm `mm` resident in frames (MM_ANONPAGES).
  std::uint64_t mm_resident(std::uint16_t mm) const { return vms_.at(mm).resident; }
  // The host virtual page of index 0 of mm `mm` (gfn 0 of a VM's memslot; 0 for a process).
  // The pages of a VM's memslot (2^32 for a process).
  std::uint64_t mm_pages(std::uint16_t mm) const { return vms_.at(mm).guest_frames; }
  Vpn mm_base(std::uint16_t mm) const { return Vpn{gfn_to_hva(mm, Gfn{0}).v >> kPageShift}; }
  bool has_notifier(std::uint16_t mm) const { return vms_.at(mm).notifier != nullptr; }
  // mmu_notifier_clear_young (no TLB flush) and mmu_notifier_clear_flush_young of page `index`.
  bool notifier_clear_young(std::uint16_t mm, std::uint64_t index) { return vms_[mm].notifier->clear_young(Gfn{index}); }
  bool notifier_clear_flush_young(std::uint16_t mm, std::uint64_t index, CauseCycles& c) {
    return vms_[mm].notifier->clear_flush_young(Gfn{index}, c);
  }
  // The TLB flush of a host process's page whose young bit was cleared (clear_young_flush).
  void flush_young(std::uint16_t mm, std::uint64_t index) {
    if (cfg_.clear_young_flush && vms_[mm].flush) vms_[mm].flush(Vpn{index});
  }
  // Flags a reclaimer changes (PG_referenced, PG_reclaim, PG_active) on a page it has isolated.
  HostPage& page_flags(Pfn pfn) { return pages_.at(pfn.v); }

  // The host pte of (vm, gfn) (a huge page's pmd), with the size it maps; a null pte if no table holds it.
  LeafRef host_leaf(std::uint16_t vm, Gfn gfn) const;
  Pte* host_pte(std::uint16_t vm, Gfn gfn) const { return host_leaf(vm, gfn).pte; }
  // Swap entries in non-present host ptes: bit 62 marks one, bits 51:12 hold the slot.
  static constexpr std::uint64_t kSwapEntry = 1ull << 62;
  static bool is_swap_entry(Pte p) { return !p.present() && (p.raw & kSwapEntry); }

 private:
  // An mm whose memory the host backs: a VM's VMM (its memslot of guest frames) or a host process.
  struct Vm {
    std::uint64_t guest_frames = 0;
    std::unique_ptr<PageTable> table;
    MmuNotifier* notifier = nullptr;
    bool process = false;                  // a host process: its TLB entries are the host CPUs'
    std::function<void(Vpn)> flush;        // host process: ptep_clear_flush's TLB flush
    // The swap token's per-mm state (mm_struct: token_priority, faultstamp, last_interval), and
    // when the last fault of this mm that waited (for a swap read) held its mmap_sem: [from, until).
    unsigned token_priority = 0;
    std::uint64_t faultstamp = 0, last_interval = 0;
    Cycles mmap_sem_from = 0, mmap_sem_until = 0;
    std::uint64_t resident = 0;  // its pages in frames
    void hold_mmap_sem(Cycles from, Cycles until) {
      if (until <= from) return;
      if (from >= mmap_sem_until) mmap_sem_from = from;  // a new fault; else one overlapping the last
      if (until > mmap_sem_until) mmap_sem_until = until;
    }
    bool in_fault(Cycles now) const { return now >= mmap_sem_from && now < mmap_sem_until; }
  };
  // grab_swap_token (mm/thrash.c) by a task of VM `vm`.
  void grab_swap_token(std::uint16_t vm);
  // The task reclaiming now runs in VM `vm`'s mm (a vCPU's allocation), -1: kswapd or none.
  struct CurrentMm {
    CurrentMm(HostMemory& h, int vm) : h_(h), was_(h.current_vm_) { h.current_vm_ = vm; }
    ~CurrentMm() { h_.current_vm_ = was_; }
    HostMemory& h_;
    int was_;
  };
  void set_mapcount(HostPage& pg, std::uint32_t n) {
    mapped_ += (n > 0) - (pg.mapcount > 0);
    pg.mapcount = n;
  }
  std::uint64_t take_frame(HostPage::Use use, Cycles now, CauseCycles* c);
  void lru_move(Pfn pfn, bool active) {
    lru_->isolate(pfn.v);
    pages_[pfn.v].active = active;
    lru_->putback(pfn.v, pages_[pfn.v]);
  }
  void free_frame(std::uint64_t pfn);
  // workingset_eviction: the policy's shadow of the page in frame `f` goes into its slot; and
  // workingset_refault: a page read from `slot` into frame `f` hands it back.
  void evict(std::uint64_t f);
  void refault(std::uint64_t f, std::uint64_t slot);
  // The frame `f` holds page `index` of mm `mm` (counted resident until freed).
  void own(std::uint64_t f, std::uint16_t mm, std::uint64_t index) {
    pages_[f].vm = mm;
    pages_[f].gfn = static_cast<std::uint32_t>(index);
    ++resident_[vms_[mm].process];
    ++vms_[mm].resident;
  }
  // The page of frame `f` stops being resident.
  void disown(std::uint64_t f) {
    --resident_[vms_[pages_[f].vm].process];
    --vms_[pages_[f].vm].resident;
  }
  // swapin_readahead around `target`, the slot of a major fault: the window [lo, hi) of slots
  // to read, and the reads of those of [lo, hi) not cached yet at `now`, while free pages stay
  // above the low watermark.
  std::pair<std::uint64_t, std::uint64_t> readahead_window(std::uint64_t target) const;
  void read_ahead(std::uint64_t lo, std::uint64_t hi, Cycles now);
  // What a fault on swap-cache page `f` pays for a read still in flight (lock_page).
  Cycles wait_for_read(std::uint64_t f, Cycles now);
  // do_huge_pmd_anonymous_page for the gfn at `hvpn` of VM `vm`: true when it mapped a 2 MiB page.
  bool map_huge(std::uint16_t vm, Gfn gfn, Vpn hvpn, bool write, Cycles now, CauseCycles* c);
  // split_huge_page (mm/huge_memory.c, 2.6.38) of the huge page whose head is `head`.
  void split_huge_page(std::uint64_t head);
  // thp_swap: the huge page `head`, in the swap cache, becomes 512 pages in the swap cache (each
  // keeping its slot, its write state and the head's flags): a refault of one of its pages.
  void split_swapcache_huge(std::uint64_t head);
  // thp_swap: try_to_unmap of a huge page mapped by its pmd (the 4.14 rule).
  bool unmap_huge(std::uint64_t head, CauseCycles& c);
  // thp_swap: the 512 frames of a huge page in the swap cache go back as one order-9 block.
  void free_huge(std::uint64_t head, const char* why);
  // Extends the per-frame arrays to frame `pfn`, which the allocator has just handed out. They
  // cover only frames ever used (the allocator hands out new frames in ascending order), so a
  // large host.mem_mb costs address space, not memory.
  void cover(std::uint64_t pfn);

  HostConfig cfg_;
  FrameAllocator frames_;
  std::vector<HostPage> pages_;  // frames [0, size) ever handed out; capacity: every frame
  std::unique_ptr<LruPolicy> lru_;
  std::unique_ptr<SwapDevice> swap_;
  std::map<std::uint64_t, std::uint64_t> swapcache_;  // slot -> resident pfn
  std::multimap<Cycles, std::uint64_t> writeback_;   // completion time -> pfn
  std::unordered_map<std::uint64_t, Cycles> reading_;  // readahead pfn -> its read's completion time
  std::vector<std::uint64_t> slot_owner_;            // slot -> (vm << 32 | gfn) of the page written to it
  std::vector<Vm> vms_;
  // thp: the page table deposited with each huge page (pgtable_trans_huge_deposit, 2.6.38), by
  // head frame: the split fills it, so a split under memory pressure allocates nothing.
  std::map<std::uint64_t, TableNode*> deposited_;
  ReclaimHooks* reclaim_ = nullptr;
  std::vector<Shrinker*> shrinkers_;
  std::uint64_t min_ = 0, gap_ = 0;  // min watermark; low - min
  std::uint64_t mapped_ = 0;
  std::vector<std::uint64_t> shadow_;  // slot -> the LRU policy's workingset shadow (evict_token)
  std::uint64_t resident_[2] = {0, 0};  // GuestMemory frames of VMs, of host processes
  int token_vm_ = -1, current_vm_ = -1;
  std::uint64_t global_faults_ = 0;
  HostStats stats_;
  EventSink* explain_ = nullptr;
  bool ex() const { return explaining(explain_); }
};

}  // namespace mmusim
