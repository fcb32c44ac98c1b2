// One run's figures: summary.csv has one column per figure, with stable names (units in the
// names or in `mmusim columns`). Figures of features that do not exist yet stay 0.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace mmusim {

struct RunSummary {
  std::string mode, policy, trace;
  std::uint64_t accesses = 0, cycles = 0;
  std::uint64_t l1i_lookups = 0, l1i_misses = 0, l1d_lookups = 0, l1d_misses = 0;
  std::uint64_t stlb_lookups = 0, stlb_misses = 0, walks = 0, walk_refs = 0;
  std::uint64_t l1i_misses_compulsory = 0, l1i_misses_capacity = 0, l1i_misses_conflict = 0;
  std::uint64_t l1d_misses_compulsory = 0, l1d_misses_capacity = 0, l1d_misses_conflict = 0;
  std::uint64_t stlb_misses_compulsory = 0, stlb_misses_capacity = 0, stlb_misses_conflict = 0;
  std::uint64_t page_faults = 0, guest_page_faults = 0, vmexits = 0, shadow_page_faults = 0;
  std::uint64_t pt_write_traps = 0, shadow_pages = 0, sptes_created = 0, sptes_zapped = 0;
  std::uint64_t remote_tlb_flushes = 0, host_minor_faults = 0, host_major_faults = 0;
  std::uint64_t swap_ins = 0, swap_outs = 0, invariant_violations = 0;
  // Beyond the list.
  std::uint64_t vcpus = 0, translations = 0, dirty_assists = 0, pwc_lookups = 0, pwc_hits = 0;
  std::uint64_t context_switches = 0, processes = 0, page_table_pages = 0, frames_used = 0, guest_frames_used = 0;
  std::uint64_t free_frames = 0, lru_active_pages = 0, lru_inactive_pages = 0;
  std::uint64_t vmexits_shadow_pf = 0, vmexits_pt_write = 0, vmexits_cr3 = 0, vmexits_ipi = 0;
  std::uint64_t guest_pf_injected = 0, guest_pf_direct = 0, sptes_prefetched = 0, sptes_zapped_shadow_cache = 0;
  std::uint64_t shadow_pages_created = 0, shadow_pages_zapped = 0, shadow_cache_evictions = 0, unsyncs = 0, resyncs = 0, write_flood_zaps = 0;
  std::uint64_t pages_scanned = 0, pages_activated = 0, pages_deactivated = 0, notifier_invalidates = 0,
                notifier_young_calls = 0, young_hits = 0, sptes_zapped_invalidate = 0, sptes_zapped_aging = 0,
                sptes_dropped_lru = 0, direct_reclaims = 0, direct_reclaim_cycles = 0, kswapd_wakeups = 0,
                kswapd_cycles = 0, refaults = 0, major_fault_cycles = 0, vmexits_access_track = 0, notifier_retries = 0;
  std::uint64_t kswapd_batches = 0, congestion_waits = 0, congestion_wait_cycles = 0, pages_rotated_writeback = 0,
                pages_reactivated_swapcache = 0, swap_reads = 0, swap_readahead_pages = 0, swap_readahead_hits = 0,
                swap_slots_freed = 0, remote_flush_requests = 0, remote_flush_ipis = 0;
  std::uint64_t vcpu_cycles = 0, gap_cycles = 0, tlb_cycles = 0, walk_cycles = 0, dirty_assist_cycles = 0;
  std::uint64_t vmexit_cycles = 0, guest_fault_cycles = 0, shadow_fault_cycles = 0, pt_write_cycles = 0,
                host_fault_cycles = 0, ipi_cycles = 0, trace_stall_cycles = 0;
  std::uint64_t skipped_records = 0;
  double sim_seconds = 0, wall_seconds = 0, accesses_per_second = 0;
};

struct ColumnSpec {
  std::string name;
  std::string unit;
  std::string help;
  std::string (*get)(const RunSummary&);
  std::uint64_t RunSummary::*count = nullptr;  // a count since the start (not a level at the end, not text)
};

// Every column of summary.csv, in file order.
const std::vector<ColumnSpec>& summary_columns();

// The figures of the part of a run after `warm` (a snapshot at the end of sim.warmup_records):
// every count less its value then; levels (frames free or used at the end, list lengths, shadow
// pages) and text as at the end. cycles and the seconds are the caller's.
RunSummary counted_since(const RunSummary& end, const RunSummary& warm);

// Writes the header and one row per run to `path` atomically (a temporary file renamed into
// place), so that a failed run never leaves a CSV that looks complete. Throws InputError when the
// file cannot be written.
void write_summary_csv(const std::string& path, const std::vector<RunSummary>& runs);

// A short readable table of the main figures.
void print_summary_table(std::ostream& out, const RunSummary& s);

}  // namespace mmusim
