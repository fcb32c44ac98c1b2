// The reclaim mechanisms the eras differ by (models/host, models/reclaim, models/kvm/mmu_shrink):
// the swap token (mm/thrash.c, mm/rmap.c page_referenced_one, 2.6.24 to 2.6.28), 2.6.24's
// shrink_zone and shrink_active_list (reclaim_mapped), shrink_slab and KVM's mmu_shrink (2.6.26
// and later). Each expected value is derived in its comment from the kernel rule.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/mmu_shrink.h"
#include "kvm/shadow_mmu.h"
#include "reclaim/vmscan.h"

using namespace mmusim;

namespace {
HostConfig token_host() {
  HostConfig c;
  c.swap_slots = 64;
  c.swap_queue_depth = 4;
  c.swap_read_cycles = 1000;
  c.swap_write_cycles = 500;
  c.swap_token = true;
  return c;
}

// Swaps gfn `g` of `vm` out: unmap it, write it, let the write complete, free it.
void swap_out(HostMemory& h, std::uint16_t vm, std::uint64_t g, Cycles now) {
  const Pfn p{h.host_pte(vm, Gfn{g})->frame()};
  CauseCycles c;
  h.page_referenced(p, c);  // the young pte cleared, as the scan before the unmap does
  REQUIRE(h.add_to_swap(p));
  REQUIRE(h.try_to_unmap(p, c));
  h.pageout(p, now);
  h.complete_writeback(now + 10000);
}

// A shrinker that frees nothing and records its calls.
struct CountingShrinker : Shrinker {
  std::uint64_t objects = 0;
  std::vector<std::uint64_t> calls;  // nr_to_scan of each call that asked for work
  std::uint64_t shrink(std::uint64_t n, CauseCycles&) override {
    if (n) calls.push_back(n);
    return objects;
  }
};
}  // namespace

TEST_CASE("swap token: the holder's pages count referenced while it waits for a swap read (page_referenced_one)",
          "[reclaim][eras]") {
  HostMemory h(1024, token_host());
  h.add_vm(64);
  h.gfn_to_pfn(0, Gfn{1}, true);
  h.gfn_to_pfn(0, Gfn{2}, true);
  swap_out(h, 0, 1, 0);
  CHECK(h.swap_token_holder() == -1);
  // A refault of gfn 1 at t = 20,000 reads the device (1,000 cycles): grab_swap_token first, and
  // the mm's fault holds mmap_sem until 21,000.
  const auto g = h.gfn_to_pfn(0, Gfn{1}, false, 20000);
  REQUIRE(g.major_fault);
  CHECK(h.swap_token_holder() == 0);
  const Pfn p2{h.host_pte(0, Gfn{2})->frame()};
  CauseCycles c;
  h.page_referenced(p2, c, 19000);  // clears PG_referenced and the young pte (before the fault: no token reference)
  CHECK(h.stats().swap_token_references == 0);
  // kswapd (no mm) at 20,500: old pte, PG_referenced clear, but the holder is in its fault: 1.
  CHECK(h.page_referenced(p2, c, 20500) == 1);
  CHECK(h.stats().swap_token_references == 1);
  // At 21,000 the read is done and mmap_sem released: 0.
  CHECK(h.page_referenced(p2, c, 21000) == 0);
  // disable_swap_token (reclaim at priority 0): none even during a fault.
  h.disable_swap_token();
  CHECK(h.page_referenced(p2, c, 20500) == 0);
}

TEST_CASE("swap token: first come first served, then priorities decide (grab_swap_token)", "[reclaim][eras]") {
  HostMemory h(1024, token_host());
  h.add_vm(64);
  h.add_vm(64);
  for (std::uint16_t vm : {0, 1})
    for (std::uint64_t g = 0; g < 4; ++g) h.gfn_to_pfn(vm, Gfn{g}, true);
  for (std::uint16_t vm : {0, 1})
    for (std::uint64_t g = 0; g < 4; ++g) swap_out(h, vm, g, 0);
  // Fault 1 (global_faults 1), vm 0: no holder -> vm 0, priority 2; its last_interval = 1 - 0 = 1.
  h.gfn_to_pfn(0, Gfn{0}, false, 100000);
  CHECK(h.swap_token_holder() == 0);
  // Fault 2, vm 1: interval 2 - 0 = 2, not below its last_interval 0: priority stays 0 (not above
  // 0 to decrease); 0 > 2 is false: vm 0 keeps the token. vm 1: faultstamp 2, last_interval 2.
  h.gfn_to_pfn(1, Gfn{0}, false, 200000);
  CHECK(h.swap_token_holder() == 0);
  // Fault 3, vm 1: interval 3 - 2 = 1 < 2: priority 1; 1 > 2 false. Fault 4, vm 1: interval 1,
  // not below 1: priority 0. Fault 5, vm 0 (the holder): priority 4.
  h.gfn_to_pfn(1, Gfn{1}, false, 300000);
  h.gfn_to_pfn(1, Gfn{2}, false, 400000);
  h.gfn_to_pfn(0, Gfn{1}, false, 500000);
  CHECK(h.swap_token_holder() == 0);
  CHECK(h.stats().swap_token_grabs == 1);
}

