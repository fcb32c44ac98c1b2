// Host huge pages swapped whole (reclaim.thp_swap = whole: THP swap, 4.13 and 4.14) and host huge
// pages under MGLRU: the swap cluster of 512 slots, the pmd turned into 512 swap ptes, one 2 MiB
// write freeing 512 frames at its end, 4 KiB swap-ins afterwards, the fallback split without a
// free cluster, MGLRU's walk aging a huge pmd, and MGLRU evicting a huge page whole or split.
// Every value is derived in its comment.
#include <catch2/catch.hpp>

#include <memory>
#include <utility>
#include <vector>

#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "host/lru_gen.h"
#include "kvm/tdp_mmu.h"
#include "reclaim/lru_gen_reclaim.h"
#include "reclaim/vmscan.h"
#include "swap/swap_device.h"

using namespace mmusim;

namespace {
// 4096 frames (min_free_kbytes = sqrt(16384 * 16) = 512 KiB: min 128, low 160 pages), host THP,
// swap writes and reads of 100 cycles on 32 channels, pages freed when their write completes.
HostConfig thp_swap_host(std::uint64_t swap_slots, bool whole) {
  HostConfig c;
  c.thp = true;
  c.thp_swap = whole;
  c.swap_slots = swap_slots;
  c.swap_queue_depth = 32;
  c.swap_write_cycles = 100;
  c.swap_read_cycles = 100;
  c.writeback_rotate = false;
  return c;
}

// A secondary MMU that records the ranges the host invalidates.
struct RecordingNotifier : MmuNotifier {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  unsigned pages = 0;
  void invalidate_page(Gfn, CauseCycles&) override { ++pages; }
  void invalidate_range_start(Gfn first, Gfn last, CauseCycles&) override { ranges.emplace_back(first.v, last.v); }
  void invalidate_range_end(Gfn, Gfn) override {}
  bool clear_flush_young(Gfn, CauseCycles&) override { return false; }
  bool clear_young(Gfn) override { return false; }
  bool test_young(Gfn) override { return false; }
};
}  // namespace

TEST_CASE("swap device: a cluster is 512 free aligned slots; a 2 MiB write is 512 writes over the queue", "[swap][huge]") {
  // 1300 slots: clusters 0 (0..511) and 1 (512..1023); 1024..1299 is no whole cluster.
  SwapDevice d(1300, 32, 100, 100);
  CHECK(d.alloc_slot() == 0);            // the lowest free slot: cluster 0 is no longer free
  CHECK(d.alloc_cluster() == 512);       // cluster 1
  CHECK(d.slots_used() == 1 + 512);
  CHECK(d.alloc_cluster() == SwapDevice::kNoSlot);  // cluster 0 has slot 0 in use, the rest is partial
  CHECK(d.alloc_slot() == 1);            // 4 KiB slots still come from the lowest free
  d.free_slot(0);
  d.free_slot(1);
  CHECK(d.alloc_cluster() == 0);         // cluster 0 is free again
  CHECK(d.alloc_slot() == 1024);         // every slot below 1024 is in use
  // A 512-page write at cycle 1000 on 32 idle channels of 100 cycles each: 16 rounds of 32, the
  // last ends at 1000 + 16 * 100 = 2600; round r waits r * 100 cycles for each of its 32 writes:
  // 32 * 100 * (0 + 1 + ... + 15) = 384,000 cycles of queue wait; 512 writes counted.
  CHECK(d.write_pages(1000, 512) == 2600);
  CHECK(d.stats().writes == 512);
  CHECK(d.stats().queue_wait_cycles == 384000);
  CHECK(d.in_flight(1000) == 512);
  // A 4 KiB write right after waits for the first free channel: 2600 + 100.
  CHECK(d.write(1000) == 2700);
}

