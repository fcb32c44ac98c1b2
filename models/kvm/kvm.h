// The KVM core of one VM (struct kvm and the parts of arch/x86/kvm/mmu.c every paging mode shares,
// Linux 2.6.28): its vCPUs and kvm_flush_remote_tlbs, VM exits, gfn_to_pfn, the rmap of leaf sptes,
// the mmu-notifier handlers with mmu_notifier_seq and mmu_notifier_count, and the hooks of the
// aging policy (kvm.aging). What differs between paging modes (how a fault builds the tables the
// hardware walks, what a CR3 load does) is the PagingMode interface (paging_mode.h); a mode is a
// subclass of Kvm, as 2.6.28 picks vcpu->arch.mmu's operations in init_kvm_mmu. Aging policies see
// this class only, so a policy runs in every mode that keeps an rmap of its leaf sptes.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/counters.h"
#include "common/cycle_causes.h"
#include "common/explain.h"
#include "common/page_size.h"
#include "host/host_memory.h"
#include "kvm/aging/aging_policy.h"
#include "kvm/paging_mode.h"
#include "kvm/rmap.h"
#include "mmu/mmu.h"

namespace mmusim {

struct KvmConfig {
  std::uint64_t max_mmu_pages = 64;  // n_max_mmu_pages (already resolved from 0 = 2% of guest pages)
  bool unsync = true;                // oos_shadow (2.6.28+)
  bool bypass_guest_pf = true;       // notrap sptes: guest #PF on a known-absent pte without an exit
  bool vpid = true;                  // false: every VM exit/entry flushes the vCPU's TLBs (pre-VPID VMX)
  Cycles vmexit_cycles = 2000;
  Cycles shadow_fault_cycles = 2000;
  Cycles pt_write_emulation_cycles = 1500;
  Cycles ipi_cycles = 1500;
  Cycles notifier_call_cycles = 200;  // one mmu-notifier call into KVM (charged to the reclaimer)
  AgingConfig aging;
  // rmap_remove's mark_page_accessed: when the spte had A set (2.6.28), always (2.6.25), never.
  enum class RmapAccessed { SpteA, Always, None } rmap_remove_accessed = RmapAccessed::SpteA;
  // kvm_flush_remote_tlbs with KVM_REQ_TLB_FLUSH (virt/kvm/kvm_main.c, 2.6.28): no IPI to a vCPU
  // whose request is still pending or that is not in guest mode; false: an IPI to every other vCPU.
  bool flush_request_bit = false;
  // Nested paging (TdpMmu): the hardware sets A/D bits in EPT entries (Haswell and later;
  // KVM's enable_ept_ad_bits), and KVM's handling of an EPT violation beyond the exit.
  bool ept_ad_bits = false;
  Cycles tdp_fault_cycles = 1000;
  // Nested paging with host.thp: an EPT violation maps a 2 MiB EPT entry where the host maps the
  // gfn's 2 MiB range with a huge page (transparent_hugepage_adjust, 2.6.38).
  bool host_thp = false;
};

enum class ExitReason { ShadowPageFault, PtWrite, Cr3Load, FlushIpi, AccessTrack, EptViolation, kCount };
const char* exit_name(ExitReason r);

struct KvmStats {
  std::uint64_t exits[static_cast<int>(ExitReason::kCount)] = {};
  std::uint64_t shadow_page_faults = 0;  // FNAME(page_fault) runs (a fault exit, or an unsync fault)
  std::uint64_t pt_write_traps = 0;      // guest pte stores emulated (kvm_mmu_pte_write)
  std::uint64_t guest_pf_injected = 0;   // guest #PF found by KVM's guest walk and injected
  std::uint64_t guest_pf_direct = 0;     // guest #PF delivered by the hardware without an exit (notrap spte; nested paging)
  std::uint64_t sptes_created = 0;       // leaf sptes (EPT entries under nested paging) made present
  std::uint64_t sptes_prefetched = 0;    // of which by kvm_mmu_pte_write (update spte on write)
  std::uint64_t sptes_zapped = 0;        // leaf sptes dropped
  std::uint64_t sptes_zapped_shadow_cache = 0;  // of which because their shadow page was evicted
  std::uint64_t shadow_pages_created = 0, shadow_pages_zapped = 0, shadow_cache_evictions = 0;
  std::uint64_t remote_tlb_flushes = 0;  // kvm_flush_remote_tlbs calls
  std::uint64_t remote_flush_requests = 0;  // KVM_REQ_TLB_FLUSH requests made of other vCPUs
  std::uint64_t remote_flush_ipis = 0;      // of those, IPIs sent (the rest coalesced or not in guest mode)
  std::uint64_t unsyncs = 0, resyncs = 0, write_flood_zaps = 0;
  std::uint64_t notifier_invalidates = 0;  // invalidate_page calls (pages the host reclaimed)
  std::uint64_t notifier_young_calls = 0;  // clear_flush_young calls (the host's page_referenced)
  std::uint64_t young_hits = 0;            // of which KVM answered young
  std::uint64_t sptes_zapped_invalidate = 0, sptes_zapped_aging = 0, sptes_dropped_lru = 0;
  std::uint64_t notifier_retries = 0;      // faults dropped by mmu_notifier_retry after sleeping
  std::uint64_t mmu_shrink_zaps = 0;       // shadow pages zapped by mmu_shrink
  std::uint64_t large_sptes = 0;           // of sptes_created, 2 MiB leaves (nested mode: EPT entries)
  std::uint64_t vmexits() const;
};

class Kvm : public MmuNotifier, public PagingMode {
 public:
  enum class ZapReason { Invalidate, Aging, LruDrop };

