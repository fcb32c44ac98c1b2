// End to end with huge pages (guest.thp = always): golden values derived by hand, the bad input
// the keys can meet, and the era check.
#include <catch2/catch.hpp>

#include "cli_util.h"

using namespace mmusim::test;

TEST_CASE("huge pages golden: five accesses natively with THP, derived by hand", "[cli][golden][huge]") {
  // tests/data/golden_small.csv under the defaults (L1 1 cycle, STLB 9, walk ref 20, fault 3200, no
  // page-walk cache, assists free) with guest.thp = always:
  //  R 0x1000  vpn 1: L1d miss, STLB miss, walk stops at the empty PML4 (1 ref), fault: PDPT
  //            (frame 1) and PD (frame 2), then the pmd is empty and 0..511 holds 0..2: the 2 MiB
  //            page is the block at frame 512, and the page table deposited with it (pte_alloc_one,
  //            do_huge_pmd_anonymous_page 2.6.38) frame 3. Retry: L1d miss, STLB miss, walk PML4, PDPT, PD
  //            (3 refs), fill the STLB and the L1d's 2 MiB array (clean).
  //  W 0x1008  vpn 1: L1d 2 MiB hit (1) on a clean entry: dirty assist.
  //  R 0x2000  vpn 2: L1d 2 MiB hit (2): the same 2 MiB page, no fault.
  //  X 0x1000  vpn 1: L1i miss (neither array), STLB 2 MiB hit (3), fill the L1i's 2 MiB array.
  //  W 0x2ffc size 8: vpns 2 and 3: L1d 2 MiB hits (4, 5) on the entry the assist made dirty.
  // l1d lookups 2+1+1+0+2 = 6, misses 2; l1i 1/1; STLB lookups 2+1 = 3, misses 2; walks 2, refs
  // 1+3 = 4, one to a 2 MiB leaf; faults 1; assists 1; translations 6; 2 MiB TLB hits 5.
  // cycles = 7 L1 lookups x 1 + 3 STLB x 9 + 4 refs x 20 + 1 fault x 3200 = 7+27+80+3200 = 3314.
  // frames: 512 data + 4 page-table pages (PML4, PDPT, PD and the deposited one) = 516.
  const Result r = run_mmusim("run --trace " + kSource +
                              "/tests/data/golden_small.csv --out out --set sim.check=true --set guest.thp=always");
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
  CHECK(u(s, "walk_refs") == 4);
  CHECK(u(s, "walks_2m") == 1);
  CHECK(u(s, "tlb_2m_hits") == 5);
  CHECK(u(s, "page_faults") == 1);
  CHECK(u(s, "huge_pages_mapped") == 1);
  CHECK(u(s, "thp_fault_fallback") == 0);
  CHECK(u(s, "dirty_assists") == 1);
  CHECK(u(s, "cycles") == 3314);
  CHECK(u(s, "frames_used") == 516);
  CHECK(u(s, "page_table_pages") == 4);
  CHECK(u(s, "invariant_violations") == 0);
  CHECK(s.at("sim_seconds") == "0.000001105");  // 3314 cycles / 3000 MHz, rounded
  CHECK(r.out.find("huge pages") != std::string::npos);
}

TEST_CASE("huge pages: the keys' bad input is one message and exit code 2", "[cli][huge]") {
  // A 2 MiB TLB array whose entries are not a multiple of its ways.
  Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set tlb.l1d_2m_entries=30");
  CHECK(r.code == 2);
  CHECK(r.err.find("tlb.l1d_2m_entries") != std::string::npos);
  CHECK(r.err.find("not a multiple of 4 ways") != std::string::npos);
  // The era presets are 2.6.24 and 2.6.28: THP came with 2.6.38.
  r = run_mmusim("run --config " + kSource + "/configs/linux-2.6.28.cfg --trace " + kSource +
                 "/tests/data/golden_small.csv --out out --set guest.thp=always");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.thp") != std::string::npos);
  CHECK(r.err.find("2.6.38") != std::string::npos);
  // Nested mode: guest memory that is not a multiple of 2 MiB.
  r = run_mmusim("run --trace " + kSource +
                 "/tests/data/golden_small.csv --out out --set sim.mode=nested --set guest.thp=always --set guest.mem_mb=33");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.mem_mb = 33 is not a multiple of 2 MiB") != std::string::npos);
  // Shadow mode too: guest memory that is not a multiple of 2 MiB.
  r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set sim.mode=shadow --set guest.thp=always --set guest.mem_mb=5");
  CHECK(r.code == 2);
  CHECK(r.err.find("guest.mem_mb = 5 is not a multiple of 2 MiB") != std::string::npos);
}