TEST_CASE("thp swap: a huge page goes to swap whole, one 2 MiB write, 512 frames freed at its end, 4 KiB swap-ins",
          "[huge][host][swap]") {
  HostMemory host(4096, thp_swap_host(1024, true));
  host.add_vm(1024);  // PML4 frame 0
  RecordingNotifier kvm;
  host.register_notifier(0, &kvm);
  // A write fault at gfn 7: PDPT and PD take frames 1 and 2, the huge page the block at 512 (gfns
  // 0..511 at frames 512..1023), the deposited table frame 3; 516 frames in use.
  host.gfn_to_pfn(0, Gfn{7}, true);
  REQUIRE(host.stats().host_huge_pages == 1);
  REQUIRE(host.frames().used() == 516);
  // add_to_swap: cluster 0, slots 0..511 for pages 512..1023 in order; the page stays huge and
  // mapped by its pmd.
  CHECK(host.add_to_swap(Pfn{512}));
  CHECK(host.page(Pfn{512}).slot == 0);
  CHECK(host.page(Pfn{1023}).slot == 511);
  CHECK(host.page(Pfn{1023}).swapcache);
  CHECK(host.page(Pfn{512}).huge);
  CHECK(host.stats().thp_swpout_fallback == 0);
  CHECK(host.stats().huge_pages_split == 0);
  CHECK(host.host_pte(0, Gfn{7})->large());
  CHECK(host.check().empty());
  // try_to_unmap (2.6.28's young check on): the pmd is young from the fault: SWAP_FAIL, still mapped.
  CauseCycles c;
  CHECK_FALSE(host.try_to_unmap(Pfn{512}, c));
  CHECK(host.mapped_pages() == 512);
  // Now old: the deposited table (frame 3) replaces the pmd with 512 swap ptes, slot k at pte k;
  // nothing is mapped; KVM is told once, for the range of gfns 0..511.
  CHECK(host.try_to_unmap(Pfn{512}, c));
  CHECK(host.mapped_pages() == 0);
  const Pte* p = host.host_pte(0, Gfn{7});
  REQUIRE(p != nullptr);
  CHECK_FALSE(p->large());
  CHECK(HostMemory::is_swap_entry(*p));
  CHECK(p->frame() == 7);
  CHECK(host.host_table(0).table_at(3)->e[300].frame() == 300);
  CHECK(kvm.ranges == std::vector<std::pair<std::uint64_t, std::uint64_t>>{{0, 511}});
  CHECK(kvm.pages == 0);
  CHECK(host.check().empty());
  // pageout at cycle 1000: one 2 MiB write, served as 512 writes of 100 cycles over 32 channels:
  // done at 1000 + 512 / 32 * 100 = 2600; 512 pages counted in swap_outs, 1 in thp_swpout.
  CHECK(host.pageout(Pfn{512}, 1000) == 2600);
  CHECK(host.stats().swap_outs == 512);
  CHECK(host.stats().thp_swpout == 1);
  CHECK(host.writeback_pages() == 1);
  CHECK(host.check().empty());

  SECTION("the write completes: 512 frames freed at once, then a fault reads one 4 KiB page") {
    CHECK(host.complete_writeback(2599) == 0);
    CHECK(host.frames().used() == 516);
    CHECK(host.complete_writeback(2600) == 512);
    CHECK(host.frames().used() == 4);  // PML4, PDPT, PD and the former deposited table
    CHECK(host.resident_guest_pages() == 0);
    CHECK(host.check().empty());
    // gfn 300: its slot (300) is not in the swap cache: a major fault reads 4 KiB (no readahead:
    // page_cluster 0) into one new frame; the huge page does not come back, gfn 301 stays in swap.
    const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{300}, false, 3000);
    CHECK(g.major_fault);
    CHECK(host.stats().swap_ins == 1);
    CHECK(host.frames().used() == 5);
    CHECK(host.stats().host_huge_pages == 1);
    CHECK_FALSE(host.host_pte(0, Gfn{300})->large());
    CHECK(host.host_pte(0, Gfn{300})->present());
    CHECK(HostMemory::is_swap_entry(*host.host_pte(0, Gfn{301})));
    CHECK(host.check().empty());
  }
  SECTION("a fault while the write is in flight splits the page in the swap cache") {
    // gfn 9 at cycle 1500 finds frame 521 in the swap cache: the model splits the page (512
    // pages under writeback, each with its own completion entry), maps 521 (a minor fault that
    // waits for nothing: the page is being written, not read).
    const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{9}, false, 1500);
    CHECK(g.minor_fault);
    CHECK(g.pfn.v == 521);
    CHECK(host.stats().huge_pages_split == 1);
    CHECK_FALSE(host.page(Pfn{512}).huge);
    CHECK(host.writeback_pages() == 512);
    CHECK(host.check().empty());
    // At 2600 the 511 unmapped pages are freed; the mapped one stays (in the swap cache).
    CHECK(host.complete_writeback(2600) == 511);
    CHECK(host.frames().used() == 5);
    CHECK(host.check().empty());
  }
}

