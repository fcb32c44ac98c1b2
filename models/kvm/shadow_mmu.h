// KVM's shadow MMU for one VM (arch/x86/kvm/mmu.c and paging_tmpl.h, Linux 2.6.28), the first
// paging mode (paging_mode.h) of the KVM core (kvm.h): the shadow page cache keyed by (guest table
// gfn, role) with the FIFO active_mmu_pages and its limit, sptes, write protection of guest page
// tables with trapped and emulated guest pte writes (kvm_mmu_pte_write, write flooding), unsync
// level-1 pages resynced at CR3 loads, and the shadow page fault path FNAME(page_fault).
#pragma once
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "guest/guest_os.h"
#include "kvm/kvm.h"
#include "kvm/kvm_mmu_page.h"
#include "paging/walker.h"

namespace mmusim {

class ShadowMmu final : public Kvm, public GuestHooks {
 public:
  ShadowMmu(std::uint16_t vm, HostMemory& host, GuestOs& guest, const KvmConfig& cfg);
  ~ShadowMmu() override;

  // PagingMode. new_cr3 is kvm_mmu_new_cr3 + mmu_sync_roots; page_fault either lets the #PF go
  // to the guest directly (notrap spte) or exits and runs FNAME(page_fault). A fault whose host
  // page had to be read from swap sleeps: it returns with the stall in major_fault and the vCPU,
  // once it has waited, calls finish_fault. If an invalidation ran meanwhile (mmu_notifier_retry)
  // the fault is dropped and the access faults again; else the spte is installed.
  TableNode* new_cr3(unsigned cpu, std::uint32_t pid, bool first, CauseCycles& cost) override;
  CauseCycles page_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) override;
  CauseCycles finish_fault(unsigned cpu) override;
  std::size_t mode_pages() const override { return pages_.size(); }
  // Shadow page links, rmap vs sptes, sptes vs guest and host tables.
  std::vector<std::string> check() const override;
  TableNode* root_of_pid(std::uint32_t pid) const override;
  bool table_live(std::uint64_t frame, const TableNode* node) const override;
  // mmu_shrink: the shadow pages, and the oldest that is no root in use (a simplification, as in
  // free_some_pages: 2.6.28 would zap a root too, making its vCPUs reload it) zapped.
  std::size_t shrinkable_pages() const override { return pages_.size(); }
  bool remove_one_mmu_page(CauseCycles& c) override;

  // GuestHooks: the guest cleared a new frame (the host backs the gfn), or stored into one of its
  // page-table pages.
  CauseCycles guest_frame_cleared(std::uint64_t gfn) override;
  CauseCycles guest_pte_write(TableNode* table, unsigned index, Pte old_value, Pte value) override;

 protected:
  void drop_leaf(Pte* spte) override;
  std::uint64_t gfn_of_leaf(const Pte* spte) const override;
  bool vcpu_sleeping(unsigned cpu) const override {
    const auto it = shadow_vcpus_.find(cpu);
    return it != shadow_vcpus_.end() && it->second.sleeping;
  }

 private:
  // What the shadow MMU keeps per vCPU beyond the core's.
  struct ShadowVcpu {
    KvmMmuPage* root = nullptr;
    std::uint32_t pid = 0;
    // Write-flood detection (kvm_mmu_pte_write): last gfn written, how often, the spte updated.
    std::uint64_t last_pt_write_gfn = ~0ull;
    unsigned last_pt_write_count = 0;
    Pte* last_pte_updated = nullptr;
    // A fault asleep on a swap read (gfn_to_pfn): what it continues with once the vCPU has waited.
    bool sleeping = false;
    std::uint64_t seq = 0;  // mmu_notifier_seq when the fault began
    Vpn vpn;
    bool write = false, fetch = false;
    Pfn pfn;
  };
  using Key = std::pair<std::uint64_t, KvmMmuPageRole>;  // (gfn, role)

  // The shadow state of `cpu`, made at its first use; `cpu` must be one of this VM's vCPUs.
  ShadowVcpu& sv(unsigned cpu) {
    if (const auto it = shadow_vcpus_.find(cpu); it != shadow_vcpus_.end()) return it->second;
    vcpus_.at(cpu);
    return shadow_vcpus_[cpu];
  }
  KvmMmuPage* get_page(Gfn gfn, unsigned level, CauseCycles& c);
  KvmMmuPage* new_page(Gfn gfn, KvmMmuPageRole role, CauseCycles& c);
  void free_some_pages(CauseCycles& c);
  void zap_page(KvmMmuPage* sp, CauseCycles& c, bool evicting);
  void drop_spte(KvmMmuPage* sp, unsigned i, bool evicting);
  void set_spte(KvmMmuPage* sp, unsigned i, Pte gpte, Pfn pfn, bool speculative, bool can_unsync, CauseCycles& c);
  bool need_write_protect(std::uint64_t gfn, bool can_unsync);
  bool has_wrprotected_page(std::uint64_t first_gfn) const;
  KvmMmuPage* get_direct_page(Gfn first_gfn, unsigned level, std::uint8_t access, CauseCycles& c);
  void set_large_spte(KvmMmuPage* sp, unsigned i, Pte pde, Pfn pfn, CauseCycles& c);
  void unsync_page(KvmMmuPage* sp);
  void zap_unsync_children(KvmMmuPage* sp, CauseCycles& c);
  bool rmap_write_protect(std::uint64_t gfn);
  bool sync_page(KvmMmuPage* sp, CauseCycles& c);
  void sync_roots(KvmMmuPage* sp, CauseCycles& c);
  void fetch_sptes(unsigned cpu, Vpn vpn, bool write, const WalkResult& gw, Pfn pfn, std::uint64_t seq, CauseCycles& c);
  KvmMmuPage* sp_of(const Pte* spte) const;
  std::vector<KvmMmuPage*> pages_of(std::uint64_t gfn) const;
  const TableNode* guest_table(std::uint64_t gfn) const;

  GuestOs& guest_;
  std::map<unsigned, ShadowVcpu> shadow_vcpus_;
  std::map<Key, std::unique_ptr<KvmMmuPage>> pages_;  // the shadow page hash
  std::map<std::uint64_t, KvmMmuPage*> page_at_frame_;
  std::map<const Pte*, KvmMmuPage*> page_at_spt_;     // &sp->spt.e[0] -> sp
  std::list<KvmMmuPage*> active_;                     // active_mmu_pages: newest first
};

}  // namespace mmusim