  Kvm(std::uint16_t vm, HostMemory& host, const KvmConfig& cfg);
  ~Kvm() override;
  Kvm(const Kvm&) = delete;
  Kvm& operator=(const Kvm&) = delete;

  std::uint16_t vm() const { return vm_; }
  // The current simulated time in cycles (for swap I/O and writeback completion).
  void set_clock(std::function<Cycles()> now) { now_ = std::move(now); }

  // vCPU `cpu` of this VM, its TLBs and where the exits others cause it are charged.
  // cpu: the machine-wide CPU number; index: the vCPU's number in this VM (as explain names it).
  void add_vcpu(unsigned cpu, unsigned index, Mmu* mmu, std::function<void(const CauseCycles&)> charge);
  // vCPU `cpu` has stopped: remote flushes no longer interrupt it.
  void vcpu_finished(unsigned cpu) { vcpus_.at(cpu).finished = true; }

  // MmuNotifier (virt/kvm/kvm_main.c kvm_mmu_notifier_*): the host reclaims or ages a page of this VM.
  void invalidate_page(Gfn gfn, CauseCycles& c) override;
  void invalidate_range_start(Gfn first, Gfn last, CauseCycles& c) override;
  void invalidate_range_end(Gfn first, Gfn last) override;
  bool clear_flush_young(Gfn gfn, CauseCycles& c) override;
  bool clear_young(Gfn gfn) override;
  bool test_young(Gfn gfn) override;

  // For the aging policies and the modes.
  HostMemory& host() { return host_; }
  // Whether the hardware sets accessed bits in this mode's leaf sptes (shadow_accessed_mask != 0):
  // sptes do; EPT entries only with EPT A/D bits.
  virtual bool accessed_bits() const { return true; }
  // Nested paging: the EPT leaf entries mapping a gfn at the end (0 in other modes).
  virtual std::size_t ept_entries() const { return 0; }
  // For mmu_shrink (mmu_shrink.h): the pages the mode could free (n_alloc_mmu_pages -
  // n_free_mmu_pages), and kvm_mmu_remove_one_alloc_mmu_page: zap the oldest one; false if none
  // can go. Modes whose pages the shrinker cannot free answer 0 and false.
  virtual std::size_t shrinkable_pages() const { return 0; }
  virtual bool remove_one_mmu_page(CauseCycles& c) { (void)c; return false; }
  // The leaf sptes mapping `gfn`, in the order they were added (the rmap).
  // The leaves that map `gfn`: its 4 KiB sptes, then the 2 MiB ones of its 2 MiB range
  // (kvm_handle_hva: the rmap, then lpage_info's rmap_pde).
  std::vector<Pte*> sptes_of(std::uint64_t gfn) const {
    std::vector<Pte*> v = rmap_.list(gfn);
    rmap_pde_.for_each(gfn >> 9, [&](Pte* p) { v.push_back(p); });
    return v;
  }
  // Drops one leaf spte for aging and flushes the VM's TLBs (`flush` = false only to show the
  // invariant checker catching a broken policy).
  void drop_spte_for_aging(Pte* spte, ZapReason why, CauseCycles& c, bool flush = true);
  // Replaces the aging policy (tests and experiments with a policy of their own).
  void replace_policy(std::unique_ptr<AgingPolicy> p) { policy_ = std::move(p); }
  // kvm_flush_remote_tlbs: every vCPU of the VM flushes; the others get KVM_REQ_TLB_FLUSH and an
  // IPI (kvm.flush_request_bit: none while a request is pending or the vCPU is out of guest mode).
  void flush_remote_tlbs(CauseCycles& c);

