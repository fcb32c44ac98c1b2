// The factories of the aging policies, one per file of this folder.
#pragma once
#include "kvm/aging/aging_policy.h"

namespace mmusim {

std::unique_ptr<AgingPolicy> make_pinned_policy(const AgingConfig& cfg);
std::unique_ptr<AgingPolicy> make_notifier_policy(const AgingConfig& cfg);
std::unique_ptr<AgingPolicy> make_spte_lru_policy(const AgingConfig& cfg);
std::unique_ptr<AgingPolicy> make_young_policy(const AgingConfig& cfg);
std::unique_ptr<AgingPolicy> make_access_track_policy(const AgingConfig& cfg);

}  // namespace mmusim
