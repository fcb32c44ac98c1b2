// Host reclaim (models/reclaim, models/host): the rules of mm/vmscan.c, mm/rmap.c, mm/swap.c and
// mm/page_alloc.c (Linux 2.6.28), each test naming the kernel function it follows.
#include <catch2/catch.hpp>
#include <set>

#include "host/host_memory.h"
#include "swap/swap_device.h"
#include "reclaim/vmscan.h"

using namespace mmusim;

namespace {
// A KVM stand-in: records notifier calls and answers clear_flush_young from a set of young gfns.
struct FakeKvm : MmuNotifier {
  std::set<std::uint64_t> young;  // young once (the A bit is cleared when asked)
  std::set<std::uint64_t> hot;    // young whenever asked (the guest keeps using them)
  std::vector<std::uint64_t> invalidated;
  unsigned young_calls = 0;
  void invalidate_page(Gfn gfn, CauseCycles&) override { invalidated.push_back(gfn.v); }
  void invalidate_range_start(Gfn, Gfn, CauseCycles&) override {}
  void invalidate_range_end(Gfn, Gfn) override {}
  bool clear_flush_young(Gfn gfn, CauseCycles&) override {
    ++young_calls;
    return young.erase(gfn.v) > 0 || hot.count(gfn.v) > 0;
  }
  bool clear_young(Gfn gfn) override { return young.erase(gfn.v) > 0; }
  bool test_young(Gfn gfn) override { return young.count(gfn.v) > 0; }
};

HostConfig with_swap(std::uint64_t slots, unsigned depth = 1) {
  HostConfig c;
  c.swap_slots = slots;
  c.swap_queue_depth = depth;
  c.swap_read_cycles = 1000;
  c.swap_write_cycles = 500;
  return c;
}
}  // namespace

TEST_CASE("watermarks follow min_free_kbytes = sqrt(lowmem_kb * 16) (init_per_zone_pages_min)", "[reclaim]") {
  // 2,048 frames = 8,192 KiB: sqrt(131,072) = 362 KiB -> 90 pages; low = 90 * 5/4 = 112; high = 135.
  HostMemory small(2048);
  CHECK(small.min_pages() == 90);
  CHECK(small.low_pages() == 112);
  CHECK(small.high_pages() == 135);
  // 4 GiB = 4,194,304 KiB: sqrt(67,108,864) = 8,192 KiB -> 2,048 pages.
  HostMemory big(1u << 20);
  CHECK(big.min_pages() == 2048);
  // 64 frames = 256 KiB: sqrt(4,096) = 64 KiB, clamped up to 128 KiB -> 32 pages.
  HostMemory tiny(64);
  CHECK(tiny.min_pages() == 32);
  // reclaim.min_free_kb overrides: 400 KiB -> 100 pages.
  HostConfig c;
  c.min_free_kb = 400;
  CHECK(HostMemory(2048, c).min_pages() == 100);
}

TEST_CASE("inactive_anon_is_low: inactive * int_sqrt(10 * GB) < active, ratio 1 below 1 GB", "[reclaim]") {
  HostConfig c;
  c.new_anon_active = true;  // lru_cache_add_active: new pages start active
  HostMemory host(1024, c);  // 4 MiB: ratio 1
  host.add_vm(64);
  Vmscan vm(host, VmscanConfig{});
  for (std::uint64_t g = 0; g < 3; ++g) host.gfn_to_pfn(0, Gfn{g}, false);
  CHECK(host.lru().size(LruList::ActiveAnon) == 3);
  CHECK(vm.inactive_anon_is_low());  // 0 * 1 < 3
}

TEST_CASE("shrink_active_list moves every scanned page to the inactive list and counts referenced ones as rotated", "[reclaim]") {
  HostMemory host(1024, with_swap(64));
  host.add_vm(64);
  FakeKvm kvm;
  host.register_notifier(0, &kvm);
  Vmscan vm(host, VmscanConfig{100, 300});
  for (std::uint64_t g = 0; g < 4; ++g) host.gfn_to_pfn(0, Gfn{g}, false);  // active, PG_referenced, ptes young
  // kswapd with free pages above high does nothing; force one priority pass through a direct reclaim:
  // the active list is aged (inactive 0 < active 4), every page deactivated, all 4 referenced.
  const Cycles spent = vm.try_to_free_pages(0);
  CHECK(vm.stats().pages_deactivated >= 4);
  CHECK(vm.stats().pages_rotated >= 4);
  // Work: every scanned page costs a scan and an rmap walk; the 4 KVM clear_flush_young calls
  // of the first aging were asked (one per mapped page).
  CHECK(kvm.young_calls >= 4);
  CHECK(spent >= vm.stats().pages_scanned * 100);
  CHECK(host.check().empty());
}

