// End to end in nested mode: golden values derived by hand, bundled traces checked against the
// independent counter of reference_counts.h, every aging policy with and without EPT A/D bits
// under the invariant checker, and the 2D walk as explain narrates it.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"
#include "reference_counts.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

TEST_CASE("nested golden: five accesses derived by hand", "[cli][nested][golden]") {
  // tests/data/golden_small.csv, one vCPU, defaults: exit 2000, EPT violation handling 1000, guest
  // fault 3200, host fault 3200, L1 1, STLB 9, walk ref 20, no EPT caches, no EPT A/D bits, a new
  // guest pte dirty on any fault, every frame the guest takes cleared (the host faults it in; the
  // EPT entry comes at the first hardware access). A cold 2D walk: (4+1) x 4 + 4 = 24 refs.
  // First CR3 load, no exit: the EPT root; the guest's PML4, gfn 0, cleared: host fault 1.
  //  R 0x1000 (vpn 1): attempt 1: EPT root entry of gfn 0 absent (1 ref) -> EPT violation (exit 1).
  //    2: gfn 0 (4) + PML4 entry absent (1) = 5 -> #PF to the guest, no exit: PDPT, PD, PT, page
  //    = gfns 1-4, host faults 2-5. 3-6: one more guest level each, then the next gfn's EPT leaf
  //    absent: 9, 14, 19, 24 refs, exits 2-5. 7: 24 refs, filled. 7 walks, 96 refs (15 guest).
  //  W 0x1008 (vpn 1): L1 hit (guest pte dirty, EPT without D bits: the entry is dirty).
  //  R 0x2000 (vpn 2): 20 refs to the PT's absent entry -> #PF: gfn 5, host fault 6; 24 -> exit 6;
  //    24, filled. 3 walks, 68 refs (12 guest).
  //  X 0x1000 (vpn 1): iTLB miss, STLB hit.
  //  W 0x2ffc+8: vpn 2 L1 hit; vpn 3 as vpn 2: gfn 6, host fault 7, exit 7; 68 refs (12 guest).
  // L1d lookups 7+1+3+0+(1+3) = 15, misses 13; L1i 1/1; STLB 7+3+1+3 = 14 lookups, 13 misses;
  // walks 13, refs 96+68+68 = 232, 39 guest and 193 EPT.
  // cycles: 16 L1 + 14 x 9 + 232 x 20 + 7 exits x 2000 + 7 x 1000 + 3 guest faults x 3200 + 7 host
  //   faults x 3200 = 16+126+4640+14000+7000+9600+22400 = 57782.
  // Host frames: host table 4 + guest frames 7 + EPT tables 4 = 15 (EPT: root, and one table of
  // each lower level for gfns 0-511).
  const Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set sim.mode=nested --set sim.check=true");
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(s.at("mode") == "nested");
  CHECK(u(s, "l1d_lookups") == 15);
  CHECK(u(s, "l1d_misses") == 13);
  CHECK(u(s, "l1i_misses") == 1);
  CHECK(u(s, "stlb_lookups") == 14);
  CHECK(u(s, "stlb_misses") == 13);
  CHECK(u(s, "walks") == 13);
  CHECK(u(s, "walk_refs") == 232);
  CHECK(u(s, "walk_refs_guest") == 39);
  CHECK(u(s, "walk_refs_ept") == 193);
  CHECK(u(s, "vmexits") == 7);
  CHECK(u(s, "ept_violations") == 7);
  CHECK(u(s, "shadow_page_faults") == 0);
  CHECK(u(s, "pt_write_traps") == 0);
  CHECK(u(s, "vmexits_cr3") == 0);
  CHECK(u(s, "guest_page_faults") == 3);
  CHECK(u(s, "guest_pf_direct") == 3);
  CHECK(u(s, "sptes_created") == 7);
  CHECK(u(s, "ept_entries") == 7);
  CHECK(u(s, "shadow_pages") == 4);
  CHECK(u(s, "host_minor_faults") == 7);
  CHECK(u(s, "translations") == 6);
  CHECK(u(s, "cycles") == 57782);
  CHECK(u(s, "walk_cycles") == 4640);
  CHECK(u(s, "vmexit_cycles") == 14000);
  CHECK(u(s, "shadow_fault_cycles") == 7000);
  CHECK(u(s, "guest_fault_cycles") == 9600);
  CHECK(u(s, "host_fault_cycles") == 22400);
  CHECK(u(s, "frames_used") == 15);
  CHECK(u(s, "guest_frames_used") == 7);
  CHECK(u(s, "invariant_violations") == 0);
}