TEST_CASE("2.6.24 shrink_active_list: a mapped page stays active when referenced; reclaim_mapped from swap_tendency",
          "[reclaim][eras]") {
  // 1,024 frames (4 MiB): min_free_kbytes = sqrt(4,096 * 16) = 256 KiB -> min 64 pages, high 96.
  HostConfig hc;
  hc.swap_slots = 256;
  hc.swap_read_cycles = 1000;
  hc.swap_write_cycles = 500;
  HostMemory h(1024, hc);
  h.add_vm(1024);
  VmscanConfig vc;
  vc.classic_2624 = true;
  Vmscan v(h, vc);
  // 950 guest pages, mapped, active (lru_cache_add_active), added in gfn order: gfn 0 is the
  // active list's tail (the oldest). Their host table takes 5 frames (PML4, PDPT, PD, 2 PTs): 69
  // free, below high: kswapd has work. One page_referenced each clears PG_referenced and the young
  // ptes; then gfns 5-9 are made young again.
  for (std::uint64_t g = 0; g < 950; ++g) h.gfn_to_pfn(0, Gfn{g}, true);
  REQUIRE(h.free_pages() == 69);
  CauseCycles c;
  for (std::uint64_t g = 0; g < 950; ++g) h.page_referenced(Pfn{h.host_pte(0, Gfn{g})->frame()}, c);
  for (std::uint64_t g = 5; g < 10; ++g) h.host_pte(0, Gfn{g})->raw |= pte_bits::A;
  // kswapd's first batch. 2.6.24's shrink_zone adds (950 >> priority) + 1 to nr_scan_active:
  // priorities 12, 11, 10: 1 each (3); 9: 2 (5); 8: 4 (9); 7: 8 (17); 6: 15 (32): 32 pages scanned
  // at priority 6, the batch's only work (nr_scan_inactive, 1 a priority on an empty list, is 7).
  // reclaim_mapped: mapped_ratio = 950 * 100 / 1,024 = 92; distress = 100 >> min(12, 6) = 1;
  // imbalance = 950 / (0 + 1) * 61 / 100 * 92 / 100 = 532; 46 + 1 + 60 + 532 >= 100.
  // The 32 oldest are gfns 0-31: 5-9 referenced stay active, the 27 others go to the inactive list.
  v.kswapd_begin();
  v.kswapd_batch(0);
  CHECK(v.stats().pages_scanned == 32);
  CHECK(v.stats().pages_rotated == 5);
  CHECK(v.stats().pages_deactivated == 27);
  CHECK(v.stats().reclaim_mapped_refusals == 0);
  CHECK(h.lru().size(LruList::ActiveAnon) == 950 - 27);
  CHECK(h.lru().size(LruList::InactiveAnon) == 27);
  for (std::uint64_t g = 0; g < 40; ++g) {
    INFO("gfn " << g);
    const bool active = h.lru().list_of(h.host_pte(0, Gfn{g})->frame()) == LruList::ActiveAnon;
    CHECK(active == ((g >= 5 && g < 10) || g >= 32));
  }
}

TEST_CASE("shrink_slab: nr grows by 4 * scanned / seeks * objects / (lru + 1) and is spent 128 at a time", "[reclaim][eras]") {
  HostConfig hc;
  hc.swap_slots = 256;
  hc.swap_read_cycles = 1000;
  hc.swap_write_cycles = 500;
  HostMemory h(1024, hc);
  h.add_vm(1024);
  CountingShrinker s;
  s.objects = 1000;
  h.register_shrinker(&s);
  Vmscan v(h, VmscanConfig{});
  for (std::uint64_t g = 0; g < 960; ++g) h.gfn_to_pfn(0, Gfn{g}, true);  // free: 1024 - 960 - 2 tables <= min 64
  v.try_to_free_pages(0);
  // Each priority that scanned S pages adds 4 * S / 2 * 1000 / (lru + 1) to nr (at most 2,000);
  // every 128 of it is one call of shrink(128). Whatever the scans, the calls ask for 128 each,
  // and their number is what the direct reclaim counted.
  CHECK(!s.calls.empty());
  for (std::uint64_t n : s.calls) CHECK(n == 128);
  CHECK(v.stats().slab_shrink_calls == s.calls.size());
  CHECK(s.nr < 128);  // what is left below a batch is carried
}