TEST_CASE("thp swap: no free cluster: the huge page is split and its head gets a 4 KiB slot (thp_swpout_fallback)",
          "[huge][host][swap]") {
  // A memslot of 1025 gfns: gfn 1024's 2 MiB range passes its end, so gfn 1024 is a 4 KiB page.
  HostMemory host(4096, thp_swap_host(1024, true));
  host.add_vm(1025);
  const Pfn small = host.gfn_to_pfn(0, Gfn{1024}, true).pfn;
  CHECK(host.add_to_swap(small));
  CHECK(host.page(small).slot == 0);  // the lowest free slot: cluster 0 is taken
  // The first huge page (gfns 0..511) gets cluster 1, slots 512..1023.
  const std::uint64_t a = host.gfn_to_pfn(0, Gfn{7}, true).pfn.v - 7;
  std::vector<std::uint64_t> tails;
  CHECK(host.add_to_swap(Pfn{a}, &tails));
  CHECK(host.page(Pfn{a}).slot == 512);
  CHECK(tails.empty());
  // The second (gfns 512..1023) finds no free cluster: split_huge_page, thp_swpout_fallback = 1,
  // the head takes the lowest free slot (1), its 511 tails come back for reclaim's list.
  const std::uint64_t b = host.gfn_to_pfn(0, Gfn{600}, true).pfn.v - (600 - 512);
  REQUIRE(host.stats().host_huge_pages == 2);
  CHECK(host.add_to_swap(Pfn{b}, &tails));
  CHECK(host.stats().thp_swpout_fallback == 1);
  CHECK(host.stats().huge_pages_split == 1);
  CHECK_FALSE(host.page(Pfn{b}).huge);
  CHECK(host.page(Pfn{b}).slot == 1);
  REQUIRE(tails.size() == 511);
  CHECK(tails.front() == b + 1);
  CHECK(tails.back() == b + 511);
  CHECK_FALSE(host.page(Pfn{b + 1}).swapcache);
  CHECK(host.check().empty());
}

namespace {
// The same host with the multi-gen LRU; its walks ask no secondary MMU (6.6).
struct MgThp {
  explicit MgThp(bool whole) : host(4096, thp_swap_host(1024, whole), std::make_unique<LruGen>(4096)), r(host, LruGenConfig{}) {
    host.add_vm(1024);
  }
  LruGen& lru() { return dynamic_cast<LruGen&>(host.lru_policy()); }
  HostMemory host;
  LruGenReclaim r;
};
}  // namespace

TEST_CASE("mglru thp: the walk ages a huge pmd as one leaf: one young bit for 512 pages, the head promoted",
          "[huge][lru_gen]") {
  MgThp m(false);
  m.host.gfn_to_pfn(0, Gfn{7}, false);
  // folio_add_lru in a fault: the youngest generation, max_seq = 3 (gen 3), counted as 512 pages.
  CHECK(m.lru().gen_of(512) == 3);
  CHECK(m.lru().nr_pages(3) == 512);
  CHECK(m.lru().size(LruList::ActiveAnon) == 512);
  CauseCycles w;
  // Walk 1 (mm resident 512 >= MIN_LRU_BATCH): the PD's pmd maps the page: one leaf read, young
  // (set at the fault), cleared, the head to max_seq's generation (3, where it is); no pte table
  // is walked (the deposited one is not in the tree). inc_max_seq: 4 generations, so min_seq 1,
  // max_seq 4.
  m.r.age(0, w);
  CHECK(m.r.stats().aging_ptes_scanned == 1);
  CHECK(m.r.stats().aging_young_ptes == 1);
  CHECK_FALSE(m.host.host_pte(0, Gfn{7})->accessed());
  CHECK(m.lru().max_seq() == 4);
  // Walk 2: the pmd is old: read, not promoted; max_seq 5, min_seq 2; the page is in seq 3.
  m.r.age(0, w);
  CHECK(m.r.stats().aging_ptes_scanned == 2);
  CHECK(m.r.stats().aging_young_ptes == 1);
  CHECK(m.lru().gen_of(512) == 3);
  // An access sets the pmd's young bit again (here by hand: the hardware's, on the host's side):
  // walk 3 promotes the head to max_seq 5's generation, 1; it stays on generation 3's list until
  // eviction sorts it; all 512 pages move with it.
  m.host.host_pte(0, Gfn{300})->raw |= pte_bits::A;
  m.r.age(0, w);
  CHECK(m.r.stats().aging_young_ptes == 2);
  CHECK(m.lru().gen_of(512) == 1);
  CHECK(m.lru().list_of_page(512) == 3);
  CHECK(m.lru().nr_pages(1) == 512);
  CHECK(m.lru().nr_pages(3) == 0);
  CHECK(m.host.check().empty());
}

