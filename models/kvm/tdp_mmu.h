// KVM's two-dimensional paging for one VM (TDP: Intel EPT, AMD NPT), the second paging mode
// (paging_mode.h) of the KVM core (kvm.h), as Linux 2.6.28 runs it (arch/x86/kvm/mmu.c
// tdp_page_fault, __direct_map; vmx.c with enable_ept): the hardware walks the guest's own page
// tables and, for every guest-physical address on the way, the VM's EPT, a 4-level table in host
// kernel pages that maps gfn to pfn. Guest page faults, guest page-table writes and CR3 loads do
// not exit; a guest-physical page the EPT does not map exits (EPT violation) and KVM maps it:
// gfn -> hva -> host page (a host fault, or a swap read), then the EPT entry and its rmap, with
// the mmu_notifier_seq retry of shadow mode. EPT entries are KVM's leaf sptes here: the rmap, the
// mmu-notifier handlers and the aging policies of the core work on them unchanged. They have A/D
// bits only with kvm.ept_ad_bits (Haswell and later); without them the core's aging sees none.
//
// Simplifications (docs/fidelity.md, "Nested paging"): EPT table pages are not limited by
// kvm.max_mmu_pages (2.6.28 puts them on active_mmu_pages; 2% of guest pages is always more than
// the 1/512 the EPT needs) and are never freed while the VM runs; the guest kernel's own accesses
// (clearing a new frame, storing its ptes) are not translated, as in shadow mode, so a new frame's
// EPT violation comes at its first hardware access instead of at clear_page (one exit either way).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "guest/guest_os.h"
#include "kvm/kvm.h"

namespace mmusim {

class TdpMmu final : public Kvm, public GuestHooks {
 public:
  TdpMmu(std::uint16_t vm, HostMemory& host, GuestOs& guest, const KvmConfig& cfg);
  ~TdpMmu() override;

  // PagingMode. new_cr3: the guest loads CR3 without an exit; the hardware walks the guest's PML4
  // (the EPT root, allocated at the first load as mmu_alloc_roots does, is nested_root()).
  // page_fault: a guest-dimension fault is the guest's own #PF, delivered without an exit; a
  // nested-dimension fault is an EPT violation (tdp_page_fault), or the fast page fault of an
  // access-tracked entry. A fault that sleeps on a swap read is continued by finish_fault.
  TableNode* new_cr3(unsigned cpu, std::uint32_t pid, bool first, CauseCycles& cost) override;
  CauseCycles page_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) override;
  CauseCycles finish_fault(unsigned cpu) override;
  std::size_t mode_pages() const override { return tables_.size(); }
  // EPT links, rmap vs EPT leaves, EPT leaves vs the host's mapping of each gfn.
  std::vector<std::string> check() const override;
  TableNode* root_of_pid(std::uint32_t pid) const override;
  // A guest table the page-walk cache may hold: still the guest's table at that gfn, and the gfn
  // still mapped by the EPT (the cache skips its EPT translation).
  bool table_live(std::uint64_t gfn, const TableNode* node) const override;
  TableNode* nested_root() const override { return root_ ? &root_->node : nullptr; }
  bool ept_table_live(std::uint64_t frame, const TableNode* node) const override;

  bool accessed_bits() const override { return cfg_.ept_ad_bits; }
  std::size_t ept_entries() const override { return rmap_.size() + rmap_pde_.size(); }

  // GuestHooks: a cleared frame is backed by the host (gfn_to_pfn); a guest pte store costs
  // nothing beyond the store (the guest owns its tables under nested paging).
  CauseCycles guest_frame_cleared(std::uint64_t gfn) override;
  CauseCycles guest_pte_write(TableNode*, unsigned, Pte, Pte) override { return {}; }

  // The EPT entry of `gfn` (present or not), or nullptr when a table on its path is missing.
  Pte* ept_entry(std::uint64_t gfn) const;

 protected:
  void drop_leaf(Pte* spte) override;
  std::uint64_t gfn_of_leaf(const Pte* spte) const override;
  bool vcpu_sleeping(unsigned cpu) const override {
    const auto it = sleeping_.find(cpu);
    return it != sleeping_.end() && it->second.asleep;
  }

 private:
  // One EPT table page: its entries, and the first gfn it spans (for the gfn of a leaf).
  struct EptTable {
    EptTable(unsigned level, std::uint64_t first) : node(level), first_gfn(first) {}
    TableNode node;
    std::uint64_t first_gfn;
  };
  // A fault asleep on a swap read: what it continues with once the vCPU has waited.
  struct Sleeping {
    bool asleep = false, write = false;
    std::uint64_t seq = 0, gfn = 0;
    Pfn pfn;
  };

  EptTable* new_table(unsigned level, std::uint64_t first_gfn, CauseCycles& c);
  // __direct_map: the EPT tables missing on the path of `gfn`, then its leaf entry -> `pfn`,
  // unless an invalidation ran since `seq` (mmu_notifier_retry: the access faults again).
  void direct_map(std::uint64_t gfn, Pfn pfn, bool write, std::uint64_t seq, CauseCycles& c);
  // The EPT tables on the path of `gfn` down to the table of level `down_to`, made where missing.
  TableNode* ept_tables(std::uint64_t gfn, unsigned down_to, CauseCycles& c);
  // host.thp: a 2 MiB entry where the host maps a huge page (transparent_hugepage_adjust).
  bool map_large(std::uint64_t gfn, Pfn pfn, bool write, CauseCycles& c);
  const EptTable* table_of(const Pte* e) const;

  GuestOs& guest_;
  std::map<unsigned, std::uint32_t> pid_of_;  // the guest process each vCPU runs
  std::map<unsigned, Sleeping> sleeping_;
  EptTable* root_ = nullptr;
  std::map<std::uint64_t, std::unique_ptr<EptTable>> tables_;  // by host frame
  std::map<const Pte*, EptTable*> table_at_entry_;               // &node.e[0] -> table
};

}  // namespace mmusim
