// sim.mode = native: processes on bare metal; the hardware walks each process's page table and
// the OS demand-pages them (NativeMemory).
#include <string>

#include "config/config.h"
#include "modes/sim_mode.h"
#include "stats/summary.h"

namespace mmusim {

const SimModeSpec& native_mode() {
  static const SimModeSpec spec = {
      SimMode::Native,
      "native",
      "processes on bare metal",
      "pte",
      false,
      [](const RunSummary& s, const SummaryRow& row) { row("page faults", std::to_string(s["page_faults"])); },
      [](const RunSummary&) { return std::string(); },
      [](const Config&) {},
      [](const SimConfig& cfg) {
        return "the trace needs more memory than host.mem_mb = " + std::to_string(cfg.host.mem_mb) +
               " MiB (page tables included), and native mode has no swap";
      },
  };
  return spec;
}

}  // namespace mmusim
