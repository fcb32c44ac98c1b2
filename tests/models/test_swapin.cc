// Swap-in (models/host): swapin_readahead and vm_swap_full as do_swap_page does them (mm/memory.c,
// mm/swap_state.c, mm/swapfile.c, Linux 2.6.28), each expectation derived in the comment.
#include <catch2/catch.hpp>

#include "host/host_memory.h"

using namespace mmusim;

namespace {
HostConfig swap_config(std::uint64_t slots, unsigned page_cluster, bool vm_swap_full) {
  HostConfig c;
  c.swap_slots = slots;
  c.swap_queue_depth = 1;  // one request at a time: completion times add up
  c.swap_read_cycles = 1000;
  c.swap_write_cycles = 500;
  c.page_cluster = page_cluster;
  c.vm_swap_full = vm_swap_full;
  return c;
}

// Faults in gfns 0..n-1 and writes each to swap in order (slots 0..n-1, get_swap_page takes the
// lowest free), then lets every write complete: the pages are freed, their ptes swap entries.
void swap_out(HostMemory& host, std::uint64_t n) {
  host.add_vm(64);
  CauseCycles work;
  for (std::uint64_t g = 0; g < n; ++g) {
    const Pfn p = host.gfn_to_pfn(0, Gfn{g}, false).pfn;
    host.page_referenced(p, work);  // the young pte cleared, as a scan would
    REQUIRE(host.add_to_swap(p));
    REQUIRE(host.try_to_unmap(p, work));
    host.pageout(p, 0);
  }
  host.complete_writeback(1'000'000);
}
}  // namespace

TEST_CASE("swapin_readahead reads the in-use slots of the faulting slot's aligned window, in slot order", "[swap]") {
  HostMemory host(1024, swap_config(64, 2, false));
  swap_out(host, 6);
  REQUIRE(host.swap_reads() == 0);
  // gfn 1 is in slot 1: window [0, 4) (page_cluster 2), all in use. Reads go in slot order, one at
  // a time, 1,000 cycles each from cycle 2,000,000: slot 0 (ahead) ends at +1,000, slot 1 (the
  // fault) at +2,000, slots 2 and 3 (ahead) at +3,000 and +4,000. The fault stalls 2,000 cycles.
  CauseCycles cost;
  const Cycles t = 2'000'000;
  const HostMemory::Gup g = host.gfn_to_pfn(0, Gfn{1}, false, t, &cost);
  CHECK(g.major_fault);
  CHECK(cost.major_fault == 2000);
  CHECK(host.stats().swap_readahead_pages == 3);
  CHECK(host.swap_reads() == 4);
  CHECK(host.stats().swap_ins == 1);
  CHECK(host.check().empty());
  // gfn 2 ten cycles later: in the swap cache, a minor fault, but its read ends at +3,000: the
  // fault waits 2,990 cycles (lock_page). A readahead hit.
  CauseCycles cost2;
  const HostMemory::Gup g2 = host.gfn_to_pfn(0, Gfn{2}, false, t + 10, &cost2);
  CHECK(g2.minor_fault);
  CHECK_FALSE(g2.major_fault);
  CHECK(cost2.major_fault == 2990);
  CHECK(host.stats().swap_readahead_hits == 1);
  // gfn 4 is in slot 4, outside the window: not read ahead, a major fault of its own, whose
  // window [4, 8) holds slots 4 and 5 in use: slot 5 read ahead.
  CHECK(host.gfn_to_pfn(0, Gfn{4}, false, t + 10'000).major_fault);
  CHECK(host.stats().swap_readahead_pages == 4);
  CHECK(host.check().empty());
}

TEST_CASE("page_cluster 0 reads only the faulting slot", "[swap]") {
  HostMemory host(1024, swap_config(64, 0, false));
  swap_out(host, 6);
  CHECK(host.gfn_to_pfn(0, Gfn{1}, false, 2'000'000).major_fault);
  CHECK(host.swap_reads() == 1);
  CHECK(host.stats().swap_readahead_pages == 0);
}

TEST_CASE("vm_swap_full: a page swapped in leaves the swap cache while more than half of swap is in use", "[swap]") {
  HostMemory host(1024, swap_config(8, 0, true));
  swap_out(host, 5);
  // 5 of 8 slots in use: 3 free, 3 * 2 < 8: full. gfn 0 comes back: its slot 0 is freed and the
  // page, with no copy on the device, is dirty.
  const Pfn p0 = host.gfn_to_pfn(0, Gfn{0}, false, 2'000'000).pfn;
  CHECK_FALSE(host.page(p0).swapcache);
  CHECK(host.page(p0).dirty);
  CHECK(host.stats().swap_slots_freed == 1);
  // Now 4 of 8 in use: 4 * 2 = 8 is not below 8: gfn 1 keeps its slot.
  const Pfn p1 = host.gfn_to_pfn(0, Gfn{1}, false, 2'100'000).pfn;
  CHECK(host.page(p1).swapcache);
  CHECK(host.stats().swap_slots_freed == 1);
  CHECK(host.check().empty());
}
