// sim.mode = shadow: guests under KVM shadow paging (ShadowMmu), on a host that reclaims.
#include <string>

#include "config/config.h"
#include "util/input_error.h"
#include "modes/sim_mode.h"
#include "stats/summary.h"

namespace mmusim {

// The host's lines of a mode with guests (shadow and nested): its faults and, under pressure, reclaim.
void host_rows(const RunSummary& s, const SummaryRow& row) {
  auto n = [&](const char* name) { return std::to_string(s[name]); };
  row("host minor faults", n("host_minor_faults"));
  if (s["swap_outs"] || s["swap_ins"]) {
    row("reclaim (" + s.policy + ")", n("pages_scanned") + " pages scanned, " + n("swap_outs") + " swapped out, " +
                                           n("swap_ins") + " swapped in, " + n("young_hits") + " young answers");
    row("kswapd", n("kswapd_wakeups") + " wakeups, " + n("kswapd_cycles") + " cycles; " + n("direct_reclaims") +
                      " direct reclaims");
  }
}

namespace {

void rows(const RunSummary& s, const SummaryRow& row) {
  auto n = [&](const char* name) { return std::to_string(s[name]); };
  row("guest page faults",
      n("guest_page_faults") + " (" + n("guest_pf_injected") + " injected by KVM, " + n("guest_pf_direct") + " direct)");
  row("VM exits", n("vmexits") + " (shadow pf " + n("vmexits_shadow_pf") + ", pt write " + n("vmexits_pt_write") +
                      ", cr3 " + n("vmexits_cr3") + ", ipi " + n("vmexits_ipi") + ")");
  row("shadow pages", n("shadow_pages") + " (" + n("sptes_created") + " sptes created, " + n("sptes_zapped") +
                          " zapped, " + n("remote_tlb_flushes") + " remote flushes)");
  if (s["huge_pages_mapped"] || s["thp_fault_fallback"] || s["large_sptes"])
    row("guest huge pages", n("huge_pages_mapped") + " mapped (" + n("thp_fault_fallback") + " fell back to 4 KiB); " +
                                n("large_sptes") + " 2 MiB sptes, TLB hits on 2 MiB entries " + n("tlb_2m_hits"));
  hugetlb_1g_row(s, row);
  host_rows(s, row);
}

}  // namespace

// Overcommit beyond memory + swap: the guests could not all be resident or swapped (shadow and
// nested mode).
void validate_guests_fit(const Config& config) {
  const SimConfig& cfg = config.values();
  const std::uint64_t guests = cfg.guest.vms * cfg.guest.mem_mb;
  if (guests > cfg.host.mem_mb + cfg.swap.mb) {
    const ValueOrigin& o = config.origin("swap.mb");
    throw InputError(o.file, o.line, "swap.mb",
                     "the guests' memory (" + std::to_string(cfg.guest.vms) + " x guest.mem_mb = " + std::to_string(guests) +
                         " MiB) exceeds host.mem_mb + swap.mb = " + std::to_string(cfg.host.mem_mb + cfg.swap.mb) +
                         " MiB: raise swap.mb");
  }
}

// `kvm_pages`: what KVM's own pages are in this mode ("shadow pages", "EPT tables").
std::string guests_out_of_memory_hint(const SimConfig& cfg, const char* kvm_pages) {
  return "the guests need more memory than host.mem_mb = " + std::to_string(cfg.host.mem_mb) +
         " MiB holds (host page tables and " + kvm_pages + " included) and reclaim cannot free any" +
         (cfg.kvm.aging == "pinned" ? " (kvm.aging = pinned: pages mapped by sptes cannot be reclaimed)" : "");
}

const SimModeSpec& shadow_mode() {
  static const SimModeSpec spec = {
      SimMode::Shadow,
      "shadow",
      "guests under KVM shadow paging",
      "spte",
      true,
      true,
      rows,
      [](const RunSummary& s) { return ", " + std::to_string(s["guest_frames_used"]) + " guest frames"; },
      validate_guests_fit,
      [](const SimConfig& cfg) { return guests_out_of_memory_hint(cfg, "shadow pages"); },
      [](const std::string& key) { return key.rfind("ept.", 0) != 0 && key != "cost.tdp_fault_cycles"; },
  };
  return spec;
}

}  // namespace mmusim
