// Golden tiny traces with huge pages in shadow and nested mode: every figure of summary.csv is
// derived by hand below, and every figure not listed must be 0 (a new column that moves shows up).
//
// tests/data/golden_huge.csv: six accesses over three 2 MiB ranges of the guest's address space
//   #0 R 0x200000  range 1 (vpn 0x200)     #3 R 0x3ff000  range 1 again, its last 4 KiB page
//   #1 W 0x201008  range 1 (vpn 0x201)     #4 W 0x600000  range 3 (vpn 0x600)
//   #2 R 0x400000  range 2 (vpn 0x400)     #5 R 0x200000  range 1 again
// under the defaults: L1 lookup 1 cycle, STLB lookup 9, walk reference 20, no walk caches, guest
// fault 3200, VM exit 2000, shadow fault 2000 (nested: EPT violation 1000), page-table write
// emulation 1500, host minor fault 3200, dirty assists free; a 4 GiB host (1,048,576 frames), one
// 1 GiB guest (one vCPU, pid 0), kvm.aging = notifier, 3000 MHz.
//
// Rules the derivations use:
// - The guest's first touch of an empty 2 MiB range (do_huge_pmd_anonymous_page, 2.6.38): the
//   guest allocates the page table it deposits (cleared), then the 512 frames (all cleared). Its
//   frames: PML4 gfn 0 (at the first CR3 load), then PDPT gfn 1, PD gfn 2 and the deposit gfn 3 at
//   the first fault; the ranges' 2 MiB pages at gfns 0x200, 0x400, 0x600 and their deposits at gfns
//   4 and 5. Guest frames: 3 tables + 3 deposits + 3 x 512 = 1,542; page_table_pages 6.
// - Every guest frame the guest clears is a host fault the first time (gfn_to_pfn). With host.thp
//   a fault in an empty 2 MiB range of gfns maps a 2 MiB host page (and a deposited host table),
//   so the guest's frames fault 4 host huge pages in: gfn ranges 0 (the tables), 0x200, 0x400,
//   0x600. Without host.thp each of the 1,542 frames is a 4 KiB host fault.
// - Host page tables: PML4, PDPT, PD, then per 2 MiB hva range touched a deposited table (host
//   THP) or a PT (4 KiB): 3 + 4 = 7 either way.
// - The host's LRU (2.6.28: new anonymous pages start active) holds each host page once: with
//   host.thp the 4 huge pages' heads, each counted as its 512 pages (2.6.38's hpage_nr_pages),
//   lru_active_pages 4 x 512 = 2,048; without, the 1,542 pages.
// - A TLB miss is looked up in the L1 and then the STLB; each miss of both is a walk. A 2 MiB
//   entry is filled only where both dimensions map 2 MiB. Miss kinds: compulsory if neither the
//   page's 4 KiB key nor its 2 MiB key was ever held, capacity if it was held and is gone
//   (flushed).
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "cli_util.h"

using namespace mmusim::test;

namespace {
// Runs the golden trace in `mode` with `extra` settings and the invariant checker, then checks
// every numeric figure of summary.csv against `expected` (absent: 0), except the wall-clock ones.
void check_every_figure(const std::string& mode, const std::string& extra,
                        const std::map<std::string, std::uint64_t>& expected, const std::string& sim_seconds) {
  const Result r = run_mmusim("run -q --trace " + kSource + "/tests/data/golden_huge.csv --out out --set sim.check=true" +
                              " --set sim.mode=" + mode + " --set guest.thp=always " + extra);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(s.at("mode") == mode);
  CHECK(s.at("policy") == "notifier");
  CHECK(s.at("sim_seconds") == sim_seconds);
  for (const auto& [name, value] : expected) {
    INFO(name);
    CHECK(s.count(name) == 1);  // a figure the test names must exist
  }
  const std::set<std::string> not_figures = {"mode", "policy", "trace", "sim_seconds", "wall_seconds", "accesses_per_second"};
  for (const auto& [name, value] : s) {
    if (not_figures.count(name)) continue;
    const auto it = expected.find(name);
    INFO(name);
    CHECK(value == std::to_string(it == expected.end() ? 0 : it->second));
  }
}
}  // namespace

