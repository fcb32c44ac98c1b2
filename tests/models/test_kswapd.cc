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
  unsigned passes = 0, batches = 0;
  ReclaimStats s;
  void kswapd_begin() override { ++passes; }
  Batch kswapd_batch(Cycles) override {
    ++batches;
    const Batch b = script.front();
    script.pop_front();
    return b;
  }
  Cycles congestion_wait(Cycles now) override { return now + 1000; }
  Cycles try_to_free_pages(Cycles) override { return 0; }
  const ReclaimStats& stats() const override { return s; }
  void set_explain(EventSink*) override {}
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

TEST_CASE("timed batches: kswapd spends each batch's work before the next; congestion_wait sleeps in between", "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);
  ScriptedReclaimer r;
  // One pass: a batch of 100 cycles that ends a priority calling for congestion_wait, then one of
  // 50 cycles that ends the pass with 3 pages freed.
  r.script = {{100, 0, false, true}, {50, 3, true}, {70, 0, true}};
  Kswapd k(host, r, true);
  k.wake();
  Kswapd::Action a = k.next(0);
  CHECK(a.kind == Kswapd::Action::Kind::Busy);  // the first batch only
  CHECK(a.until == 100);
  CHECK(r.batches == 1);
  a = k.next(100);  // congestion_wait: the scripted reclaimer wakes 1,000 cycles later
  CHECK(a.kind == Kswapd::Action::Kind::Wait);
  CHECK(a.until == 1100);
  a = k.next(1100);  // the pass resumes: its second batch
  CHECK(a.kind == Kswapd::Action::Kind::Busy);
  CHECK(a.until == 1150);
  CHECK(r.passes == 1);
  CHECK(k.stats().batches == 2);
  CHECK(k.stats().cycles == 150);  // the wait is no work
}