TEST_CASE("mmu_shrink: one shadow page per call, the oldest of the first VM, which then goes to the tail", "[kvm][eras]") {
  HostMemory h(4096);
  std::vector<std::unique_ptr<GuestOs>> guests;
  std::vector<std::unique_ptr<ShadowMmu>> kvms;
  std::vector<std::unique_ptr<Mmu>> mmus;
  MmuShrink shrink;
  for (std::uint16_t vm = 0; vm < 2; ++vm) {
    h.add_vm(1024);
    guests.push_back(std::make_unique<GuestOs>(1024, "guest", 3200));
    kvms.push_back(std::make_unique<ShadowMmu>(vm, h, *guests.back(), KvmConfig{}));
    mmus.push_back(std::make_unique<Mmu>(MmuConfig{}));
    kvms.back()->add_vcpu(vm, 0, mmus.back().get(), [](const CauseCycles&) {});
    shrink.add(kvms.back().get());
    CauseCycles c;
    mmus.back()->load_cr3(vm, kvms.back()->new_cr3(vm, 1, true, c));
    // One page touched: the root and the PDPT, PD and PT shadow pages (4).
    for (int tries = 0; tries < 5; ++tries) {
      const Translation t = mmus.back()->translate(Vpn{0}, false, false);
      if (t.ok) break;
      kvms.back()->page_fault(vm, Vpn{0}, false, false, t);
    }
    REQUIRE(kvms.back()->mode_pages() == 4);
  }
  CauseCycles c;
  CHECK(shrink.shrink(0, c) == 8);  // counts only
  // shrink(128): VM 0 first; its oldest page that is no root: the PDPT (created before PD and PT).
  CHECK(shrink.shrink(128, c) == 7);
  CHECK(kvms[0]->stats().mmu_shrink_zaps == 1);
  CHECK(kvms[1]->stats().mmu_shrink_zaps == 0);
  // VM 0 went to the tail of vm_list: the next call takes VM 1's.
  CHECK(shrink.shrink(128, c) == 6);
  CHECK(kvms[1]->stats().mmu_shrink_zaps == 1);
  CHECK(kvms[0]->check().empty());
  CHECK(kvms[1]->check().empty());
}

TEST_CASE("a host process's page: reclaim unmaps it with a TLB flush and no notifier, counted as the host's",
          "[reclaim][host]") {
  // try_to_unmap_one's ptep_clear_flush: the pte becomes the swap entry and the CPUs running the mm
  // drop the page's TLB entry; page_referenced's ptep_clear_flush_young flushes only a young pte.
  HostMemory h(1024, token_host());
  h.add_vm(64);
  std::vector<std::uint64_t> flushed;
  const std::uint16_t mm = h.add_process([&](Vpn v) { flushed.push_back(v.v); });
  CHECK(mm == 1);  // after the VM
  CHECK(h.is_process(mm));
  h.gfn_to_pfn(0, Gfn{3}, true);                     // a guest page
  const auto g = h.gfn_to_pfn(mm, Gfn{0x10000}, true);  // the process's page at 0x10000000
  CHECK(h.host_pte(mm, Gfn{0x10000})->frame() == g.pfn.v);
  CHECK(h.resident_guest_pages() == 1);
  CHECK(h.resident_process_pages() == 1);
  CHECK_FALSE(h.page(g.pfn).referenced);  // a process's own fault: no FOLL_TOUCH mark
  CauseCycles c;
  CHECK(h.page_referenced(g.pfn, c) == 1);  // the young pte, cleared and flushed
  CHECK(flushed == std::vector<std::uint64_t>{0x10000});
  CHECK(h.page_referenced(g.pfn, c) == 0);  // old now: no flush
  CHECK(flushed.size() == 1);
  REQUIRE(h.add_to_swap(g.pfn));
  REQUIRE(h.try_to_unmap(g.pfn, c));
  CHECK(flushed.size() == 2);
  h.pageout(g.pfn, 0);
  CHECK(h.stats().swap_outs == 1);
  CHECK(h.stats().swap_outs_procs == 1);
  h.complete_writeback(100000);
  CHECK(h.check().empty());
}
