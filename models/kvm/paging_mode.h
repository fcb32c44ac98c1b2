// How a KVM paging mode builds the tables the hardware walks (struct kvm_mmu, Linux 2.6.28, whose
// operations init_kvm_mmu picks: nonpaging, paging32/64 with shadow pages, or tdp). Shadow paging
// (shadow_mmu.h) is the first mode; nested paging (tdp_mmu.h, TDP/EPT) the second. The KVM core (kvm.h)
// holds what the modes share; a mode is a Kvm subclass that implements this interface.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "common/addr.h"
#include "mmu/mmu.h"
#include "paging/page_table.h"

namespace mmusim {

class PagingMode {
 public:
  virtual ~PagingMode() = default;

  // kvm_mmu_new_cr3: the guest on `cpu` loads CR3 with the PML4 of `pid` (a VM exit unless
  // `first`); returns the root the hardware walks from now on. A mode that keeps unsync pages
  // syncs them here (mmu_sync_roots).
  virtual TableNode* new_cr3(unsigned cpu, std::uint32_t pid, bool first, CauseCycles& cost) = 0;
  // kvm_mmu_page_fault: the hardware's walk failed for `vpn` on `cpu`; t says at which level and
  // why. Returns the cycles by cause. A fault that slept on a swap read (major_fault > 0) is
  // continued by finish_fault once the vCPU has waited.
  virtual CauseCycles page_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) = 0;
  virtual CauseCycles finish_fault(unsigned cpu) = 0;

  // Pages of KVM memory the mode's tables take (shadow pages; later EPT tables).
  virtual std::size_t mode_pages() const = 0;
  // Invariant checks of the mode's tables against the guest's and the host's.
  virtual std::vector<std::string> check() const = 0;
  // The checker's view for translation caches: the root the hardware walks for `pid`, and
  // whether `node` at host frame `frame` is one of the mode's live tables.
  virtual TableNode* root_of_pid(std::uint32_t pid) const = 0;
  virtual bool table_live(std::uint64_t frame, const TableNode* node) const = 0;
  // A two-dimensional mode (nested paging): the root of the table the hardware walks for
  // guest-physical addresses (the EPT), once a vCPU has loaded a CR3; nullptr in other modes.
  // ept_table_live: whether `node` at host frame `frame` is one of its tables.
  virtual TableNode* nested_root() const { return nullptr; }
  virtual bool ept_table_live(std::uint64_t frame, const TableNode* node) const { (void)frame, (void)node; return false; }
};

}  // namespace mmusim
