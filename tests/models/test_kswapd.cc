// kswapd and the resumable reclaim pass (models/reclaim/kswapd, vmscan): what balance_pgdat
// does batch by batch (mm/vmscan.c, 2.6.28), each expectation derived in the comment.
#include <catch2/catch.hpp>
#include <deque>

#include "host/host_memory.h"
#include "reclaim/kswapd.h"
#include "reclaim/vmscan.h"

using namespace mmusim;

namespace {
// A reclaimer that plays back scripted batches, to test kswapd's decisions alone.
struct ScriptedReclaimer : Reclaimer {
  std::deque<Batch> script;
  unsigned passes = 0;
  ReclaimStats s;
  void kswapd_begin() override { ++passes; }
  Batch kswapd_batch(Cycles) override {
    const Batch b = script.front();
    script.pop_front();
    return b;
  }
  Cycles try_to_free_pages(Cycles) override { return 0; }
  const ReclaimStats& stats() const override { return s; }
  void set_explain(ExplainSink*) override {}
};

HostConfig with_swap() {
  HostConfig c;
  c.swap_slots = 64;
  c.swap_read_cycles = 1000;
  c.swap_write_cycles = 500;
  return c;
}

// 128 frames: min_free_kbytes = sqrt(512 * 16) = 90 kB, clamped up to 128 kB: min 32 pages,
// low 40, high 48. 80 guest pages and the host page tables leave at most 44 free.
void fill(HostMemory& host, std::uint64_t pages) {
  host.add_vm(128);
  for (std::uint64_t g = 0; g < pages; ++g) host.gfn_to_pfn(0, Gfn{g}, false);
}
}  // namespace

TEST_CASE("kswapd spends a pass's work before it looks again, and sleeps after a pass that freed nothing with no write in flight",
          "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);
  REQUIRE(host.free_pages() <= host.high_pages());
  ScriptedReclaimer r;
  // Pass 1: two batches, 100 + 50 cycles, 3 pages reclaimed. Pass 2: one batch of 70 cycles, nothing.
  r.script = {{100, 0, false}, {50, 3, true}, {70, 0, true}};
  Kswapd k(host, r);
  k.wake();
  // The whole first pass at cycle 0: busy until 150.
  Kswapd::Action a = k.next(0);
  CHECK(a.kind == Kswapd::Action::Kind::Busy);
  CHECK(a.until == 150);
  // At 150: it made progress, the free pages are still below high: a second pass, busy 70 more.
  a = k.next(150);
  CHECK(r.passes == 2);
  CHECK(a.kind == Kswapd::Action::Kind::Busy);
  CHECK(a.until == 220);
  // No progress and no swap write in flight: nothing to wait for, it sleeps.
  a = k.next(220);
  CHECK(a.kind == Kswapd::Action::Kind::Sleep);
  CHECK(k.asleep());
  CHECK(k.stats().wakeups == 1);
  CHECK(k.stats().cycles == 220);
}

TEST_CASE("kswapd does not scan while the free pages are above the high watermark", "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 10);  // 128 - 10 - page tables > 48 free
  ScriptedReclaimer r;
  Kswapd k(host, r);
  k.wake();
  CHECK(k.next(0).kind == Kswapd::Action::Kind::Sleep);
  CHECK(r.passes == 0);
}

TEST_CASE("a balance_pgdat pass resumes between batches: one shrink_zone per priority while the lists are short",
          "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);  // 80 pages on the active list (lru_cache_add_active), PG_referenced from FOLL_TOUCH
  REQUIRE(host.free_pages() <= host.high_pages());
  Vmscan vm(host, VmscanConfig{100, 300});
  vm.kswapd_begin();
  // Batch 1, priority 12: nr = (80 >> 12) + 1 = 1 active, (0 >> 12) + 1 = 1 inactive. The active
  // quota ages (inactive 0 * 1 < 80): gfn 0 deactivated, its PG_referenced and young pte cleared
  // (100 + 300). The inactive quota finds gfn 0 unreferenced: add_to_swap, try_to_unmap, pageout
  // (100 + 300 + 300): progress 1. End of shrink_zone: inactive 0 < active 79, so 32 more pages
  // (gfns 1..32) are deactivated (32 * 400). 400 + 700 + 12,800 = 13,900 cycles.
  Reclaimer::Batch b = vm.kswapd_batch(0);
  CHECK(b.cycles == 13'900);
  CHECK(b.progress == 1);
  CHECK_FALSE(b.pass_done);
  CHECK(vm.stats().pages_scanned == 34);
  // Batch 2, priority 11: active 47, inactive 32; nr 1 and 1. 32 < 47: gfn 33 deactivated (400);
  // the inactive tail is gfn 1, the first of the 32 put at the head: swapped out (700). Then
  // inactive 32 < active 46: 32 more deactivated (12,800). 13,900 again, progress 2.
  b = vm.kswapd_batch(0);
  CHECK(b.cycles == 13'900);
  CHECK(b.progress == 2);
  CHECK(HostMemory::is_swap_entry(*host.host_pte(0, Gfn{1})));
  // Batch 3, priority 10: active 14, inactive 64: not low, so the active quota goes to the
  // inactive list as well: gfns 2 and 3 swapped out (2 * 700); no aging at the end.
  b = vm.kswapd_batch(0);
  CHECK(b.cycles == 1'400);
  CHECK(b.progress == 4);
  CHECK(HostMemory::is_swap_entry(*host.host_pte(0, Gfn{2})));
  CHECK(HostMemory::is_swap_entry(*host.host_pte(0, Gfn{3})));
  CHECK(host.check().empty());
}