  const KvmStats& stats() const { return stats_; }
  void set_explain(EventSink* sink) { explain_ = sink; }
  // Its summary.csv figures (summed over VMs).
  static const CounterTable<Kvm>& counters();

 protected:
  struct Vcpu {
    unsigned index = 0;  // its number in the VM
    Mmu* mmu = nullptr;
    std::function<void(const CauseCycles&)> charge;
    bool finished = false;  // replayed all its records: no longer in guest mode
    // KVM_REQ_TLB_FLUSH set by an IPI at a time before this: pending (the vCPU has not yet taken
    // the exit and entered again) until then.
    Cycles flush_request_until = 0;
  };
  static constexpr unsigned kNoCpu = ~0u;

  // A VM exit of `cpu` for `why`: its cost, and the TLB flush of a VMX without VPID.
  void vm_exit(unsigned cpu, ExitReason why, CauseCycles& c);
  // gfn_to_pfn (2.6.28 asks get_user_pages for write access whatever the access): the host frame
  // backing `gfn`; a host fault's cycles go to `c`.
  Pfn gfn_to_pfn(std::uint64_t gfn, CauseCycles& c);
  // mmu_notifier_retry: an invalidation ran, or is running, since `seq` was read.
  bool mmu_notifier_retry(std::uint64_t seq) const { return notifier_count_ > 0 || notifier_seq_ != seq; }
  std::uint64_t mmu_notifier_seq() const { return notifier_seq_; }

  // The mode's part of rmap_remove: the leaf `spte` of `gfn` is dropped (zapped, or made
  // non-present by aging). The mode removes it from the rmap, tells the policy, and passes its
  // accessed and dirty bits to the host page.
  virtual void drop_leaf(Pte* spte) = 0;
  // Whether vCPU `cpu` is out of guest mode, asleep in the mode's fault path (a swap read).
  virtual bool vcpu_sleeping(unsigned cpu) const { (void)cpu; return false; }
  // The mode's name of a leaf's gfn for explain mode.
  virtual std::uint64_t gfn_of_leaf(const Pte* spte) const = 0;

  // Adds a leaf spte of `gfn` to the rmap and tells the aging policy (rmap_add).
  void rmap_add(std::uint64_t gfn, Pte* spte, PageSize size);
  // Removes it (rmap_remove): its accessed bit refreshes the host page (mark_page_accessed;
  // kvm.rmap_remove_accessed: every spte, 2.6.25, or none), a writable one dirties it.
  void rmap_remove(std::uint64_t gfn, Pte* spte, PageSize size);

  // Marks the span of one vCPU's exit handling: `cpu` is the requester of the flushes it makes.
  struct InVcpu {
    InVcpu(Kvm& k, unsigned cpu) : flag_(k.in_vcpu_) {
      k.current_cpu_ = cpu;
      flag_ = true;
    }
    ~InVcpu() { flag_ = false; }
    bool& flag_;
  };

  bool ex() const { return explaining(explain_); }

  std::uint16_t vm_;
  HostMemory& host_;
  KvmConfig cfg_;
  std::map<unsigned, Vcpu> vcpus_;
  unsigned current_cpu_ = 0;  // the vCPU whose guest is running KVM's caller (for pte-write traps)
  bool in_vcpu_ = false;      // handling one of that vCPU's exits (a notifier call then comes from its direct reclaim)
  std::unique_ptr<AgingPolicy> policy_;
  std::function<Cycles()> now_ = [] { return Cycles{0}; };
  Rmap rmap_;      // gfn -> 4 KiB leaf sptes mapping it
  Rmap rmap_pde_;  // 2 MiB page number (gfn >> 9) -> 2 MiB leaf sptes (lpage_info's rmap_pde)
  KvmStats stats_;
  EventSink* explain_ = nullptr;

 private:
  std::uint64_t notifier_seq_ = 0;    // kvm->mmu_notifier_seq: bumped by every invalidation
  std::uint64_t notifier_count_ = 0;  // kvm->mmu_notifier_count: invalidate_range_start..end in progress
};

}  // namespace mmusim