TEST_CASE("huge pages golden, shadow mode: guest 2 MiB pages over host 2 MiB pages, every figure derived", "[cli][golden][huge][shadow]") {
  // Shadow rules (2.6.28 FNAME(fetch) with largepage): a guest 2 MiB pde over a host huge page,
  // with no shadowed guest table in the range, gets a 2 MiB spte in the shadow PD: a shadow walk
  // reads PML4, PDPT, PD = 3 references. A shadow page made for a guest table write-protects its
  // gfn; the guest's store into it traps (kvm_mmu_pte_write), which flushes this vCPU's TLBs. An
  // upper spte left non-present where the guest entry was absent is notrap: the #PF goes straight
  // to the guest (guest_pf_direct). sptes are made present and dirty: no dirty assist.
  //  #0 R 0x200000: CR3 load: the guest's PML4 (gfn 0) is cleared (host fault 1: the huge page of
  //     gfns 0..511), its shadow page made (root). Walk 1: 1 ref, notrap -> guest #PF 1 (PDPT gfn 1,
  //     PD gfn 2, deposit gfn 3, all in host page 1; the page at gfn 0x200: host fault 2); its PML4
  //     store traps (exit 1, pt write 1, flush); the PDPT and PD stores do not (not shadowed yet).
  //     Walk 2: 1 ref (the PML4 spte was zapped by the write) -> shadow #PF (exit 2): shadow pages
  //     for gfn 1 and gfn 2, a 2 MiB spte for gfns 0x200.. Walk 3: 3 refs, 2 MiB hit -> fill STLB
  //     and L1d 2 MiB. 3 walks, 5 refs, L1d/STLB 3 misses (compulsory).
  //  #1 W 0x201008: L1d 2 MiB hit (tlb_2m_hits 1); the entry is dirty: no assist.
  //  #2 R 0x400000: walk 4: 3 refs, notrap in the shadow PD -> guest #PF 2 (deposit gfn 4, the page
  //     at gfn 0x400: host fault 3); the pmd store into gfn 2 traps (exit 3, pt write 2, flush).
  //     Walk 5: 3 refs -> shadow #PF (exit 4), 2 MiB spte. Walk 6: 3 refs, fill. 3 misses (compulsory).
  //  #3 R 0x3ff000: the flush in #2 dropped range 1's entry: walk 7, 3 refs. 1 miss, capacity.
  //  #4 W 0x600000: as #2: walks 8, 9, 10 (9 refs), guest #PF 3, host fault 4, exits 5 (pt write 3)
  //     and 6 (shadow #PF 3). 3 misses (compulsory).
  //  #5 R 0x200000: flushed in #4: walk 11, 3 refs. 1 miss, capacity.
  // walks 11, walk_refs 5 + 9 + 3 + 9 + 3 = 29, walks_2m 5 (walks 3, 6, 7, 10, 11), tlb_2m_hits 1.
  // L1d lookups 11 misses + 1 hit = 12; STLB 11, all missed; misses compulsory 9, capacity 2.
  // Shadow pages 3 (gfns 0, 1, 2; no level-1 page), 2 MiB sptes 3. Host: 4 huge pages; frames
  // 4 x 512 + 7 host tables + 3 shadow pages = 2,058; free 1,048,576 - 2,058 = 1,046,518; one LRU
  // entry per huge page: 4 active.
  // cycles: TLB 12 x 1 + 11 x 9 = 111; walks 29 x 20 = 580; exits 6 x 2000 = 12,000; guest faults
  // 3 x 3200 = 9,600; shadow faults 3 x 2000 = 6,000; pt writes 3 x 1500 = 4,500; host faults
  // 4 x 3200 = 12,800; total 45,591 (15.197 us at 3000 MHz).
  check_every_figure("shadow", "--set host.thp=always",
                     {{"accesses", 6}, {"translations", 6}, {"vcpus", 1}, {"processes", 1},
                      {"cycles", 45591}, {"vcpu_cycles", 45591},
                      {"l1d_lookups", 12}, {"l1d_misses", 11}, {"l1d_misses_compulsory", 9}, {"l1d_misses_capacity", 2},
                      {"stlb_lookups", 11}, {"stlb_misses", 11}, {"stlb_misses_compulsory", 9}, {"stlb_misses_capacity", 2},
                      {"walks", 11}, {"walk_refs", 29}, {"walks_2m", 5}, {"tlb_2m_hits", 1},
                      {"guest_page_faults", 3}, {"guest_pf_direct", 3}, {"huge_pages_mapped", 3},
                      {"vmexits", 6}, {"vmexits_shadow_pf", 3}, {"shadow_page_faults", 3},
                      {"vmexits_pt_write", 3}, {"pt_write_traps", 3},
                      {"shadow_pages", 3}, {"shadow_pages_created", 3}, {"sptes_created", 3}, {"large_sptes", 3},
                      {"host_minor_faults", 4}, {"host_huge_pages", 4}, {"resident_pages_guests", 2048},
                      {"lru_active_pages", 4 * 512}, {"frames_used", 2058}, {"free_frames", 1046518},
                      {"page_table_pages", 6}, {"guest_frames_used", 1542},
                      {"tlb_cycles", 111}, {"walk_cycles", 580}, {"vmexit_cycles", 12000}, {"guest_fault_cycles", 9600},
                      {"shadow_fault_cycles", 6000}, {"pt_write_cycles", 4500}, {"host_fault_cycles", 12800}},
                     "0.000015197");
}

