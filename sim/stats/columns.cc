// The column registry: summary.csv's columns, derived from the counters the models declare
// (common/counters.h). A model that declares counters is listed once in `tables()`; a figure is
// one line in its model's table. The layout below only keeps the columns of earlier releases at
// the positions scripts know them by: figures declared since are appended after them.
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/frame_allocator.h"
#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/kvm.h"
#include "mmu/mmu.h"
#include "native/native_os.h"
#include "reclaim/vmscan.h"
#include "stats/summary.h"
#include "sysc/kswapd_stats.h"
#include "sysc/vcpu_stats.h"

namespace mmusim {

const CounterTable<RunStats>& RunStats::counters() {
  using K = CounterKind;
  using S = RunStats;
  static const CounterTable<S> t = {
      {{"cycles", "cycles", K::Count, "simulated time at the end: the slowest vCPU's busy cycles"},
       [](const S& s) { return s.cycles; }},
      {{"invariant_violations", "violations", K::Count, "invariant checker findings (sim.check)"},
       [](const S& s) { return s.invariant_violations; }},
      {{"vcpus", "vCPUs", K::Level, "virtual CPUs simulated (guest.vcpus)"}, [](const S& s) { return s.vcpus; }},
      {{"trace_stall_cycles", "cycles", K::Count,
        "vCPU time spent waiting for the trace queue (sim.trace_queue_records); 0 unless vCPUs' records are far apart"},
       [](const S& s) { return s.trace_stall_cycles; }},
      {{"skipped_records", "records", K::Count,
        "malformed trace records skipped (--skip-bad-lines; without it they stop the run)"},
       [](const S& s) { return s.skipped_records; }},
  };
  return t;
}

namespace {

template <class M>
void collect(std::vector<CounterInfo>& out) {
  for (const Counter<M>& c : M::counters()) out.push_back(c.info);
}

// Every model that declares counters, in the order new figures are appended to summary.csv.
std::vector<CounterInfo> tables() {
  std::vector<CounterInfo> all;
  collect<RunStats>(all);
  collect<VcpuStats>(all);
  collect<Mmu>(all);
  collect<NativeOs>(all);
  collect<GuestOs>(all);
  collect<Kvm>(all);
  collect<HostMemory>(all);
  collect<FrameAllocator>(all);
  collect<ReclaimStats>(all);
  collect<KswapdStats>(all);
  return all;
}

// The declared counters, each once: two tables may share a declaration (kProcessesCounter), but
// one name declared twice with different units or meanings is a programming error.
const std::vector<CounterInfo>& declared() {
  static const std::vector<CounterInfo> unique = [] {
    std::vector<CounterInfo> out;
    std::map<std::string, CounterInfo> seen;
    for (const CounterInfo& c : tables()) {
      const auto [it, fresh] = seen.emplace(c.name, c);
      if (fresh) {
        out.push_back(c);
      } else if (std::string(it->second.unit) != c.unit || std::string(it->second.meaning) != c.meaning ||
                 it->second.kind != c.kind) {
        throw std::logic_error(std::string("counter ") + c.name + " declared twice, differently");
      }
    }
    return out;
  }();
  return unique;
}

const std::map<std::string, std::size_t, std::less<>>& slots() {
  static const std::map<std::string, std::size_t, std::less<>> m = [] {
    std::map<std::string, std::size_t, std::less<>> s;
    for (const CounterInfo& c : declared()) s.emplace(c.name, s.size());
    return s;
  }();
  return m;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

// The columns that are not counters: what the run was, and its times in seconds.
const std::vector<ColumnSpec>& run_columns() {
  static const std::vector<ColumnSpec> cols = {
      {"mode", "", "sim.mode of the run", ColumnType::Text, CounterKind::Level, 0, [](const RunSummary& s) { return std::string(mode_name(s.mode)); }},
      {"policy", "", "kvm.aging policy (none in native mode)", ColumnType::Text, CounterKind::Level, 0,
       [](const RunSummary& s) { return s.policy; }},
      {"trace", "", "the trace file as given", ColumnType::Text, CounterKind::Level, 0,
       [](const RunSummary& s) { return s.trace; }},
      {"sim_seconds", "s", "cycles / sim.cpu_mhz", ColumnType::Real, CounterKind::Level, 0,
       [](const RunSummary& s) { return fixed(s.sim_seconds, 9); }},
      {"wall_seconds", "s", "host wall-clock time of the simulation (not deterministic)", ColumnType::Real,
       CounterKind::Level, 0, [](const RunSummary& s) { return fixed(s.wall_seconds, 3); }},
      {"accesses_per_second", "records/s", "accesses / wall_seconds (not deterministic)", ColumnType::Real,
       CounterKind::Level, 0, [](const RunSummary& s) { return fixed(s.accesses_per_second, 0); }},
  };
  return cols;
}

// summary.csv's columns up to this release, in file order (the reclaim and studies figures
// included, at the places their first release gave them). Do not add to this list: a new counter
// is appended by itself.
constexpr const char* kLayout[] = {
    "mode", "policy", "trace", "accesses", "cycles", "l1i_lookups", "l1i_misses", "l1d_lookups", "l1d_misses",
    "stlb_lookups", "stlb_misses", "walks", "walk_refs", "page_faults", "guest_page_faults", "vmexits",
    "shadow_page_faults", "pt_write_traps", "shadow_pages", "sptes_created", "sptes_zapped", "remote_tlb_flushes",
    "host_minor_faults", "host_major_faults", "swap_ins", "swap_outs", "invariant_violations", "vcpus", "translations",
    "dirty_assists", "pwc_lookups", "pwc_hits", "context_switches", "processes", "page_table_pages", "frames_used",
    "guest_frames_used", "free_frames", "lru_active_pages", "lru_inactive_pages", "vmexits_shadow_pf",
    "vmexits_pt_write", "vmexits_cr3", "vmexits_ipi", "guest_pf_injected", "guest_pf_direct", "sptes_prefetched",
    "sptes_zapped_shadow_cache", "shadow_pages_created", "shadow_pages_zapped", "shadow_cache_evictions", "unsyncs",
    "resyncs", "write_flood_zaps", "pages_scanned", "pages_activated", "pages_deactivated", "notifier_invalidates",
    "notifier_young_calls", "young_hits", "sptes_zapped_invalidate", "sptes_zapped_aging", "sptes_dropped_lru",
    "direct_reclaims", "direct_reclaim_cycles", "kswapd_wakeups", "kswapd_cycles", "kswapd_batches", "congestion_waits", "congestion_wait_cycles",
    "pages_rotated_writeback", "pages_reactivated_swapcache", "swap_reads", "swap_readahead_pages",
    "swap_readahead_hits", "swap_slots_freed", "remote_flush_requests", "remote_flush_ipis", "refaults", "major_fault_cycles",
    "notifier_retries", "vmexits_access_track", "vcpu_cycles", "gap_cycles", "tlb_cycles", "walk_cycles",
    "dirty_assist_cycles", "vmexit_cycles", "guest_fault_cycles", "shadow_fault_cycles", "pt_write_cycles",
    "host_fault_cycles", "ipi_cycles", "trace_stall_cycles", "l1i_misses_compulsory", "l1i_misses_capacity", "l1i_misses_conflict",
    "l1d_misses_compulsory", "l1d_misses_capacity", "l1d_misses_conflict", "stlb_misses_compulsory",
    "stlb_misses_capacity", "stlb_misses_conflict", "skipped_records", "sim_seconds", "wall_seconds",
    "accesses_per_second",
};

ColumnSpec counter_column(const CounterInfo& c) {
  ColumnSpec col;
  col.name = c.name, col.unit = c.unit, col.help = c.meaning;
  col.type = ColumnType::Counter;
  col.kind = c.kind;
  col.slot = counter_slot(c.name);
  return col;
}

}  // namespace

std::size_t counter_count() { return declared().size(); }

std::size_t counter_slot(std::string_view name) {
  const auto it = slots().find(name);
  if (it == slots().end()) throw std::logic_error("no model declares the counter " + std::string(name));
  return it->second;
}

std::string ColumnSpec::value(const RunSummary& s) const {
  return type == ColumnType::Counter ? std::to_string(s.values[slot]) : text(s);
}

const std::vector<ColumnSpec>& summary_columns() {
  static const std::vector<ColumnSpec> cols = [] {
    std::vector<ColumnSpec> out;
    std::map<std::string, bool, std::less<>> placed;
    for (const char* name : kLayout) {
      bool found = false;
      for (const ColumnSpec& r : run_columns())
        if (r.name == name) out.push_back(r), found = true;
      for (const CounterInfo& c : declared())
        if (std::string_view(c.name) == name) out.push_back(counter_column(c)), found = true;
      if (!found) throw std::logic_error(std::string("summary.csv column ") + name + " is declared nowhere");
      placed[name] = true;
    }
    for (const CounterInfo& c : declared())
      if (!placed.count(c.name)) out.push_back(counter_column(c));
    return out;
  }();
  return cols;
}

const ColumnSpec* find_column(std::string_view name) {
  for (const ColumnSpec& c : summary_columns())
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace mmusim
