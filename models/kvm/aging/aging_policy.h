// How KVM lets the host know which guest pages are hot (kvm.aging, FIDELITY.md "The question").
// One class per policy behind this interface; a new policy is one file in models/kvm/aging/ and
// one line in make_aging_policy (aging_policy.cc).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/cycle_causes.h"
#include "paging/pte.h"

namespace mmusim {

class ShadowMmu;

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
  virtual bool clear_flush_young(ShadowMmu& kvm, std::uint64_t gfn, CauseCycles& c) { return false; }
  virtual bool clear_young(ShadowMmu& kvm, std::uint64_t gfn) { return false; }
  virtual bool test_young(ShadowMmu& kvm, std::uint64_t gfn) { return false; }
  // A leaf spte became present / is being dropped.
  virtual void spte_installed(ShadowMmu& kvm, Pte* spte) {}
  virtual void spte_dropped(ShadowMmu& kvm, Pte* spte) {}
  // The host invalidated (reclaimed) a page of this VM.
  virtual void page_invalidated(ShadowMmu& kvm, CauseCycles& c) {}
  // The hardware met a non-present spte this policy made (access tracking): restore it, as the
  // fast page fault does; false if the spte is not one of the policy's.
  virtual bool restore(ShadowMmu& kvm, Pte* spte) { return false; }
};

// The policy named cfg.name (pinned, notifier, spte-lru, young, access-track).
std::unique_ptr<AgingPolicy> make_aging_policy(const AgingConfig& cfg);
const std::vector<std::string>& aging_policy_names();

}  // namespace mmusim
