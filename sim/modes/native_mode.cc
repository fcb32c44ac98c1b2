// sim.mode = native: processes on bare metal; the hardware walks each process's page table and
// the OS demand-pages them (NativeMemory).
#include <string>

#include "config/config.h"
#include "modes/sim_mode.h"
#include "stats/summary.h"

namespace mmusim {

namespace {
// Native mode has no guests under a hypervisor, no host reclaim and no swap: guest.vms and
// guest.vcpus only number the namespaces and CPUs of the trace's records.
bool uses_key(const std::string& key) {
  for (const char* prefix : {"kvm.", "ept.", "reclaim.", "swap."})
    if (key.rfind(prefix, 0) == 0) return false;
  if (key.rfind("cost.", 0) == 0) return key == "cost.host_minor_fault_cycles";
  return key != "guest.mem_mb" && key != "guest.dirty_at_fault" && key != "host.cpus" && key != "host.thp";
}
}  // namespace

const SimModeSpec& native_mode() {
  static const SimModeSpec spec = {
      SimMode::Native,
      "native",
      "processes on bare metal",
      "pte",
      false,
      false,
      [](const RunSummary& s, const SummaryRow& row) {
        row("page faults", std::to_string(s["page_faults"]));
        if (s["huge_pages_mapped"] || s["thp_fault_fallback"])
          row("huge pages", std::to_string(s["huge_pages_mapped"]) + " mapped (" + std::to_string(s["thp_fault_fallback"]) +
                                " fell back to 4 KiB); walks to a 2 MiB leaf " + std::to_string(s["walks_2m"]) +
                                ", TLB hits on 2 MiB entries " + std::to_string(s["tlb_2m_hits"]));
        hugetlb_1g_row(s, row);
      },
      [](const RunSummary&) { return std::string(); },
      [](const Config&) {},
      [](const SimConfig& cfg) {
        return "the trace needs more memory than host.mem_mb = " + std::to_string(cfg.host.mem_mb) +
               " MiB (page tables included), and native mode has no swap";
      },
      uses_key,
  };
  return spec;
}

}  // namespace mmusim
