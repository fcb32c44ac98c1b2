// sim.mode = nested: guests under KVM with two-dimensional paging (TdpMmu: EPT/NPT), on the same
// host, reclaim and swap as shadow mode.
#include <string>

#include "config/config.h"
#include "modes/sim_mode.h"
#include "stats/summary.h"

namespace mmusim {

void validate_guests_fit(const Config& config);     // shadow_mode.cc
void host_rows(const RunSummary& s, const SummaryRow& row);
std::string guests_out_of_memory_hint(const SimConfig& cfg, const char* kvm_pages);

namespace {

void rows(const RunSummary& s, const SummaryRow& row) {
  auto n = [&](const char* name) { return std::to_string(s[name]); };
  row("guest page faults", n("guest_page_faults") + " (delivered without a VM exit)");
  row("2D walks", n("walks") + " (" + n("walk_refs") + " refs: " + n("walk_refs_guest") + " guest, " + n("walk_refs_ept") +
                      " EPT)");
  if (s["huge_pages_mapped"] || s["thp_fault_fallback"])
    row("guest huge pages", n("huge_pages_mapped") + " mapped (" + n("thp_fault_fallback") +
                                " fell back to 4 KiB); walks to a 2 MiB guest leaf " + n("walks_2m") +
                                ", TLB hits on 2 MiB entries " + n("tlb_2m_hits"));
  hugetlb_1g_row(s, row);
  row("VM exits", n("vmexits") + " (EPT violation " + n("ept_violations") + ", ipi " + n("vmexits_ipi") +
                      ", access-track " + n("vmexits_access_track") + ")");
  row("EPT", n("ept_entries") + " entries in " + n("shadow_pages") + " table pages (" + n("sptes_created") +
                 " installed, " + n("sptes_zapped") + " zapped, " + n("remote_tlb_flushes") + " remote flushes)");
  host_rows(s, row);
}

// What only the shadow MMU has: its page cache, unsync pages, notrap sptes and the costs of shadow
// faults and emulated guest pte writes.
bool uses_key(const std::string& key) {
  for (const char* k : {"kvm.max_mmu_pages", "kvm.unsync", "kvm.bypass_guest_pf", "kvm.mmu_shrink", "cost.shadow_fault_cycles",
                        "cost.pt_write_emulation_cycles"})
    if (key == k) return false;
  return true;
}

}  // namespace

const SimModeSpec& nested_mode() {
  static const SimModeSpec spec = {
      SimMode::Nested,
      "nested",
      "guests under KVM nested paging, EPT/NPT",
      "guest pte",
      true,
      true,
      rows,
      [](const RunSummary& s) { return ", " + std::to_string(s["guest_frames_used"]) + " guest frames"; },
      validate_guests_fit,
      [](const SimConfig& cfg) { return guests_out_of_memory_hint(cfg, "EPT tables"); },
      uses_key,
  };
  return spec;
}

}  // namespace mmusim
