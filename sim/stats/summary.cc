#include "stats/summary.h"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "os/safe_file.h"

namespace mmusim {

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

#define TEXT_COL(f, help) ColumnSpec{#f, "", help, [](const RunSummary& s) { return s.f; }}
#define U64_COL(f, unit, help) \
  ColumnSpec{#f, unit, help, [](const RunSummary& s) { return std::to_string(s.f); }, &RunSummary::f}
// A level at the end of the run (not a count): a warm-up does not change it.
#define LEVEL_COL(f, unit, help) ColumnSpec{#f, unit, help, [](const RunSummary& s) { return std::to_string(s.f); }}
#define REAL_COL(f, unit, digits, help) \
  ColumnSpec{#f, unit, help, [](const RunSummary& s) { return fixed(s.f, digits); }}

}  // namespace

const std::vector<ColumnSpec>& summary_columns() {
  static const std::vector<ColumnSpec> cols = {
      TEXT_COL(mode, "sim.mode of the run"),
      TEXT_COL(policy, "kvm.aging policy (none in native mode)"),
      TEXT_COL(trace, "the trace file as given"),
      U64_COL(accesses, "records", "trace records replayed"),
      U64_COL(cycles, "cycles", "simulated time at the end: the slowest vCPU's busy cycles"),
      U64_COL(l1i_lookups, "lookups", "L1 iTLB lookups (X), every attempt of a retried translation"),
      U64_COL(l1i_misses, "lookups", "L1 iTLB misses"),
      U64_COL(l1d_lookups, "lookups", "L1 dTLB lookups (R, W, M)"),
      U64_COL(l1d_misses, "lookups", "L1 dTLB misses"),
      U64_COL(stlb_lookups, "lookups", "STLB lookups (one per L1 miss)"),
      U64_COL(stlb_misses, "lookups", "STLB misses (each starts a walk)"),
      U64_COL(walks, "walks", "hardware page walks, completed or faulting"),
      U64_COL(walk_refs, "references", "page-table entries read by walks"),
      U64_COL(page_faults, "faults", "native OS page faults (first touch of a page)"),
      U64_COL(guest_page_faults, "faults", "guest OS page faults (shadow mode)"),
      U64_COL(vmexits, "exits", "VM exits (shadow mode)"),
      U64_COL(shadow_page_faults, "faults", "KVM shadow page faults (shadow mode)"),
      U64_COL(pt_write_traps, "traps", "trapped guest page-table writes (shadow mode)"),
      LEVEL_COL(shadow_pages, "pages", "shadow pages at the end (shadow mode)"),
      U64_COL(sptes_created, "sptes", "shadow PTEs installed (shadow mode)"),
      U64_COL(sptes_zapped, "sptes", "shadow PTEs zapped (shadow mode)"),
      U64_COL(remote_tlb_flushes, "flushes", "kvm_flush_remote_tlbs calls (shadow mode)"),
      U64_COL(host_minor_faults, "faults", "host page faults that allocated a frame (shadow mode)"),
      U64_COL(host_major_faults, "faults", "host page faults that read swap"),
      U64_COL(swap_ins, "pages", "pages read from swap"),
      U64_COL(swap_outs, "pages", "pages written to swap"),
      U64_COL(invariant_violations, "violations", "invariant checker findings (sim.check)"),
      LEVEL_COL(vcpus, "vCPUs", "virtual CPUs simulated (guest.vcpus)"),
      U64_COL(translations, "translations", "completed translations: one per 4 KiB page an access touches"),
      U64_COL(dirty_assists, "assists", "writes to a cached entry whose D bit was clear"),
      U64_COL(pwc_lookups, "lookups", "page-walk cache lookups (one per walk when enabled)"),
      U64_COL(pwc_hits, "hits", "walks that started below the root thanks to the page-walk cache"),
      U64_COL(context_switches, "switches", "CR3 loads on a change of (vm, pid), after each vCPU's first"),
      LEVEL_COL(processes, "processes", "address spaces (vm, pid) created"),
      LEVEL_COL(page_table_pages, "pages", "page-table pages of the processes (guest page tables in shadow mode)"),
      LEVEL_COL(frames_used, "frames", "host 4 KiB frames in use at the end (data, page tables, shadow pages)"),
      LEVEL_COL(guest_frames_used, "frames", "guest frames in use at the end, summed over VMs (shadow mode)"),
      LEVEL_COL(free_frames, "frames", "host frames free at the end"),
      LEVEL_COL(lru_active_pages, "pages", "host pages on the active LRU list at the end (shadow mode)"),
      LEVEL_COL(lru_inactive_pages, "pages", "host pages on the inactive LRU list at the end (shadow mode)"),
      U64_COL(vmexits_shadow_pf, "exits", "VM exits for shadow page faults (#PF intercepts and unsync faults)"),
      U64_COL(vmexits_pt_write, "exits", "VM exits for guest page-table writes that were emulated"),
      U64_COL(vmexits_cr3, "exits", "VM exits for guest CR3 loads (context switches)"),
      U64_COL(vmexits_ipi, "exits", "VM exits of vCPUs interrupted by a remote TLB-flush IPI"),
      U64_COL(guest_pf_injected, "faults", "guest #PF found by KVM's guest walk and injected"),
      U64_COL(guest_pf_direct, "faults", "guest #PF delivered by the hardware without an exit (notrap spte)"),
      U64_COL(sptes_prefetched, "sptes", "of sptes_created, installed by emulated guest pte writes"),
      U64_COL(sptes_zapped_shadow_cache, "sptes", "of sptes_zapped, dropped with their shadow page by the FIFO limit"),
      U64_COL(shadow_pages_created, "pages", "shadow pages allocated"),
      U64_COL(shadow_pages_zapped, "pages", "shadow pages freed (FIFO limit, write flooding, synced pages left empty, unsync children of zapped pages)"),
      U64_COL(shadow_cache_evictions, "pages", "of those, zapped by the FIFO limit (kvm.max_mmu_pages)"),
      U64_COL(unsyncs, "pages", "level-1 shadow pages left writable (unsync)"),
      U64_COL(resyncs, "pages", "unsync shadow pages resynced (at CR3 loads)"),
      U64_COL(write_flood_zaps, "pages", "shadow pages zapped by write flooding"),
      U64_COL(pages_scanned, "pages", "host pages taken off an LRU list by reclaim and looked at"),
      U64_COL(pages_activated, "pages", "inactive pages reclaim found referenced (or could not evict) and activated"),
      U64_COL(pages_deactivated, "pages", "active pages moved to the inactive list (shrink_active_list)"),
      U64_COL(notifier_invalidates, "calls", "mmu-notifier invalidate_page calls: guest pages the host unmapped"),
      U64_COL(notifier_young_calls, "calls", "mmu-notifier clear_flush_young calls (page_referenced, try_to_unmap)"),
      U64_COL(young_hits, "calls", "of those, KVM answered young"),
      U64_COL(sptes_zapped_invalidate, "sptes", "sptes zapped by invalidate_page"),
      U64_COL(sptes_zapped_aging, "sptes", "sptes zapped by aging (access-track, zap)"),
      U64_COL(sptes_dropped_lru, "sptes", "sptes dropped by spte-lru"),
      U64_COL(direct_reclaims, "calls", "allocations below the min watermark that reclaimed directly"),
      U64_COL(direct_reclaim_cycles, "cycles", "vCPU time those allocations spent reclaiming (waits for swap writes included)"),
      U64_COL(kswapd_wakeups, "wakeups", "times kswapd woke"),
      U64_COL(kswapd_cycles, "cycles", "kswapd's busy time on its own host CPU"),
      U64_COL(kswapd_batches, "batches", "batches of kswapd's passes that did work (at most SWAP_CLUSTER_MAX pages of each list)"),
      U64_COL(congestion_waits, "waits", "congestion_wait sleeps of kswapd and of direct reclaim"),
      U64_COL(congestion_wait_cycles, "cycles", "time spent in them (until a swap write completed, or the timeout)"),
      U64_COL(pages_rotated_writeback, "pages",
              "pages whose reclaim write completed moved to the inactive tail (rotate_reclaimable_page)"),
      U64_COL(pages_reactivated_swapcache, "pages",
              "unmapped swap-cache pages a scan found referenced and activated instead of freeing"),
      U64_COL(swap_reads, "pages", "pages read from swap: swap_ins plus swap_readahead_pages"),
      U64_COL(swap_readahead_pages, "pages", "pages swapin_readahead read besides the faulting one (swap.page_cluster)"),
      U64_COL(swap_readahead_hits, "pages", "of those, pages a later fault found in the swap cache (a minor fault)"),
      U64_COL(swap_slots_freed, "slots", "swap slots freed at swap-in because swap was more than half full (vm_swap_full)"),
      U64_COL(remote_flush_requests, "requests", "KVM_REQ_TLB_FLUSH requests kvm_flush_remote_tlbs made of other vCPUs"),
      U64_COL(remote_flush_ipis, "IPIs",
              "of those, IPIs sent (kvm.flush_request_bit: none while a request is pending or the vCPU is out of guest mode)"),
      U64_COL(refaults, "faults", "host faults on swapped-out guest pages (major, or found in the swap cache)"),
      U64_COL(major_fault_cycles, "cycles", "vCPU time stalled in host major faults, waiting for swap reads"),
      U64_COL(notifier_retries, "faults",
              "shadow faults dropped after sleeping on a swap read because an invalidation ran (mmu_notifier_retry)"),
      U64_COL(vmexits_access_track, "exits", "VM exits restoring access-tracked sptes (kvm.aging = access-track, mark)"),
      U64_COL(vcpu_cycles, "cycles", "busy cycles summed over vCPUs: gap + tlb + walk + dirty_assist + vmexit + guest_fault + shadow_fault + pt_write + host_fault + ipi + major_fault + direct_reclaim cycles"),
      U64_COL(gap_cycles, "cycles", "non-memory work given by the trace's gap column"),
      U64_COL(tlb_cycles, "cycles", "L1 and STLB lookups"),
      U64_COL(walk_cycles, "cycles", "hardware page-walk references"),
      U64_COL(dirty_assist_cycles, "cycles", "dirty-bit assists"),
      U64_COL(vmexit_cycles, "cycles", "VM exits and entries"),
      U64_COL(guest_fault_cycles, "cycles", "guest OS page-fault handling"),
      U64_COL(shadow_fault_cycles, "cycles", "KVM shadow page-fault handling"),
      U64_COL(pt_write_cycles, "cycles", "KVM emulating trapped guest page-table writes"),
      U64_COL(host_fault_cycles, "cycles", "host page faults (native mode: the OS's page faults)"),
      U64_COL(ipi_cycles, "cycles", "sending remote TLB-flush IPIs"),
      U64_COL(trace_stall_cycles, "cycles",
              "vCPU time spent waiting for the trace queue (sim.trace_queue_records); 0 unless vCPUs' records are far apart"),
      U64_COL(l1i_misses_compulsory, "lookups", "of l1i_misses, on a page this iTLB never held (Dinero IV's three Cs)"),
      U64_COL(l1i_misses_capacity, "lookups",
              "of l1i_misses, neither compulsory nor held by a fully associative LRU TLB of the same size (also "
              "misses after a flush or INVLPG)"),
      U64_COL(l1i_misses_conflict, "lookups",
              "of l1i_misses, on a page a fully associative LRU TLB of the same size would hold (the set mapping's)"),
      U64_COL(l1d_misses_compulsory, "lookups", "of l1d_misses, compulsory (as l1i_misses_compulsory)"),
      U64_COL(l1d_misses_capacity, "lookups", "of l1d_misses, capacity (as l1i_misses_capacity)"),
      U64_COL(l1d_misses_conflict, "lookups", "of l1d_misses, conflict (as l1i_misses_conflict)"),
      U64_COL(stlb_misses_compulsory, "lookups", "of stlb_misses, compulsory (as l1i_misses_compulsory)"),
      U64_COL(stlb_misses_capacity, "lookups", "of stlb_misses, capacity (as l1i_misses_capacity)"),
      U64_COL(stlb_misses_conflict, "lookups", "of stlb_misses, conflict (as l1i_misses_conflict)"),
      U64_COL(skipped_records, "records", "malformed trace records skipped (--skip-bad-lines; without it they stop the run)"),
      REAL_COL(sim_seconds, "s", 9, "cycles / sim.cpu_mhz"),
      REAL_COL(wall_seconds, "s", 3, "host wall-clock time of the simulation (not deterministic)"),
      REAL_COL(accesses_per_second, "records/s", 0, "accesses / wall_seconds (not deterministic)"),
  };
  return cols;
}

RunSummary counted_since(const RunSummary& end, const RunSummary& warm) {
  RunSummary s = end;
  for (const ColumnSpec& c : summary_columns())
    if (c.count) s.*c.count -= warm.*c.count;
  return s;
}

void write_summary_csv(const std::string& path, const std::vector<RunSummary>& runs) {
  {
    AtomicFile file(path, "--out");
    std::ostream& out = file.out();
    const auto& cols = summary_columns();
    for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i].name;
    out << '\n';
    for (const RunSummary& r : runs) {
      for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i].get(r);
      out << '\n';
    }
    file.commit();
  }
}

