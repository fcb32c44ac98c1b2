// summary.csv's columns come from the counters the models declare (common/counters.h): the
// registry keeps the columns of earlier releases in their order, lists every declared counter
// once, and a model's instances add up in RunSummary.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/frame_allocator.h"
#include "mmu/mmu.h"
#include "stats/summary.h"
#include "stats/timeline.h"
#include "sysc/vcpu_stats.h"

using namespace mmusim;

TEST_CASE("summary.csv keeps the columns of earlier releases, in their order", "[stats]") {
  // The header of summary.csv before the counters were declared by the models: 957efe9's
  // columns with the reclaim and studies figures where the integration (6c0e01d) put them, typed
  // from that release's file: scripts read these columns by name and by position.
  const std::vector<std::string> before = {
      "mode", "policy", "trace", "accesses", "cycles", "l1i_lookups", "l1i_misses", "l1d_lookups", "l1d_misses",
      "stlb_lookups", "stlb_misses", "walks", "walk_refs", "page_faults", "guest_page_faults", "vmexits",
      "shadow_page_faults", "pt_write_traps", "shadow_pages", "sptes_created", "sptes_zapped", "remote_tlb_flushes",
      "host_minor_faults", "host_major_faults", "swap_ins", "swap_outs", "invariant_violations", "vcpus",
      "translations", "dirty_assists", "pwc_lookups", "pwc_hits", "context_switches", "processes", "page_table_pages",
      "frames_used", "guest_frames_used", "free_frames", "lru_active_pages", "lru_inactive_pages",
      "vmexits_shadow_pf", "vmexits_pt_write", "vmexits_cr3", "vmexits_ipi", "guest_pf_injected", "guest_pf_direct",
      "sptes_prefetched", "sptes_zapped_shadow_cache", "shadow_pages_created", "shadow_pages_zapped",
      "shadow_cache_evictions", "unsyncs", "resyncs", "write_flood_zaps", "pages_scanned", "pages_activated",
      "pages_deactivated", "notifier_invalidates", "notifier_young_calls", "young_hits", "sptes_zapped_invalidate",
      "sptes_zapped_aging", "sptes_dropped_lru", "direct_reclaims", "direct_reclaim_cycles", "kswapd_wakeups",
      "kswapd_cycles", "kswapd_batches", "congestion_waits", "congestion_wait_cycles", "pages_rotated_writeback",
      "pages_reactivated_swapcache", "swap_reads", "swap_readahead_pages", "swap_readahead_hits", "swap_slots_freed",
      "remote_flush_requests", "remote_flush_ipis", "refaults", "major_fault_cycles", "notifier_retries",
      "vmexits_access_track", "vcpu_cycles", "gap_cycles", "tlb_cycles", "walk_cycles", "dirty_assist_cycles",
      "vmexit_cycles", "guest_fault_cycles", "shadow_fault_cycles", "pt_write_cycles", "host_fault_cycles",
      "ipi_cycles", "trace_stall_cycles", "l1i_misses_compulsory", "l1i_misses_capacity", "l1i_misses_conflict",
      "l1d_misses_compulsory", "l1d_misses_capacity", "l1d_misses_conflict", "stlb_misses_compulsory",
      "stlb_misses_capacity", "stlb_misses_conflict", "skipped_records", "sim_seconds", "wall_seconds",
      "accesses_per_second"};
  const auto& cols = summary_columns();
  REQUIRE(cols.size() >= before.size());
  for (std::size_t i = 0; i < before.size(); ++i) CHECK(cols[i].name == before[i]);
}

TEST_CASE("every declared counter is one summary.csv column with a unit and a meaning", "[stats]") {
  std::map<std::string, int> seen;
  std::size_t counters = 0;
  for (const ColumnSpec& c : summary_columns()) {
    ++seen[c.name];
    CHECK_FALSE(c.help.empty());
    if (c.type == ColumnType::Text) continue;
    CHECK_FALSE(c.unit.empty());
    if (c.type != ColumnType::Counter) continue;
    CHECK(c.slot == counter_slot(c.name));
    ++counters;
  }
  for (const auto& [name, n] : seen) CHECK(n == 1);
  CHECK(counters == counter_count());
  // A vCPU's figures and the frame allocator's, as their tables declare them.
  for (const auto& c : VcpuStats::counters()) CHECK(seen.count(c.info.name) == 1);
  for (const auto& c : FrameAllocator::counters()) CHECK(seen.count(c.info.name) == 1);
}

TEST_CASE("a model's instances add up in the run's figures", "[stats]") {
  FrameAllocator a(10, "host"), b(20, "host");
  a.alloc(), a.alloc(), b.alloc();
  RunSummary s;
  s.add(a);
  s.add(b);
  // used: 2 + 1; free: (10 - 2) + (20 - 1).
  CHECK(s["frames_used"] == 3);
  CHECK(s["free_frames"] == 27);
  VcpuStats v;
  v.accesses = 5, v.causes.ipi = 7;
  s.add(v);
  s.add(v);
  CHECK(s["accesses"] == 10);
  CHECK(s["ipi_cycles"] == 14);
  CHECK(find_column("ipi_cycles")->value(s) == "14");
}

TEST_CASE("a name no model declares is a programming error, not a 0", "[stats]") {
  RunSummary s;
  CHECK_THROWS_AS(s["no_such_counter"], std::logic_error);
  CHECK(find_column("no_such_counter") == nullptr);
}

TEST_CASE("timeline.csv's columns are declared counters, counts and levels apart", "[stats]") {
  for (const TimelineColumn& t : timeline_columns()) {
    REQUIRE_FALSE(t.counters.empty());
    for (const std::string& c : t.counters) {
      const ColumnSpec* col = find_column(c);
      REQUIRE(col != nullptr);
      CHECK(col->type == ColumnType::Counter);
      CHECK(col->kind == find_column(t.counters.front())->kind);
    }
  }
}

TEST_CASE("summed figures saturate at 2^64 - 1 instead of wrapping (vCPUs, MMUs, models)", "[stats]") {
  constexpr std::uint64_t kMax = ~std::uint64_t{0};
  // Two MMUs whose walk counts add past 2^64: the sum stays at the maximum.
  MmuStats a, b;
  a.walk_refs = kMax - 5;
  b.walk_refs = 10;
  a.walks = 3, b.walks = 4;
  a += b;
  CHECK(a.walk_refs == kMax);
  CHECK(a.walks == 7);
  // RunSummary::add of two models' figures, likewise.
  RunSummary s;
  RunStats r;
  r.cycles = kMax - 1;
  s.add(r);
  s.add(r);
  CHECK(s["cycles"] == kMax);
}