TEST_CASE("huge pages golden, shadow mode: guest 2 MiB pages over host 4 KiB pages, every figure derived", "[cli][golden][huge][shadow]") {
  // The host maps 4 KiB pages: no 2 MiB spte; a guest 2 MiB pde gets a direct level-1 shadow page
  // of 4 KiB sptes, one spte per 4 KiB page touched (shadow #PF each): a walk reads 4 references
  // and fills 4 KiB entries.
  //  #0 R 0x200000: as in the host-THP case, but the last shadow #PF makes a direct page for gfns
  //     0x200.. and a 4 KiB spte for 0x200: walks 1 (1 ref), 2 (1 ref), 3 (4 refs). 3 misses.
  //  #1 W 0x201008: the 4 KiB entry of 0x200 does not cover 0x201: walk 4, 4 refs, the direct
  //     page has no spte -> shadow #PF; walk 5, 4 refs. 2 misses.
  //  #2 R 0x400000: walk 6 (3 refs, notrap) -> guest #PF 2; the pmd store traps (flush); walk 7
  //     (3 refs) -> shadow #PF, a direct page for gfns 0x400..; walk 8, 4 refs. 3 misses.
  //  #3 R 0x3ff000: walk 9, 4 refs -> shadow #PF (no spte for 0x3ff); walk 10, 4 refs. 2 misses.
  //  #4 W 0x600000: as #2: walks 11, 12, 13 (3 + 3 + 4 refs). 3 misses.
  //  #5 R 0x200000: flushed in #4: walk 14, 4 refs. A miss on a page held before: capacity.
  // walks 14, walk_refs 6 + 8 + 10 + 8 + 10 + 4 = 46, no 2 MiB walk (walks_2m counts walks that
  // end at a 2 MiB leaf of the shadow table), no 2 MiB hit. L1d and STLB: 14 lookups, 14 misses,
  // 13 compulsory and 1 capacity.
  // Exits: shadow #PF 5 (#0, #1, #2, #3, #4), pt write 3: 8. Shadow pages: gfns 0, 1, 2 and 3
  // direct pages = 6; sptes 5 (0x200, 0x201, 0x400, 0x3ff, 0x600).
  // Host: 1,542 faults (every guest frame, 4 KiB each), all on the active list; frames 1,542 + 7
  // host tables + 6 shadow pages = 1,555; free 1,048,576 - 1,555 = 1,047,021.
  // cycles: TLB 14 + 14 x 9 = 140; walks 46 x 20 = 920; exits 8 x 2000 = 16,000; guest faults
  // 9,600; shadow faults 5 x 2000 = 10,000; pt writes 4,500; host faults 1,542 x 3200 =
  // 4,934,400; total 4,975,560 (1658.520 us).
  check_every_figure("shadow", "",
                     {{"accesses", 6}, {"translations", 6}, {"vcpus", 1}, {"processes", 1},
                      {"cycles", 4975560}, {"vcpu_cycles", 4975560},
                      {"l1d_lookups", 14}, {"l1d_misses", 14}, {"l1d_misses_compulsory", 13}, {"l1d_misses_capacity", 1},
                      {"stlb_lookups", 14}, {"stlb_misses", 14}, {"stlb_misses_compulsory", 13}, {"stlb_misses_capacity", 1},
                      {"walks", 14}, {"walk_refs", 46},
                      {"guest_page_faults", 3}, {"guest_pf_direct", 3}, {"huge_pages_mapped", 3},
                      {"vmexits", 8}, {"vmexits_shadow_pf", 5}, {"shadow_page_faults", 5},
                      {"vmexits_pt_write", 3}, {"pt_write_traps", 3},
                      {"shadow_pages", 6}, {"shadow_pages_created", 6}, {"sptes_created", 5},
                      {"host_minor_faults", 1542}, {"resident_pages_guests", 1542},
                      {"lru_active_pages", 1542}, {"frames_used", 1555}, {"free_frames", 1047021},
                      {"page_table_pages", 6}, {"guest_frames_used", 1542},
                      {"tlb_cycles", 140}, {"walk_cycles", 920}, {"vmexit_cycles", 16000}, {"guest_fault_cycles", 9600},
                      {"shadow_fault_cycles", 10000}, {"pt_write_cycles", 4500}, {"host_fault_cycles", 4934400}},
                     "0.001658520");
}