TEST_CASE("mglru thp: evict_folios swaps a huge page whole or splits it, by reclaim.thp_swap", "[huge][lru_gen][swap]") {
  for (const bool whole : {true, false}) {
    INFO((whole ? "whole" : "split"));
    MgThp m(whole);
    m.host.gfn_to_pfn(0, Gfn{7}, true);  // gen 3 (max_seq 3), PG_referenced from FOLL_TOUCH
    CauseCycles w;
    // Three walks: the first clears the young pmd (the page stays in seq 3); max_seq 6 and min_seq
    // 3 after the third (inc_min_seq moves no page): the page is in the oldest generation.
    for (int i = 0; i < 3; ++i) m.r.age(0, w);
    REQUIRE(m.lru().min_seq() == 3);
    REQUIRE(m.lru().gen_of(512) == 3);
    std::uint64_t reclaimed = 0;
    // scan_folios: the head, tier 0, isolated: 512 pages scanned and isolated (>= MIN_LRU_BATCH,
    // the batch ends). shrink_folio_list: its pmd is old and no secondary MMU answers: not
    // referenced; add_to_swap; try_to_unmap; dirty: pageout at cycle 1000. Nothing is freed yet.
    m.r.evict_folios(reclaimed, 1000, w);
    CHECK(m.r.stats().pages_scanned == 512);
    CHECK(reclaimed == 0);
    CHECK(m.host.mapped_pages() == 0);
    CHECK(m.host.stats().swap_outs == 512);
    CHECK(m.host.check().empty());
    if (whole) {
      // One cluster (slots 0..511), one 2 MiB write, one writeback entry, no split.
      CHECK(m.host.stats().thp_swpout == 1);
      CHECK(m.host.stats().huge_pages_split == 0);
      CHECK(m.host.writeback_pages() == 1);
      CHECK(m.host.page(Pfn{1023}).slot == 511);
    } else {
      // split_folio_to_list: the head takes slot 0 and its 511 tails join reclaim's list, each
      // old (the pmd's bits copied into its pte), each given the next slot and written: 512
      // writes of 4 KiB, no 2 MiB write.
      CHECK(m.host.stats().thp_swpout == 0);
      CHECK(m.host.stats().huge_pages_split == 1);
      CHECK(m.host.writeback_pages() == 512);
      CHECK(m.host.page(Pfn{1023}).slot == 511);
    }
    // Either way all 512 slots' writes end by 1000 + 16 * 100 = 2600 and 512 frames are freed.
    CHECK(m.host.complete_writeback(2600) == 512);
    CHECK(m.host.resident_guest_pages() == 0);
    CHECK(m.host.check().empty());
  }
}

TEST_CASE("thp swap under the split LRU: a fallback split's tails go through the same reclaim pass", "[huge][reclaim][swap]") {
  // 511 swap slots: no whole cluster of 512, so the huge page cannot go whole.
  HostConfig c = thp_swap_host(511, true);
  c.new_anon_active = false;  // the huge page starts on the inactive list
  HostMemory host(4096, c);
  host.add_vm(1024);
  Vmscan vm(host, VmscanConfig{100, 300});
  host.gfn_to_pfn(0, Gfn{7}, true);  // head 512, PG_referenced (FOLL_TOUCH), pmd young
  // One try_to_free_pages: the head is referenced at first (activated, then aged back to the
  // inactive list, its bits cleared); found old, add_to_swap finds no cluster: split
  // (thp_swpout_fallback 1), the head takes slot 0, is unmapped and written. Its 511 tails then
  // go through the same shrink_inactive_list call (split_huge_page_to_list, 4.14), old (the pmd's
  // cleared young bit copied into their ptes): tails 513..1022 take slots 1..510 and are written;
  // tail 1023 finds the device full and is activated. 1 + 510 = 511 swap-outs in the one call,
  // where tails put on the LRU would wait for later priorities' quotas.
  vm.try_to_free_pages(0);
  CHECK(host.stats().thp_swpout_fallback == 1);
  CHECK(host.stats().huge_pages_split == 1);
  CHECK(host.stats().thp_swpout == 0);
  CHECK(host.stats().swap_outs == 511);
  CHECK(host.page(Pfn{1022}).slot == 510);
  CHECK_FALSE(host.page(Pfn{1023}).swapcache);
  CHECK(host.page(Pfn{1023}).mapcount == 1);
  CHECK(host.mapped_pages() == 1);
  CHECK(host.check().empty());
}