TEST_CASE("2.6.28 shrink_zone accounting: nr_scan += size >> priority, a list scanned once its count reaches 32", "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);  // 80 active pages, none inactive
  VmscanConfig cfg{100, 300};
  cfg.zone_scan_accounting = true;
  Vmscan vm(host, cfg);
  vm.kswapd_begin();
  // Batch 1, priority 12: balance_pgdat's background aging (inactive 0 < active 80) deactivates
  // gfns 0..31 (32 * 400). shrink_zone: nr_scan grows by 32 >> 12 = 0 and 48 >> 12 = 0, below 32:
  // no round. Its closing aging (32 < 48) deactivates gfns 32..63 (32 * 400). 25,600 cycles.
  Reclaimer::Batch b = vm.kswapd_batch(0);
  CHECK(b.cycles == 25'600);
  CHECK(vm.stats().pages_deactivated == 64);
  // Batch 2: inactive 64, active 16, not low. The inactive count grows by 64 >> p: 0 for p >= 7,
  // then 1, 2, 4, 8, 16 at p = 6..2 (31, still below 32), and 32 at p = 1: 63 to scan. The active
  // count reaches 1 + 2 + 4 + 8 = 15 by p = 1: not scanned. The first round at p = 1: 32 inactive
  // pages from the tail (gfns 0..31, unreferenced) swapped out, 32 * 700 = 22,400 cycles.
  b = vm.kswapd_batch(0);
  CHECK(b.cycles == 22'400);
  CHECK(host.stats().swap_outs == 32);
  CHECK(b.progress == 0);  // counted when the shrink_zone ends
  // Batch 3: the other 31 (31 * 700 = 21,700); inactive 1 < active 16: the closing aging takes
  // the 16 active pages (16 * 400 = 6,400). 63 pages reclaimed >= 32: the pass ends.
  b = vm.kswapd_batch(0);
  CHECK(b.cycles == 28'100);
  CHECK(b.progress == 63);
  CHECK(b.pass_done);
  CHECK(host.check().empty());
}

TEST_CASE("progress is pages freed (nr_reclaimed): swap writes started are not progress", "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);
  VmscanConfig cfg{100, 300};
  cfg.progress_freed = true;
  Vmscan vm(host, cfg);
  vm.kswapd_begin();
  // As in the resumable-pass case: batch 1 writes gfn 0 to swap, but the page is freed only when
  // the write completes, so the pass has reclaimed nothing.
  const Reclaimer::Batch b = vm.kswapd_batch(0);
  CHECK(host.stats().swap_outs == 1);
  CHECK(b.progress == 0);
}

TEST_CASE("congestion_wait flags the end of each priority below DEF_PRIORITY - 2, not before", "[reclaim]") {
  HostMemory host(128, with_swap());
  fill(host, 80);
  VmscanConfig cfg{100, 300};
  cfg.congestion_timeout_cycles = 10'000;
  Vmscan vm(host, cfg);
  vm.kswapd_begin();
  // The resumable-pass case: batches 1, 2, 3 end priorities 12, 11, 10 (progress 1, 2, 4 < 32);
  // the 4th ends priority 9 < 12 - 2, and the pass has scanned: congestion_wait.
  for (int i = 0; i < 3; ++i) CHECK_FALSE(vm.kswapd_batch(0).congestion_wait);
  CHECK(vm.kswapd_batch(0).congestion_wait);
}

TEST_CASE("congestion_wait sleeps until the next swap write completes, or the timeout", "[reclaim]") {
  HostConfig c = with_swap();
  c.new_anon_active = false;
  HostMemory host(128, c);
  fill(host, 1);
  VmscanConfig cfg{100, 300};
  cfg.congestion_timeout_cycles = 10'000;
  Vmscan vm(host, cfg);
  const Pfn p = host.gfn_to_pfn(0, Gfn{0}, false).pfn;
  CauseCycles work;
  host.page_referenced(p, work);  // its young pte cleared, as a scan would
  REQUIRE(host.add_to_swap(p));
  REQUIRE(host.try_to_unmap(p, work));
  host.pageout(p, 0);  // the write takes 500 cycles
  CHECK(vm.congestion_wait(100) == 500);      // woken by the write's completion
  CHECK(vm.congestion_wait(600) == 10'600);   // nothing in flight: the whole timeout
  CHECK(vm.stats().congestion_waits == 2);
  CHECK(vm.stats().congestion_wait_cycles == 400 + 10'000);
}

TEST_CASE("writeback: PG_reclaim keeps the page on the LRU, rotate_reclaimable_page moves it to the tail, the next scan frees or reactivates it",
          "[reclaim]") {
  HostConfig c = with_swap();
  c.new_anon_active = false;  // the pages start inactive
  c.writeback_rotate = true;
  HostMemory host(128, c);
  fill(host, 80);
  VmscanConfig cfg{100, 300};
  cfg.progress_freed = true;
  Vmscan vm(host, cfg);
  // An earlier aging cleared every page's PG_referenced and young pte.
  CauseCycles work;
  for (std::uint64_t g = 0; g < 80; ++g) host.page_referenced(Pfn{host.host_pte(0, Gfn{g})->frame()}, work);
  const Pfn p0{host.host_pte(0, Gfn{0})->frame()}, p1{host.host_pte(0, Gfn{1})->frame()};
  vm.kswapd_begin();
  // Priority 12: (0 >> 12) + 1 active and (80 >> 12) + 1 inactive pages; the active list is not
  // low, so both quotas scan the inactive tail: gfns 0 and 1, unreferenced: add_to_swap,
  // try_to_unmap, pageout. With PG_reclaim they go back to the inactive head; nothing is freed.
  Reclaimer::Batch b = vm.kswapd_batch(0);
  CHECK(b.progress == 0);
  CHECK(host.page(p0).writeback);
  CHECK(host.lru().list_of(p0.v) == LruList::InactiveAnon);
  CHECK(host.check().empty());
  // One write at a time (queue depth 1), 500 cycles each: gfn 0's ends at 500, gfn 1's at 1,000;
  // each is rotated to the inactive tail, gfn 1 last, so it is the tail.
  CHECK(host.complete_writeback(500) == 0);
  CHECK(host.stats().pages_rotated_writeback == 1);
  host.mark_page_accessed(p1);  // what rmap_remove's kvm_set_pfn_accessed does when the spte had A set
  CHECK(host.complete_writeback(1000) == 0);
  CHECK(host.stats().pages_rotated_writeback == 2);
  const std::uint64_t free_before = host.free_pages();
  // The next pass: the tail, gfn 1, is referenced and a swap-cache page (page_mapping_inuse):
  // activated, resident though unmapped. Then gfn 0: unreferenced, clean, in swap: freed.
  vm.kswapd_begin();
  b = vm.kswapd_batch(1000);
  CHECK(vm.stats().pages_reactivated_swapcache == 1);
  CHECK(host.lru().list_of(p1.v) == LruList::ActiveAnon);
  CHECK(host.page(p0).use == HostPage::Use::Free);
  CHECK(host.free_pages() == free_before + 1);
  CHECK(b.progress == 1);
  CHECK(host.check().empty());
  // The guest touches gfn 1: a minor fault from the swap cache, no read; gfn 0 is read back.
  CauseCycles cost;
  const HostMemory::Gup g1 = host.gfn_to_pfn(0, Gfn{1}, false, 2000, &cost);
  CHECK(g1.minor_fault);
  CHECK_FALSE(g1.major_fault);
  CHECK(cost.major_fault == 0);
  CHECK(host.gfn_to_pfn(0, Gfn{0}, false, 2000, &cost).major_fault);
  CHECK(host.stats().swap_ins == 1);
  CHECK(host.check().empty());
}