TEST_CASE("huge pages golden, nested mode: guest 2 MiB pages over host 2 MiB pages, every figure derived", "[cli][golden][huge][nested]") {
  // Nested rules: a 2D walk over g guest levels and h EPT levels reads (g + 1)(h + 1) - 1 entries:
  // 2 MiB in both dimensions (g = h = 3) 15; an EPT walk stops at the first absent entry. Guest
  // #PFs and page-table stores cause no exit; each EPT violation is one exit; KVM maps a 2 MiB EPT
  // entry over a host huge page (transparent_hugepage_adjust). No flush: the TLBs keep their
  // entries.
  //  #0 R 0x200000: the CR3 load clears the guest PML4 (host fault 1, huge: gfns 0..511), EPT root.
  //     Walk 1: the EPT walk of gfn 0 finds the EPT PML4 entry absent: 1 ref, violation 1 (EPT
  //     PDPT and PD made, a 2 MiB EPT entry for gfns 0..). Walk 2: 3 EPT refs + the guest PML4
  //     entry (absent) = 4 -> guest #PF 1 (gfns 1, 2, 3 in host page 1; the page at 0x200: host
  //     fault 2). Walk 3: 3 x (3 + 1) + 3 (EPT of gfn 0x200, absent at its PD) = 15, violation 2,
  //     a 2 MiB EPT entry. Walk 4: 15, fill 2 MiB. 4 walks, 35 refs (7 guest).
  //  #1 W 0x201008: L1d 2 MiB hit (1); the pde is dirty.
  //  #2 R 0x400000: walk 5: 3 x (3 + 1) = 12 (the guest PD entry absent) -> guest #PF 2 (host fault
  //     3); walk 6: 15, violation 3; walk 7: 15. 42 refs (9 guest).
  //  #3 R 0x3ff000: L1d 2 MiB hit (2): range 1's entry stayed.
  //  #4 W 0x600000: as #2: walks 8, 9, 10, 42 refs (9 guest), guest #PF 3, host fault 4, violation 4.
  //  #5 R 0x200000: L1d 2 MiB hit (3).
  // walks 10, walk_refs 35 + 42 + 42 = 119 (guest 7 + 9 + 9 = 25, EPT 94), walks_2m 3 (walks 4, 7,
  // 10), tlb_2m_hits 3. L1d lookups 10 misses + 3 hits = 13; STLB 10, all missed, compulsory.
  // EPT tables 3 (PML4, PDPT, PD: shadow_pages), EPT leaves 4, all 2 MiB. Host: 4 huge pages;
  // frames 4 x 512 + 7 host tables + 3 EPT tables = 2,058; free 1,046,518.
  // cycles: TLB 13 + 10 x 9 = 103; walks 119 x 20 = 2,380; exits 4 x 2000 = 8,000; guest faults
  // 9,600; EPT violations 4 x 1000 = 4,000 (shadow_fault_cycles); host faults 4 x 3200 = 12,800;
  // total 36,883 (12.294 us).
  check_every_figure("nested", "--set host.thp=always",
                     {{"accesses", 6}, {"translations", 6}, {"vcpus", 1}, {"processes", 1},
                      {"cycles", 36883}, {"vcpu_cycles", 36883},
                      {"l1d_lookups", 13}, {"l1d_misses", 10}, {"l1d_misses_compulsory", 10},
                      {"stlb_lookups", 10}, {"stlb_misses", 10}, {"stlb_misses_compulsory", 10},
                      {"walks", 10}, {"walk_refs", 119}, {"walk_refs_guest", 25}, {"walk_refs_ept", 94},
                      {"walks_2m", 3}, {"tlb_2m_hits", 3},
                      {"guest_page_faults", 3}, {"guest_pf_direct", 3}, {"huge_pages_mapped", 3},
                      {"vmexits", 4}, {"ept_violations", 4},
                      {"shadow_pages", 3}, {"shadow_pages_created", 3}, {"sptes_created", 4}, {"ept_entries", 4},
                      {"large_sptes", 4},
                      {"host_minor_faults", 4}, {"host_huge_pages", 4}, {"resident_pages_guests", 2048},
                      {"lru_active_pages", 4 * 512}, {"frames_used", 2058}, {"free_frames", 1046518},
                      {"page_table_pages", 6}, {"guest_frames_used", 1542},
                      {"tlb_cycles", 103}, {"walk_cycles", 2380}, {"vmexit_cycles", 8000}, {"guest_fault_cycles", 9600},
                      {"shadow_fault_cycles", 4000}, {"host_fault_cycles", 12800}},
                     "0.000012294");
}

