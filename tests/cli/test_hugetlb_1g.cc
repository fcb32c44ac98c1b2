// End to end with 1 GiB pages (guest.hugetlb_1g_gib): golden values derived by hand natively,
// every mode clean under the invariant checker, and the bad input the keys can meet.
#include <catch2/catch.hpp>

#include "cli_util.h"

using namespace mmusim::test;

TEST_CASE("1 GiB pages golden: five accesses natively in a hugetlb range, derived by hand", "[cli][golden][1g]") {
  // tests/data/golden_small.csv under the defaults (L1 1 cycle, STLB 9, walk ref 20, fault 3200, no
  // page-walk cache, assists free) with the first GiB of the address space a hugetlb range:
  //  R 0x1000  vpn 1: L1d miss, STLB miss, walk stops at the empty PML4 (1 ref), fault: the 1 GiB
  //            page is the first aligned free block, at frame 262,144 (frame 0 holds the PML4),
  //            then the PDPT (frame 1). Retry: L1d miss, STLB miss, walk PML4, PDPT (2 refs), fill
  //            the STLB's and the L1d's 1 GiB arrays (clean).
  //  W 0x1008  vpn 1: L1d 1 GiB hit (1) on a clean entry: dirty assist.
  //  R 0x2000  vpn 2: L1d 1 GiB hit (2).
  //  X 0x1000  vpn 1: L1i miss (no 1 GiB array there), STLB 1 GiB hit (3), fill the L1i's 2 MiB
  //            array with the 2 MiB part.
  //  W 0x2ffc size 8: vpns 2 and 3: L1d 1 GiB hits (4, 5) on the entry the assist made dirty.
  // l1d lookups 2+1+1+0+2 = 6, misses 2; l1i 1/1; STLB lookups 2+1 = 3, misses 2; walks 2, refs
  // 1+2 = 3, one to a 1 GiB leaf; faults 1; assists 1; translations 6; 1 GiB TLB hits 5.
  // cycles = 7 L1 lookups x 1 + 3 STLB x 9 + 3 refs x 20 + 1 fault x 3200 = 7+27+60+3200 = 3294.
  // frames: 262,144 data + 2 page-table pages (PML4, PDPT) = 262,146.
  const Result r = run_mmusim("run --trace " + kSource +
                              "/tests/data/golden_small.csv --out out --set sim.check=true --set guest.hugetlb_1g_gib=1");
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(u(s, "translations") == 6);
  CHECK(u(s, "l1d_lookups") == 6);
  CHECK(u(s, "l1d_misses") == 2);
  CHECK(u(s, "l1i_lookups") == 1);
  CHECK(u(s, "l1i_misses") == 1);
  CHECK(u(s, "stlb_lookups") == 3);
  CHECK(u(s, "stlb_misses") == 2);
  CHECK(u(s, "walks") == 2);
  CHECK(u(s, "walk_refs") == 3);
  CHECK(u(s, "walks_1g") == 1);
  CHECK(u(s, "walks_2m") == 0);
  CHECK(u(s, "tlb_1g_hits") == 5);
  CHECK(u(s, "tlb_2m_hits") == 0);
  CHECK(u(s, "page_faults") == 1);
  CHECK(u(s, "hugetlb_1g_pages") == 1);
  CHECK(u(s, "huge_pages_mapped") == 0);
  CHECK(u(s, "dirty_assists") == 1);
  CHECK(u(s, "cycles") == 3294);
  CHECK(u(s, "frames_used") == 262146);
  CHECK(u(s, "page_table_pages") == 2);
  CHECK(u(s, "invariant_violations") == 0);
  CHECK(r.out.find("1 GiB pages           1 mapped (hugetlbfs); walks to a 1 GiB leaf 1, TLB hits on 1 GiB entries 5") != std::string::npos);
}

TEST_CASE("1 GiB pages: every mode, with and without host huge pages, runs clean under the checker", "[cli][1g]") {
  // golden_small.csv's three pages lie in one 2 MiB range of the guest's 1 GiB page: one guest
  // fault maps it (hugetlb_1g_pages = 1); the guest clears its 262,144 frames.
  for (const char* mode : {"shadow", "nested"}) {
    for (const char* thp : {"never", "always"}) {
      INFO(mode << " host.thp=" << thp);
      const Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set sim.check=true --set sim.mode=" +
                                  mode + " --set host.thp=" + thp + " --set guest.mem_mb=2048 --set guest.hugetlb_1g_gib=1");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "hugetlb_1g_pages") == 1);
      CHECK(u(s, "guest_frames_used") == 262146);
      CHECK(u(s, "invariant_violations") == 0);
      // The guest's PML4 and PDPT (gfns 0, 1) share a 2 MiB range; with host THP each of the
      // 512 ranges of the 1 GiB page and that one is a host huge page.
      CHECK(u(s, "host_huge_pages") == (std::string(thp) == "always" ? 513u : 0u));
    }
  }
}