TEST_CASE("shrink_page_list: referenced and mapped -> activate; otherwise unmap, swap out, free at writeback end", "[reclaim]") {
  HostConfig c = with_swap(64);
  c.new_anon_active = false;  // start inactive, so the inactive list is scanned directly
  HostMemory host(1024, c);
  host.add_vm(64);
  FakeKvm kvm;
  host.register_notifier(0, &kvm);
  Vmscan vm(host, VmscanConfig{100, 300});
  const Pfn hot = host.gfn_to_pfn(0, Gfn{1}, false).pfn;
  const Pfn cold = host.gfn_to_pfn(0, Gfn{2}, false).pfn;
  kvm.hot.insert(1);  // KVM's A-bit harvest finds gfn 1 used every time
  // One try_to_free_pages, priorities 12..0: both pages start referenced (PG_referenced from
  // FOLL_TOUCH, young ptes) and are activated; aging the active list (inactive_anon_is_low)
  // deactivates them and clears those bits; at the next priority the cold page is unreferenced:
  // add_to_swap, try_to_unmap (invalidate_page to KVM), pageout. The hot page is young each time.
  vm.try_to_free_pages(0);
  CHECK(vm.stats().pages_activated >= 2);
  CHECK(host.page(hot).mapcount == 1);
  CHECK(host.page(cold).mapcount == 0);
  CHECK(kvm.invalidated == std::vector<std::uint64_t>{2});  // mmu_notifier_invalidate_page for the cold page
  CHECK(HostMemory::is_swap_entry(*host.host_pte(0, Gfn{2})));
  CHECK(host.page(cold).writeback);  // dirty (a new swap-cache page): written
  CHECK(host.stats().swap_outs == 1);
  const std::uint64_t used = host.frames().used();
  CHECK(host.complete_writeback(499) == 0);  // the write takes 500 cycles
  CHECK(host.complete_writeback(500) == 1);  // end_page_writeback: the page is freed
  CHECK(host.frames().used() == used - 1);
  CHECK(host.check().empty());
  // The guest touches it again: a major fault reads it back (1000 cycles of stall).
  CauseCycles cost;
  const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{2}, false, 600, &cost);
  CHECK(g.major_fault);
  CHECK(cost.major_fault == 1000);
  CHECK(host.stats().swap_ins == 1);
  CHECK(host.stats().refaults == 1);
  CHECK(host.page(g.pfn).swapcache);
  CHECK(host.check().empty());
}

TEST_CASE("a clean swap-cache page is freed without being written again (__remove_mapping)", "[reclaim]") {
  HostConfig c = with_swap(64);
  c.new_anon_active = false;
  HostMemory host(1024, c);
  host.add_vm(64);
  Vmscan vm(host, VmscanConfig{100, 300});
  host.gfn_to_pfn(0, Gfn{3}, false);
  for (int i = 0; i < 4 && host.stats().swap_outs == 0; ++i) vm.try_to_free_pages(0);
  host.complete_writeback(10'000);
  const Pfn back = host.gfn_to_pfn(0, Gfn{3}, false, 20'000).pfn;  // read back: clean, still has its slot
  CHECK_FALSE(host.page(back).dirty);
  for (int i = 0; i < 6 && host.page(back).mapcount; ++i) vm.try_to_free_pages(30'000);
  CHECK(host.page(back).use == HostPage::Use::Free);  // freed at once
  CHECK(host.stats().swap_outs == 1);                   // no second write
  CHECK(host.check().empty());
}

TEST_CASE("a page KVM pins is never reclaimed", "[reclaim]") {
  HostConfig c = with_swap(64);
  c.new_anon_active = false;
  HostMemory host(1024, c);
  host.add_vm(64);
  Vmscan vm(host, VmscanConfig{100, 300});
  const Pfn p = host.gfn_to_pfn(0, Gfn{5}, false).pfn;
  host.pin(p);  // an spte maps it (kvm.aging = pinned)
  for (int i = 0; i < 8; ++i) vm.try_to_free_pages(0);
  CHECK(host.page(p).mapcount == 1);
  CHECK(host.stats().swap_outs == 0);
  host.unpin(p);  // its last spte went
  for (int i = 0; i < 8 && host.page(p).mapcount; ++i) vm.try_to_free_pages(0);
  CHECK(host.page(p).mapcount == 0);
}

TEST_CASE("the swap device serves queue_depth requests in parallel, each for its latency", "[reclaim]") {
  SwapDevice one(8, 1, 1000, 500);
  CHECK(one.write(0) == 500);
  CHECK(one.write(0) == 1000);  // waits for the first
  CHECK(one.read(200) == 2000);
  CHECK(one.stats().queue_wait_cycles == 500 + 800);
  SwapDevice two(8, 2, 1000, 500);
  CHECK(two.write(0) == 500);
  CHECK(two.write(0) == 500);
  CHECK(two.write(0) == 1000);
  SwapDevice tiny(2, 1, 1, 1);
  CHECK(tiny.alloc_slot() == 0);
  CHECK(tiny.alloc_slot() == 1);
  CHECK(tiny.alloc_slot() == SwapDevice::kNoSlot);  // full
  CHECK(tiny.slots_used() == 2);
}