TEST_CASE("huge pages golden, nested mode: guest 2 MiB pages over host 4 KiB pages, every figure derived", "[cli][golden][huge][nested]") {
  // The EPT maps 4 KiB pages (h = 4): a 2D walk to a guest 2 MiB page reads 3 x (4 + 1) + 4 = 19
  // and fills a 4 KiB entry (the smaller of the two sizes), so each 4 KiB page touched walks.
  // An EPT walk to a gfn with no EPT leaf reads 4 entries (absent at the PT), or 3 where the EPT
  // PD entry is absent (a new 2 MiB range of gfns).
  //  #0 R 0x200000: walk 1: 1 ref (EPT PML4 entry absent), violation (EPT PDPT, PD, PT made; gfn 0).
  //     Walk 2: 4 + 1 = 5 -> guest #PF 1. Walk 3: 5 + 4 (gfn 1 absent at the EPT PT) = 9,
  //     violation. Walk 4: 10 + 4 (gfn 2) = 14, violation. Walk 5: 15 + 3 (gfn 0x200: no EPT PT
  //     yet) = 18, violation (a new EPT PT). Walk 6: 19. 66 refs (guest 0 + 1 + 1 + 2 + 3 + 3 =
  //     10), 6 misses, 4 violations.
  //  #1 W 0x201008: walk 7: 15 + 4 = 19, violation (gfn 0x201); walk 8: 19. 38 refs (6 guest).
  //  #2 R 0x400000: walk 9: 3 x (4 + 1) = 15 (the guest PD entry absent) -> guest #PF 2; walk 10:
  //     15 + 3 = 18, violation (new EPT PT); walk 11: 19. 52 refs (9 guest).
  //  #3 R 0x3ff000: walks 12, 13: 19 + 19 = 38 (6 guest), violation (gfn 0x3ff).
  //  #4 W 0x600000: as #2: walks 14, 15, 16, 52 refs (9 guest), guest #PF 3, violation.
  //  #5 R 0x200000: L1d hit (4 KiB entry filled in #0).
  // walks 16, walk_refs 66 + 38 + 52 + 38 + 52 = 246 (guest 40, EPT 206), walks_2m 5 (the walks
  // that end at the guest's 2 MiB leaf: 6, 8, 11, 13, 16), no 2 MiB TLB entry. L1d 17 lookups,
  // 16 misses; STLB 16/16; all compulsory (each miss a page never held).
  // EPT tables: PML4, PDPT, PD and 4 PTs (gfn ranges 0, 0x200, 0x400, 0x600) = 7; EPT leaves 8
  // (gfns 0, 1, 2, 0x200, 0x201, 0x400, 0x3ff, 0x600). Host: 1,542 4 KiB faults; frames 1,542 +
  // 7 host tables + 7 EPT tables = 1,556; free 1,047,020.
  // cycles: TLB 17 + 16 x 9 = 161; walks 246 x 20 = 4,920; exits 8 x 2000 = 16,000; guest faults
  // 9,600; EPT violations 8 x 1000 = 8,000; host faults 1,542 x 3200 = 4,934,400; total
  // 4,973,081 (1657.694 us, rounded).
  check_every_figure("nested", "",
                     {{"accesses", 6}, {"translations", 6}, {"vcpus", 1}, {"processes", 1},
                      {"cycles", 4973081}, {"vcpu_cycles", 4973081},
                      {"l1d_lookups", 17}, {"l1d_misses", 16}, {"l1d_misses_compulsory", 16},
                      {"stlb_lookups", 16}, {"stlb_misses", 16}, {"stlb_misses_compulsory", 16},
                      {"walks", 16}, {"walk_refs", 246}, {"walk_refs_guest", 40}, {"walk_refs_ept", 206},
                      {"walks_2m", 5},
                      {"guest_page_faults", 3}, {"guest_pf_direct", 3}, {"huge_pages_mapped", 3},
                      {"vmexits", 8}, {"ept_violations", 8},
                      {"shadow_pages", 7}, {"shadow_pages_created", 7}, {"sptes_created", 8}, {"ept_entries", 8},
                      {"host_minor_faults", 1542}, {"resident_pages_guests", 1542},
                      {"lru_active_pages", 1542}, {"frames_used", 1556}, {"free_frames", 1047020},
                      {"page_table_pages", 6}, {"guest_frames_used", 1542},
                      {"tlb_cycles", 161}, {"walk_cycles", 4920}, {"vmexit_cycles", 16000}, {"guest_fault_cycles", 9600},
                      {"shadow_fault_cycles", 8000}, {"host_fault_cycles", 4934400}},
                     "0.001657694");
}
