// How KVM lets the host know which guest pages are hot (kvm.aging). One class per policy behind
// this interface; a new policy is one file in models/kvm/aging/ and one line in the registry of
// aging_policy.cc. A policy sees the KVM core (kvm.h) only, not a paging mode: it is told the gfn
// and the page size of each leaf it ages, and reaches the leaves of a gfn through the core's rmap.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/addr.h"
#include "common/cycle_causes.h"
#include "common/page_size.h"
#include "paging/pte.h"

namespace mmusim {

class Kvm;

struct AgingConfig {
  std::string name = "notifier";
  std::uint64_t spte_lru_drop_every = 16;  // spte-lru: drop the oldest spte every X pages reclaimed
  bool flush_on_young = true;              // young: flush remote TLBs when the harvest found A set
  bool access_track_mark = true;           // access-track: mark sptes (4.14+) rather than zap (2.6.34)
  Cycles fast_fault_cycles = 300;          // access-track mark: restoring a marked spte
};

class AgingPolicy {
 public:
  virtual ~AgingPolicy() = default;
  // mmu_notifier_clear_flush_young for a page of this VM: was it used since the last call?
  virtual bool clear_flush_young(Kvm& kvm, std::uint64_t gfn, CauseCycles& c) { return false; }
  virtual bool clear_young(Kvm& kvm, std::uint64_t gfn) { return false; }
  virtual bool test_young(Kvm& kvm, std::uint64_t gfn) { return false; }
  // A leaf spte mapping `gfn` (a page of `size`) became present / is being dropped (rmap_add,
  // rmap_remove).
  virtual void spte_installed(Kvm& kvm, Pte* spte, Gfn gfn, PageSize size) {}
  virtual void spte_dropped(Kvm& kvm, Pte* spte, Gfn gfn, PageSize size) {}
  // The host invalidated (reclaimed) a page of this VM.
  virtual void page_invalidated(Kvm& kvm, CauseCycles& c) {}
  // The hardware met a non-present spte this policy made (access tracking): restore it, as the
  // fast page fault does; false if the spte is not one of the policy's.
  virtual bool restore(Kvm& kvm, Pte* spte) { return false; }
};

// The policy named cfg.name (pinned, notifier, spte-lru, young, access-track).
std::unique_ptr<AgingPolicy> make_aging_policy(const AgingConfig& cfg);
const std::vector<std::string>& aging_policy_names();

}  // namespace mmusim
