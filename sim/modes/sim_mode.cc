#include "modes/sim_mode.h"

#include <stdexcept>

#include "stats/summary.h"

namespace mmusim {

const SimModeSpec& native_mode();
const SimModeSpec& shadow_mode();
const SimModeSpec& nested_mode();

const std::vector<SimModeSpec>& sim_modes() {
  static const std::vector<SimModeSpec> modes = {native_mode(), shadow_mode(), nested_mode()};
  return modes;
}

void hugetlb_1g_row(const RunSummary& s, const SummaryRow& row) {
  if (!s["hugetlb_1g_pages"]) return;
  row("1 GiB pages", std::to_string(s["hugetlb_1g_pages"]) + " mapped (hugetlbfs); walks to a 1 GiB leaf " +
                         std::to_string(s["walks_1g"]) + ", TLB hits on 1 GiB entries " + std::to_string(s["tlb_1g_hits"]));
}

const SimModeSpec& mode_spec(SimMode m) {
  for (const SimModeSpec& s : sim_modes())
    if (s.mode == m) return s;
  throw std::logic_error("a sim.mode without a spec");
}

const char* mode_name(SimMode m) { return mode_spec(m).name; }

std::vector<std::string> sim_mode_names() {
  std::vector<std::string> v;
  for (const SimModeSpec& s : sim_modes()) v.push_back(s.name);
  return v;
}

SimMode parse_sim_mode(const std::string& name) {
  std::string list;
  for (const SimModeSpec& s : sim_modes()) {
    if (name == s.name) return s.mode;
    list += (list.empty() ? "" : ", ") + std::string(s.name);
  }
  throw std::invalid_argument("'" + name + "' is not one of: " + list);
}

}  // namespace mmusim