TEST_CASE("huge pages: bad input from a config file names the file, the line and the key, exit code 2", "[cli][huge]") {
  // More cases than the README's bad-input table (tests/cli/test_bad_input.cc has its rows).
  const std::string trace = kSource + "/tests/data/golden_small.csv";
  struct Case {
    const char* name;
    const char* text;
    std::string message;  // after "mmusim: FILE:"
  };
  const Case cases[] = {
      // Only the ways come from the file: the ways key is blamed.
      {"l1i_2m.cfg", "[tlb]\nl1i_2m_ways = 3\n",
       "2: tlb.l1i_2m_ways: 8 entries is not a multiple of 3 ways (tlb.l1i_2m_entries must be a multiple of tlb.l1i_2m_ways)"},
      // host.thp with a host too small for one huge page, in nested mode: the host's first page
      // table takes frame 0, so the first aligned block of 512 frames that can be free is frames
      // 512..1023: 4 MiB.
      {"host1.cfg", "[sim]\nmode = nested\n[host]\nthp = always\nmem_mb = 1\n[guest]\nmem_mb = 1\n",
       "4: host.thp: host.mem_mb = 1 MiB cannot hold one 2 MiB huge page (the first 2 MiB holds the host's page tables: at least 4 MiB)"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string cfg = write_test_file(c.name, c.text);
    const Result r = run_mmusim("run --config " + cfg + " --trace " + trace + " --out out");
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: " + cfg + ":" + c.message + "\n");  // one line
    CHECK(r.out.empty());
  }
  // 4 MiB is enough: 1024 frames, the host PML4, the EPT root, the host PDPT and PD in frames 0..3,
  // 1020 free >= 512 + 1 + the low watermark (min_free_kbytes = sqrt(4096 KiB x 16) = 256 KiB = 64
  // pages, low = 80): the guest's first frame is a 2 MiB host page at frames 512..1023.
  const Result r = run_mmusim("run -q --trace " + trace + " --out out --set sim.mode=nested --set host.thp=always" +
                              " --set host.mem_mb=4 --set guest.mem_mb=2");
  REQUIRE(r.code == 0);
  CHECK(read_summary(test_dir() + "/out/summary.csv").at("host_huge_pages") == "1");
}

TEST_CASE("host huge pages: the key's bad input, and pressure runs clean under the invariant checker", "[cli][huge]") {
  const std::string trace = kSource + "/traces/synthetic/pressure.csv";
  // The era presets predate THP (2.6.38).
  Result r = run_mmusim("run --config " + kSource + "/configs/pressure.cfg --trace " + trace + " --out out --set host.thp=always");
  CHECK(r.code == 2);
  CHECK(r.err.find("host.thp") != std::string::npos);
  CHECK(r.err.find("2.6.38") != std::string::npos);
  // A host smaller than one huge page.
  r = run_mmusim("run --trace " + trace + " --out out --set sim.mode=nested --set host.thp=always --set host.mem_mb=1 --set guest.mem_mb=1");
  CHECK(r.code == 2);
  CHECK(r.err.find("host.mem_mb = 1 MiB cannot hold one 2 MiB huge page") != std::string::npos);
  // Huge pages swapped whole without host huge pages, or in an era before THP swap (4.13).
  r = run_mmusim("run --trace " + trace + " --out out --set sim.mode=nested --set reclaim.thp_swap=whole");
  CHECK(r.code == 2);
  CHECK(r.err.find("reclaim.thp_swap: whole applies to host.thp = always only") != std::string::npos);
  r = run_mmusim("run --config " + kSource + "/configs/pressure.cfg --trace " + trace + " --out out --set reclaim.thp_swap=whole");
  CHECK(r.code == 2);
  CHECK(r.err.find("pressure.cfg") == std::string::npos);  // the key was set on the command line
  CHECK(r.err.find("--set: reclaim.thp_swap: sim.era = linux-2.6.28") != std::string::npos);
  // The 6.6 preset may have THP in the guest.
  r = run_mmusim("run -q --config " + kSource + "/configs/linux-6.6.cfg --trace " + kSource +
                 "/tests/data/golden_small.csv --out out --set guest.thp=always");
  CHECK(r.code == 0);
  // Under pressure (8 MiB host, 64 MiB guest, both with THP) the host maps huge pages while it can
  // and splits each before its swap-out; KVM maps 2 MiB sptes or EPT entries over them: the
  // checker finds nothing.
  for (const char* mode : {"shadow", "nested"}) {
    for (const char* policy : {"notifier", "young", "access-track", "spte-lru"}) {
      INFO(mode << " " << policy);
      r = run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --set sim.era=none --set host.thp=always --set guest.thp=always --set sim.check=true"
                     " --set sim.mode=" + mode + " --set kvm.aging=" + policy + " --trace " + trace + " --out out");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "host_huge_pages") > 0);
      CHECK(u(s, "huge_pages_split") > 0);
      CHECK(u(s, "swap_outs") > 0);
      CHECK(u(s, "huge_pages_mapped") > 0);
      CHECK(u(s, "large_sptes") > 0);
    }
  }
}

