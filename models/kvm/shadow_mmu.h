// KVM's shadow MMU for one VM (arch/x86/kvm/mmu.c and paging_tmpl.h, Linux 2.6.28): the shadow
// page cache keyed by (guest table gfn, level) with the FIFO active_mmu_pages and its limit, sptes
// and their rmap, write protection of guest page tables with trapped and emulated guest pte writes
// (kvm_mmu_pte_write, write flooding), unsync level-1 pages resynced at CR3 loads, the shadow page
// fault path FNAME(page_fault), and kvm_flush_remote_tlbs.
#pragma once
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "common/explain.h"
#include "guest/guest_os.h"
#include "kvm/aging/aging_policy.h"
#include "host/host_memory.h"
#include "kvm/kvm_mmu_page.h"
#include "kvm/rmap.h"
#include "mmu/checker.h"
#include "mmu/mmu.h"
#include "paging/walker.h"

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
};

enum class ExitReason { ShadowPageFault, PtWrite, Cr3Load, FlushIpi, AccessTrack, kCount };

struct KvmStats {
  std::uint64_t exits[static_cast<int>(ExitReason::kCount)] = {};
  std::uint64_t shadow_page_faults = 0;  // FNAME(page_fault) runs (a fault exit, or an unsync fault)
  std::uint64_t pt_write_traps = 0;      // guest pte stores emulated (kvm_mmu_pte_write)
  std::uint64_t guest_pf_injected = 0;   // guest #PF found by KVM's guest walk and injected
  std::uint64_t guest_pf_direct = 0;     // guest #PF delivered by the hardware without an exit
  std::uint64_t sptes_created = 0;       // leaf sptes made present (faults and pte-write prefetch)
  std::uint64_t sptes_prefetched = 0;    // of which by kvm_mmu_pte_write (update spte on write)
  std::uint64_t sptes_zapped = 0;        // leaf sptes dropped
  std::uint64_t sptes_zapped_shadow_cache = 0;  // of which because their shadow page was evicted
  std::uint64_t shadow_pages_created = 0, shadow_pages_zapped = 0, shadow_cache_evictions = 0;
  std::uint64_t remote_tlb_flushes = 0;  // kvm_flush_remote_tlbs calls
  std::uint64_t unsyncs = 0, resyncs = 0, write_flood_zaps = 0;
  std::uint64_t notifier_invalidates = 0;  // invalidate_page calls (pages the host reclaimed)
  std::uint64_t notifier_young_calls = 0;  // clear_flush_young calls (the host's page_referenced)
  std::uint64_t young_hits = 0;            // of which KVM answered young
  std::uint64_t sptes_zapped_invalidate = 0, sptes_zapped_aging = 0, sptes_dropped_lru = 0;
  std::uint64_t notifier_retries = 0;      // faults dropped by mmu_notifier_retry after sleeping
  std::uint64_t vmexits() const;
};

class ShadowMmu : public GuestHooks, public MmuNotifier {
 public:
  enum class ZapReason { Invalidate, Aging, LruDrop };

  ShadowMmu(std::uint16_t vm, HostMemory& host, GuestOs& guest, const KvmConfig& cfg);
  ~ShadowMmu() override;

  // The current simulated time in cycles (for swap I/O and writeback completion).
  void set_clock(std::function<Cycles()> now) { now_ = std::move(now); }

  // vCPU `cpu` of this VM, its TLBs and where the exits others cause it are charged.
  // cpu: the machine-wide CPU number; index: the vCPU's number in this VM (as explain names it).
  void add_vcpu(unsigned cpu, unsigned index, Mmu* mmu, std::function<void(const CauseCycles&)> charge);
  // vCPU `cpu` has stopped: remote flushes no longer interrupt it.
  void vcpu_finished(unsigned cpu) { vcpus_.at(cpu).finished = true; }

  // The guest on `cpu` loads CR3 with the PML4 of `pid` (a VM exit unless `first`); returns the
  // shadow root the hardware walks. kvm_mmu_new_cr3 + mmu_sync_roots.
  TableNode* load_cr3(unsigned cpu, std::uint32_t pid, bool first, CauseCycles& cost);