TEST_CASE("every bundled trace runs in nested mode: one guest fault per page, one EPT entry per guest frame",
          "[cli][nested][traces]") {
  for (const char* dir : {"traces/lackey", "traces/synthetic", "traces/teaching"}) {
    for (const auto& e : fs::directory_iterator(kSource + "/" + dir)) {
      const std::string t = e.path().string();
      INFO(t);
      const auto ref = count_without_evictions(load_trace(t), 16384);
      const Result r = run_mmusim("run -q --set sim.mode=nested --set sim.check=true --set guest.vcpus=4 --set guest.vms=2 --trace " + t + " --out out");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "accesses") == ref.accesses);
      CHECK(u(s, "guest_page_faults") == ref.pages);
      CHECK(u(s, "guest_pf_direct") == ref.pages);  // none exits
      // Every guest frame (pages and page-table pages) is cleared once (a host fault) and mapped by
      // one EPT entry, at the first hardware access, with one exit; no pressure: none is zapped.
      CHECK(u(s, "host_minor_faults") == ref.pages + ref.table_pages);
      CHECK(u(s, "sptes_created") == ref.pages + ref.table_pages);
      CHECK(u(s, "ept_entries") == ref.pages + ref.table_pages);
      CHECK(u(s, "ept_violations") == ref.pages + ref.table_pages);
      CHECK(u(s, "vmexits") == u(s, "ept_violations") + u(s, "vmexits_ipi"));
      CHECK(u(s, "sptes_zapped") == 0);
      CHECK(u(s, "walk_refs") == u(s, "walk_refs_guest") + u(s, "walk_refs_ept"));
      CHECK(u(s, "vcpu_cycles") == u(s, "gap_cycles") + u(s, "tlb_cycles") + u(s, "walk_cycles") +
                                       u(s, "dirty_assist_cycles") + u(s, "vmexit_cycles") + u(s, "guest_fault_cycles") +
                                       u(s, "shadow_fault_cycles") + u(s, "pt_write_cycles") + u(s, "host_fault_cycles") +
                                       u(s, "ipi_cycles") + u(s, "major_fault_cycles") + u(s, "direct_reclaim_cycles"));
    }
  }
}

TEST_CASE("nested mode under memory pressure: the five policies, with and without EPT A/D bits, keep the invariants",
          "[cli][nested][aging]") {
  // sim.era = none: the 2.6.28 preset of pressure.cfg had no EPT A/D bits (bad input with them).
  const std::string cfg = kSource + "/configs/pressure.cfg";
  for (const char* policy : {"pinned", "notifier", "spte-lru", "young", "access-track"}) {
    for (const char* ad : {"false", "true"}) {
      INFO(policy << " ept.ad_bits=" << ad);
      const Result r = run_mmusim(std::string("run -q --config ") + cfg + " --trace " + kSource +
                                  "/traces/synthetic/pressure.csv --set sim.mode=nested --set sim.check=true --set kvm.aging=" +
                                  policy + " --set ept.ad_bits=" + ad + " --set sim.era=none --out out");
      if (std::string(policy) == "pinned") {  // every EPT-mapped page is pinned: 8 MiB cannot hold them
        CHECK(r.code == 2);
        CHECK(r.err.find("host memory exhausted") != std::string::npos);
        continue;
      }
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "swap_outs") > 0);
      // try_to_unmap calls invalidate_page for each guest page swapped out; it zaps the page's EPT
      // entry when it has one (spte-lru and access-track zap may have dropped it before).
      CHECK(u(s, "notifier_invalidates") == u(s, "swap_outs"));
      CHECK(u(s, "sptes_zapped_invalidate") <= u(s, "notifier_invalidates"));
      // Without EPT A bits, young answers old for every page (kvm_age_rmapp, 2.6.28); the
      // policies that ignore A bits answer as they would with them.
      if (std::string(policy) == "young" && std::string(ad) == "false") CHECK(u(s, "young_hits") == 0);
      if (std::string(policy) == "young" && std::string(ad) == "true") CHECK(u(s, "young_hits") > 0);
    }
  }
}

TEST_CASE("explain narrates a 2D walk level by level", "[cli][nested][explain]") {
  const Result r = run_mmusim("explain --layout steps --set sim.mode=nested --to 1 --trace " + kSource + "/tests/data/golden_small.csv");
  REQUIRE(r.code == 0);
  // The last attempt of the first record: the four guest tables through the EPT, the guest pte,
  // the page's gfn, 24 references in all (pfns: host frame 1 is the EPT root, 2 the guest's PML4).
  for (const char* step : {"level-4 guest table at gfn 0x0: EPT walk, 4 ref(s) -> pfn 0x2",
                           "level-1 guest table at gfn 0x3: EPT walk, 4 ref(s), EPT entry absent at level 1 -> EPT violation",
                           "guest pte read (1 ref) -> gfn 0x4", "2D walk: 24 refs (4 guest, 20 EPT)",
                           "fill STLB and dTLB (gva -> hpa)", "VM exit (EPT violation)"})
    CHECK(r.out.find(step) != std::string::npos);
}

TEST_CASE("config --show marks the keys the chosen mode does not use", "[cli][nested][config]") {
  Result r = run_mmusim("config --show --set sim.mode=nested --set kvm.unsync=false --set ept.ad_bits=true");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("kvm.unsync = false  # --set, unused in sim.mode = nested\n") != std::string::npos);
  CHECK(r.out.find("ept.ad_bits = true  # --set\n") != std::string::npos);
  CHECK(r.out.find("cost.shadow_fault_cycles = 2000  # default, unused in sim.mode = nested\n") != std::string::npos);
  r = run_mmusim("config --show --set sim.mode=shadow --set ept.ad_bits=true");
  CHECK(r.out.find("ept.ad_bits = true  # --set, unused in sim.mode = shadow\n") != std::string::npos);
  CHECK(r.out.find("kvm.unsync = true  # default\n") != std::string::npos);
  r = run_mmusim("config --show");  // native
  CHECK(r.out.find("swap.mb = 1024  # default, unused in sim.mode = native\n") != std::string::npos);
  CHECK(r.out.find("tlb.stlb_entries = 1536  # default\n") != std::string::npos);
}