TEST_CASE("1 GiB pages: the keys' bad input is one message and exit code 2", "[cli][1g]") {
  const std::string run = "run --trace " + kSource + "/tests/data/golden_small.csv --out out ";
  // 1 GiB TLB arrays whose entries are not a multiple of their ways.
  Result r = run_mmusim(run + "--set tlb.l1d_1g_entries=3");
  CHECK(r.code == 2);
  CHECK(r.err.find("tlb.l1d_1g_entries") != std::string::npos);
  CHECK(r.err.find("not a multiple of 4 ways") != std::string::npos);
  r = run_mmusim(run + "--set tlb.stlb_1g_entries=10");
  CHECK(r.code == 2);
  CHECK(r.err.find("tlb.stlb_1g_entries") != std::string::npos);
  // Eras: hugetlbfs 1 GiB pages came with 2.6.27; KVM's guests had them from 2.6.32.
  r = run_mmusim("run --config " + kSource + "/configs/kvm-2008-01.cfg --trace " + kSource +
                 "/tests/data/golden_small.csv --out out --set guest.hugetlb_1g_gib=1");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.hugetlb_1g_gib") != std::string::npos);
  CHECK(r.err.find("2.6.27") != std::string::npos);
  r = run_mmusim("run --config " + kSource + "/configs/linux-2.6.28.cfg --trace " + kSource +
                 "/tests/data/golden_small.csv --out out --set sim.mode=shadow --set guest.mem_mb=2048 --set guest.hugetlb_1g_gib=1");
  CHECK(r.code == 2);
  CHECK(r.err.find("2.6.32") != std::string::npos);
  // A range past the 48-bit address space; a start with no range; memory that cannot hold a
  // 1 GiB page beside the page tables.
  r = run_mmusim(run + "--set guest.hugetlb_1g_at=131071 --set guest.hugetlb_1g_gib=2");
  CHECK(r.code == 2);
  CHECK(r.err.find("131,072 GiB") != std::string::npos);
  r = run_mmusim(run + "--set guest.hugetlb_1g_at=3");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.hugetlb_1g_at") != std::string::npos);
  r = run_mmusim(run + "--set sim.mode=nested --set guest.hugetlb_1g_gib=1");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.mem_mb = 1024 MiB cannot hold a 1 GiB page") != std::string::npos);
  // Two processes in a 2 GiB guest: the first takes the only free 1 GiB block, the second finds
  // none (its process would get SIGBUS): the run stops with exit code 2, naming the key.
  const std::string two = write_test_file("two_pids.csv", "vm,vcpu,pid,op,gva,size,gap\n0,0,1,R,0x1000,8,0\n0,0,2,R,0x1000,8,0\n");
  r = run_mmusim("run --trace " + two + " --out out --set sim.mode=nested --set guest.mem_mb=2048 --set guest.hugetlb_1g_gib=1");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.hugetlb_1g_gib") != std::string::npos);
  CHECK(r.err.find("SIGBUS") != std::string::npos);
  CHECK(r.err.find("raise guest.mem_mb") != std::string::npos);
}

TEST_CASE("explain names the size of a large TLB entry, on the inline L1 path too", "[cli][1g][explain]") {
  // golden_small.csv: record #2 (R 0x2000) hits the L1 entry the first record filled, on the
  // inline path (no assist, no fault), which the vCPU reports; record #3 (X 0x1000) hits the STLB.
  Result r = run_mmusim("explain --trace " + kSource + "/tests/data/golden_small.csv --set guest.thp=always");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("#2 @3,301 vCPU0 R 0x2000: dTLB hit (2 MiB entry) (+1 cycle)") != std::string::npos);
  CHECK(r.out.find("iTLB miss -> STLB hit (2 MiB entry) -> fill iTLB") != std::string::npos);
  // With 1 GiB pages (the golden run above: 3,280 cycles to the end of #0, then an assist at #1).
  r = run_mmusim("explain --trace " + kSource + "/tests/data/golden_small.csv --set guest.hugetlb_1g_gib=1");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("page fault: hugetlb_fault maps a 1 GiB page at frame 0x40000 (P, W, U, PS)") != std::string::npos);
  CHECK(r.out.find("#2 @3,281 vCPU0 R 0x2000: dTLB hit (1 GiB entry) (+1 cycle)") != std::string::npos);
  CHECK(r.out.find("iTLB miss -> STLB hit (1 GiB entry) -> fill iTLB") != std::string::npos);
}