  // The hardware's walk of the shadow table failed for `vpn` on `cpu` (NotPresent or
  // Protection). Either the #PF goes to the guest directly (notrap spte) or the vCPU exits and
  // KVM runs FNAME(page_fault). Returns the cycles by cause.
  // A fault whose host page had to be read from swap sleeps: it returns with the stall in
  // major_fault and the vCPU, once it has waited, calls finish_fault. If an invalidation ran
  // meanwhile (mmu_notifier_retry: mmu_notifier_seq moved) the fault is dropped and the access
  // faults again; else the spte is installed.
  CauseCycles page_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t);
  CauseCycles finish_fault(unsigned cpu);

  // GuestHooks: the guest cleared a new frame (the host backs the gfn), or stored into one of its
  // page-table pages.
  CauseCycles guest_frame_cleared(std::uint64_t gfn) override;
  CauseCycles guest_pte_write(TableNode* table, unsigned index, Pte old_value, Pte value) override;

  // MmuNotifier: the host reclaims or ages a page of this VM.
  void invalidate_page(Gfn gfn, CauseCycles& c) override;
  void invalidate_range_start(Gfn first, Gfn last, CauseCycles& c) override;
  void invalidate_range_end(Gfn, Gfn) override {}
  bool clear_flush_young(Gfn gfn, CauseCycles& c) override;
  bool clear_young(Gfn gfn) override;
  bool test_young(Gfn gfn) override;

  // For the aging policies.
  HostMemory& host() { return host_; }
  std::vector<Pte*> sptes_of(std::uint64_t gfn) const;
  // Drops one leaf spte for aging and flushes the VM's TLBs (`flush` = false only to show the
  // invariant checker catching a broken policy).
  void drop_spte_for_aging(Pte* spte, ZapReason why, CauseCycles& c, bool flush = true);
  // Replaces the aging policy (tests and experiments with a policy of their own).
  void replace_policy(std::unique_ptr<AgingPolicy> p) { policy_ = std::move(p); }
  void flush_remote_tlbs(CauseCycles& c);

  // Invariant checks: shadow page links, rmap vs sptes, sptes vs guest and host tables.
  std::vector<std::string> check() const;
  // The checker's view for translation caches: ctx -> root of the (vm, pid) it stands for.
  TableNode* root_of_pid(std::uint32_t pid) const;
  bool table_live(std::uint64_t frame, const TableNode* node) const;

  const KvmStats& stats() const { return stats_; }
  void set_explain(ExplainSink* sink) { explain_ = sink; }
  std::size_t shadow_pages() const { return pages_.size(); }
  // Its summary.csv figures (summed over VMs).
  static const CounterTable<ShadowMmu>& counters();

 private:
  struct Vcpu {
    unsigned index = 0;  // its number in the VM
    Mmu* mmu = nullptr;
    std::function<void(const CauseCycles&)> charge;
    KvmMmuPage* root = nullptr;
    std::uint32_t pid = 0;
    // Write-flood detection (kvm_mmu_pte_write): last gfn written, how often, the spte updated.
    std::uint64_t last_pt_write_gfn = ~0ull;
    unsigned last_pt_write_count = 0;
    Pte* last_pte_updated = nullptr;
    bool finished = false;  // replayed all its records: no longer in guest mode
    // A fault asleep on a swap read (gfn_to_pfn): what it continues with once the vCPU has waited.
    bool sleeping = false;
    std::uint64_t seq = 0;  // mmu_notifier_seq when the fault began
    Vpn vpn;
    bool write = false, fetch = false;
    Pfn pfn;
  };
  using Key = std::pair<std::uint64_t, unsigned>;  // (gfn, level)

  void vm_exit(Vcpu& v, ExitReason why, CauseCycles& c);
  KvmMmuPage* get_page(Gfn gfn, unsigned level, CauseCycles& c);
  void free_some_pages(CauseCycles& c);
  void zap_page(KvmMmuPage* sp, CauseCycles& c, bool evicting);
  void drop_spte(KvmMmuPage* sp, unsigned i, bool evicting);
  void set_spte(KvmMmuPage* sp, unsigned i, Pte gpte, Pfn pfn, bool speculative, bool can_unsync, CauseCycles& c);
  bool need_write_protect(std::uint64_t gfn, bool can_unsync);
  void unsync_page(KvmMmuPage* sp);
  void zap_unsync_children(KvmMmuPage* sp, CauseCycles& c);
  bool rmap_write_protect(std::uint64_t gfn);
  bool sync_page(KvmMmuPage* sp, CauseCycles& c);
  void sync_roots(KvmMmuPage* sp, CauseCycles& c);
  Pfn host_fault(std::uint64_t gfn, CauseCycles& c);
  void fetch_sptes(Vcpu& v, Vpn vpn, bool write, const WalkResult& gw, Pfn pfn, std::uint64_t seq, CauseCycles& c);
  KvmMmuPage* sp_of(const Pte* spte) const;
  static constexpr unsigned kNoCpu = ~0u;
  std::vector<KvmMmuPage*> pages_of(std::uint64_t gfn) const;
  const TableNode* guest_table(std::uint64_t gfn) const;

  std::uint16_t vm_;
  HostMemory& host_;
  GuestOs& guest_;
  KvmConfig cfg_;
  std::map<unsigned, Vcpu> vcpus_;
  unsigned current_cpu_ = 0;  // the vCPU whose guest is running KVM's caller (for pte-write traps)
  bool in_vcpu_ = false;      // handling one of that vCPU's exits (a notifier call then comes from its direct reclaim)
  std::map<Key, std::unique_ptr<KvmMmuPage>> pages_;  // the shadow page hash
  std::map<std::uint64_t, KvmMmuPage*> page_at_frame_;
  std::map<const Pte*, KvmMmuPage*> page_at_spt_;     // &sp->spt.e[0] -> sp
  std::unique_ptr<AgingPolicy> policy_;
  std::function<Cycles()> now_ = [] { return Cycles{0}; };
  std::uint64_t notifier_seq_ = 0;  // kvm->mmu_notifier_seq: bumped by every invalidation
  std::list<KvmMmuPage*> active_;                     // active_mmu_pages: newest first
  Rmap rmap_;                                         // gfn -> leaf sptes mapping it
  KvmStats stats_;
  ExplainSink* explain_ = nullptr;
  bool ex() const { return explaining(explain_); }
};

}  // namespace mmusim