void print_summary_table(std::ostream& out, const RunSummary& s) {
  auto pct = [](std::uint64_t part, std::uint64_t whole) {
    return whole ? " (" + fixed(100.0 * part / whole, 2) + "%)" : std::string();
  };
  auto row = [&](const std::string& name, const std::string& value) {
    out << "  " << std::left << std::setw(22) << name << value << '\n';
  };
  out << "mmusim " << s.mode << " run of " << s.trace << '\n';
  row("accesses", std::to_string(s.accesses) + " (" + std::to_string(s.translations) + " translations)");
  row("cycles", std::to_string(s.cycles) + " (" + fixed(s.sim_seconds * 1e3, 3) + " ms simulated)");
  row("L1 iTLB misses", std::to_string(s.l1i_misses) + " of " + std::to_string(s.l1i_lookups) + pct(s.l1i_misses, s.l1i_lookups));
  row("L1 dTLB misses", std::to_string(s.l1d_misses) + " of " + std::to_string(s.l1d_lookups) + pct(s.l1d_misses, s.l1d_lookups));
  row("STLB misses", std::to_string(s.stlb_misses) + " of " + std::to_string(s.stlb_lookups) + pct(s.stlb_misses, s.stlb_lookups));
  row("walks", std::to_string(s.walks) + " (" + std::to_string(s.walk_refs) + " references)");
  if (s.mode == "native") {
    row("page faults", std::to_string(s.page_faults));
  } else {
    row("guest page faults", std::to_string(s.guest_page_faults) + " (" + std::to_string(s.guest_pf_injected) +
                                 " injected by KVM, " + std::to_string(s.guest_pf_direct) + " direct)");
    row("VM exits", std::to_string(s.vmexits) + " (shadow pf " + std::to_string(s.vmexits_shadow_pf) + ", pt write " +
                        std::to_string(s.vmexits_pt_write) + ", cr3 " + std::to_string(s.vmexits_cr3) + ", ipi " +
                        std::to_string(s.vmexits_ipi) + ")");
    row("shadow pages", std::to_string(s.shadow_pages) + " (" + std::to_string(s.sptes_created) + " sptes created, " +
                            std::to_string(s.sptes_zapped) + " zapped, " + std::to_string(s.remote_tlb_flushes) +
                            " remote flushes)");
    row("host minor faults", std::to_string(s.host_minor_faults));
    if (s.swap_outs || s.swap_ins) {
      row("reclaim (" + s.policy + ")", std::to_string(s.pages_scanned) + " pages scanned, " + std::to_string(s.swap_outs) +
                                             " swapped out, " + std::to_string(s.swap_ins) + " swapped in, " +
                                             std::to_string(s.young_hits) + " young answers");
      row("kswapd", std::to_string(s.kswapd_wakeups) + " wakeups, " + std::to_string(s.kswapd_cycles) + " cycles; " +
                        std::to_string(s.direct_reclaims) + " direct reclaims");
    }
  }
  row("dirty assists", std::to_string(s.dirty_assists));
  row("frames used", std::to_string(s.frames_used) + " host (" + std::to_string(s.page_table_pages) + " page-table pages" +
                         (s.mode == "native" ? ")" : ", " + std::to_string(s.guest_frames_used) + " guest frames)"));
  std::string causes;
  for (const auto& [name, v] : {std::pair<const char*, std::uint64_t>{"tlb", s.tlb_cycles}, {"walk", s.walk_cycles},
                                {"assist", s.dirty_assist_cycles}, {"vmexit", s.vmexit_cycles},
                                {"guest fault", s.guest_fault_cycles}, {"shadow fault", s.shadow_fault_cycles},
                                {"pt write", s.pt_write_cycles}, {"host fault", s.host_fault_cycles},
                                {"ipi", s.ipi_cycles}, {"major fault", s.major_fault_cycles},
                                {"direct reclaim", s.direct_reclaim_cycles}, {"gap", s.gap_cycles}})
    if (v) causes += (causes.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(v);
  row("cycles by cause", causes);
  if (s.invariant_violations) row("INVARIANT VIOLATIONS", std::to_string(s.invariant_violations));
  row("speed", fixed(s.accesses_per_second / 1e6, 2) + " M accesses/s (" + fixed(s.wall_seconds, 2) + " s)");
}

}  // namespace mmusim
