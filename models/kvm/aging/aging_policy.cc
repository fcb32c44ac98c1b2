#include "kvm/aging/aging_policy.h"

#include <stdexcept>
#include <utility>

#include "kvm/aging/policies.h"

namespace mmusim {

namespace {
using Factory = std::unique_ptr<AgingPolicy> (*)(const AgingConfig&);
// The registry: name -> factory, in the order the documentation lists them.
const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> r = {
      {"pinned", make_pinned_policy},   {"notifier", make_notifier_policy},
      {"spte-lru", make_spte_lru_policy}, {"young", make_young_policy},
      {"access-track", make_access_track_policy},
  };
  return r;
}
}  // namespace

std::unique_ptr<AgingPolicy> make_aging_policy(const AgingConfig& cfg) {
  for (const auto& [name, make] : registry())
    if (name == cfg.name) return make(cfg);
  throw std::invalid_argument("unknown aging policy " + cfg.name);
}

const std::vector<std::string>& aging_policy_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& [name, make] : registry()) v.push_back(name);
    return v;
  }();
  return names;
}

}  // namespace mmusim