TEST_CASE("host huge pages swapped whole, and under MGLRU: pressure runs clean under the invariant checker", "[cli][huge]") {
  // reclaim.thp_swap = whole under the split LRU and under MGLRU, every aging policy but pinned
  // (pinned runs out of host memory on this machine whatever the huge pages), shadow and nested:
  // huge pages are written whole (a cluster of 512 slots each: the 256 MiB device has 128) and
  // the checker, which follows a huge page from its pmd into the swap cache and out, finds nothing.
  // MGLRU with the default (split) also runs: its splits put the tails under reclaim at once.
  const std::string trace = kSource + "/traces/synthetic/pressure.csv";
  for (const char* lru : {"split-2.6.28", "mglru"}) {
    for (const char* mode : {"shadow", "nested"}) {
      for (const char* policy : {"notifier", "young", "access-track", "spte-lru"}) {
        INFO(lru << " " << mode << " " << policy);
        const Result r = run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --set sim.era=none --set host.thp=always"
                                    " --set guest.thp=always --set sim.check=true --set reclaim.thp_swap=whole --set reclaim.lru=" +
                                    lru + " --set sim.mode=" + mode + " --set kvm.aging=" + policy + " --trace " + trace + " --out out");
        REQUIRE(r.code == 0);
        const auto s = read_summary(test_dir() + "/out/summary.csv");
        CHECK(u(s, "invariant_violations") == 0);
        CHECK(u(s, "host_huge_pages") > 0);
        CHECK(u(s, "thp_swpout") > 0);
        CHECK(u(s, "thp_swpout_fallback") == 0);
        CHECK(u(s, "swap_outs") >= 512 * u(s, "thp_swpout"));
        CHECK(u(s, "refaults") > 0);  // from the swap cache, or read back
      }
    }
    if (std::string(lru) == "mglru") {
      const Result r = run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --set sim.era=none --set host.thp=always"
                                  " --set sim.check=true --set reclaim.lru=mglru --set sim.mode=nested --set kvm.aging=young --trace " +
                                  trace + " --out out");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "huge_pages_split") > 0);
      CHECK(u(s, "thp_swpout") == 0);
    }
  }
}