TEST_CASE("thp swap in nested mode: unmapping the huge page drops its 2 MiB EPT entry", "[huge][nested][swap]") {
  // As in test_host_thp.cc's 15-reference walk: both 2 MiB ranges of the memslot are host huge
  // pages and KVM maps a 2 MiB EPT entry over each; the data page (gfns 512..1023) is frames
  // 1024..1535.
  HostMemory host(4096, thp_swap_host(1024, true));
  host.add_vm(1024);
  GuestOs guest{1024, "guest", 3200, true, true};
  KvmConfig kc;
  kc.host_thp = true;
  TdpMmu kvm(0, host, guest, kc);
  Mmu mmu(MmuConfig{});
  kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
  CauseCycles c;
  mmu.load_context(TranslationContext{1, kvm.new_cr3(0, 1, true, c), kvm.nested_root(), 0});
  for (int faults = 0;; ++faults) {
    REQUIRE(faults < 12);
    const Translation t = mmu.translate(Vpn{0x205}, false, false);
    if (t.ok) break;
    kvm.page_fault(0, Vpn{0x205}, false, false, t);
  }
  REQUIRE(kvm.stats().large_sptes == 2);
  REQUIRE(kvm.ept_entries() == 2);
  const std::uint64_t head = host.host_pte(0, Gfn{600})->frame();
  // Swapped whole: cluster 0; the pmd's young bit (set at the fault) is cleared by a first
  // page_referenced, so try_to_unmap goes through; the range start invalidates gfns 512..1023 and
  // the 2 MiB EPT entry over them goes; the one over gfns 0..511 stays.
  CHECK(host.add_to_swap(Pfn{head}));
  host.page_referenced(Pfn{head}, c);
  CHECK(host.try_to_unmap(Pfn{head}, c));
  CHECK(kvm.ept_entries() == 1);
  CHECK(kvm.ept_entry(600) == nullptr);
  CHECK(kvm.ept_entry(5) != nullptr);
  CHECK(kvm.check().empty());
  CHECK(host.check().empty());
}

TEST_CASE("mglru thp, 6.12: the walk asks KVM about a huge pmd's head gfn (pmdp_clear_young_notify)", "[huge][lru_gen]") {
  // A secondary MMU that answers young once for the gfns it holds, and counts clear_young calls.
  struct Secondary : MmuNotifier {
    std::vector<std::uint64_t> young;
    unsigned calls = 0;
    void invalidate_page(Gfn, CauseCycles&) override {}
    void invalidate_range_start(Gfn, Gfn, CauseCycles&) override {}
    void invalidate_range_end(Gfn, Gfn) override {}
    bool clear_flush_young(Gfn g, CauseCycles&) override { return take(g.v); }
    bool clear_young(Gfn g) override {
      ++calls;
      return take(g.v);
    }
    bool test_young(Gfn) override { return false; }
    bool take(std::uint64_t g) {
      for (auto it = young.begin(); it != young.end(); ++it)
        if (*it == g) {
          young.erase(it);
          return true;
        }
      return false;
    }
  } kvm;
  HostMemory host(4096, thp_swap_host(1024, false), std::make_unique<LruGen>(4096));
  host.add_vm(1024);
  host.register_notifier(0, &kvm);
  LruGenConfig cfg;
  cfg.notify_young = true;
  LruGenReclaim r(host, cfg);
  LruGen& lru = dynamic_cast<LruGen&>(host.lru_policy());
  host.gfn_to_pfn(0, Gfn{300}, false);  // the huge page of gfns 0..511, head frame 512, gen 3
  CauseCycles w;
  // Walk 1: the pmd (young from the fault) is cleared and KVM asked about gfn 0, the head's: 1
  // call; max_seq 4. Walk 2: the pmd is old, KVM asked again (6.12 asks for every present leaf):
  // 2 calls, not young; max_seq 5, the page stays in seq 3 (gen 3).
  r.age(0, w);
  r.age(0, w);
  CHECK(kvm.calls == 2);
  CHECK(r.stats().aging_secondary_calls == 2);
  CHECK(r.stats().aging_young_ptes == 1);
  CHECK(lru.gen_of(512) == 3);
  // KVM saw an access to gfn 0 (its 2 MiB EPT entry's A bit): walk 3 finds the pmd old but KVM
  // young: the head goes to max_seq 5's generation, 1. An access KVM holds for gfn 300 alone is
  // not asked about (the head's gfn stands for the range).
  kvm.young = {0, 300};
  r.age(0, w);
  CHECK(kvm.calls == 3);
  CHECK(r.stats().aging_young_ptes == 2);
  CHECK(lru.gen_of(512) == 1);
  CHECK(kvm.young == std::vector<std::uint64_t>{300});
  CHECK(host.check().empty());
}
