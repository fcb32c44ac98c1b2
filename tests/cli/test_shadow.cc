// End to end in shadow mode: golden values derived by hand, bundled traces checked against the
// independent counter of reference_counts.h, VMs that share a host, and bad input.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"
#include "reference_counts.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

TEST_CASE("shadow golden: five accesses derived by hand", "[cli][shadow][golden]") {
  // tests/data/golden_small.csv, one vCPU, defaults: exit 2000, shadow fault 2000, guest fault 3200,
  // pt-write emulation 1500, host fault 3200, L1 1, STLB 9, walk ref 20; unsync, notrap sptes at
  // every level, a new guest pte dirty on any fault (2.6.2x), every frame the guest takes cleared
  // (the host faults it in then).
  // First CR3 load (no exit): the guest's PML4 (gfn 0) is cleared: host fault 1. Its shadow root
  //   gets notrap entries (all guest PML4Es absent).
  //  R 0x1000 (vpn 1): walk: notrap root entry (1 ref) -> #PF straight to the guest. It clears a
  //    PDPT (host fault 2) and links it into its shadowed PML4: a level-4 page, so the store is
  //    emulated (exit 1, pt write) and the root entry becomes a trap entry; PD, PT and the data
  //    page (host faults 3-5) are unshadowed: free stores. Retry: trap root entry (1 ref) -> exit
  //    2 (shadow pf); KVM builds PDPT, PD, PT shadow pages (their absent entries notrap) and a
  //    writable spte (guest pte W and D). Retry: 4 refs, fill.
  //  W 0x1008 (vpn 1): L1 hit, writable and dirty.
  //  R 0x2000 (vpn 2): notrap PT entry (4 refs) -> #PF to the guest; data page (host fault 6); its
  //    store to the shadowed PT faults once (exit 3) and unsyncs it: notrap entries now trap.
  //    Retry: 4 refs -> exit 4, spte. Retry: 4 refs, fill.
  //  X 0x1000 (vpn 1): iTLB miss, STLB hit.
  //  W 0x2ffc+8: vpn 2: L1 hit. vpn 3: trap entry (4 refs) -> exit 5, guest walk finds no pte,
  //    #PF injected; data page (host fault 7); the store to the unsync PT is free. Retry: 4 refs ->
  //    exit 6, spte. Retry: 4 refs, fill.
  // L1d lookups 3+1+3+0+(1+3) = 11, misses 9; L1i 1/1; STLB 3+3+1+3 = 10 lookups, 9 misses; walks
  // 9, refs 6 + 12 + 12 = 30.
  // cycles: 12 L1 + 10 x 9 + 30 x 20 + 6 exits x 2000 + 3 guest faults x 3200 + 5 shadow faults
  //   x 2000 + 1 emulation x 1500 + 7 host faults x 3200 = 102+600+12000+9600+10000+1500+22400 = 56202.
  // Host frames: host table 4 + guest frames 7 + shadow pages 4 = 15; guest frames: tables 4 + data 3.
  const Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set sim.mode=shadow --set sim.check=true");
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(s.at("mode") == "shadow");
  CHECK(s.at("policy") == "notifier");
  CHECK(u(s, "l1d_lookups") == 11);
  CHECK(u(s, "l1d_misses") == 9);
  CHECK(u(s, "l1i_misses") == 1);
  CHECK(u(s, "stlb_lookups") == 10);
  CHECK(u(s, "stlb_misses") == 9);
  CHECK(u(s, "walks") == 9);
  CHECK(u(s, "walk_refs") == 30);
  CHECK(u(s, "vmexits") == 6);
  CHECK(u(s, "vmexits_shadow_pf") == 5);
  CHECK(u(s, "vmexits_pt_write") == 1);
  CHECK(u(s, "shadow_page_faults") == 5);
  CHECK(u(s, "pt_write_traps") == 1);
  CHECK(u(s, "guest_page_faults") == 3);
  CHECK(u(s, "guest_pf_injected") == 1);
  CHECK(u(s, "guest_pf_direct") == 2);
  CHECK(u(s, "unsyncs") == 1);
  CHECK(u(s, "sptes_created") == 3);
  CHECK(u(s, "shadow_pages") == 4);
  CHECK(u(s, "host_minor_faults") == 7);
  CHECK(u(s, "dirty_assists") == 0);
  CHECK(u(s, "page_faults") == 0);
  CHECK(u(s, "cycles") == 56202);
  CHECK(u(s, "vmexit_cycles") == 12000);
  CHECK(u(s, "shadow_fault_cycles") == 10000);
  CHECK(u(s, "pt_write_cycles") == 1500);
  CHECK(u(s, "guest_fault_cycles") == 9600);
  CHECK(u(s, "host_fault_cycles") == 22400);
  CHECK(u(s, "frames_used") == 15);
  CHECK(u(s, "guest_frames_used") == 7);
  CHECK(u(s, "invariant_violations") == 0);
}

TEST_CASE("every bundled trace runs in shadow mode: one guest fault and one spte per page", "[cli][shadow][traces]") {
  for (const char* dir : {"traces/lackey", "traces/synthetic", "traces/teaching"}) {
    for (const auto& e : fs::directory_iterator(kSource + "/" + dir)) {
      const std::string t = e.path().string();
      INFO(t);
      const auto ref = count_without_evictions(load_trace(t), 16384);
      const Result r = run_mmusim("run -q --set sim.mode=shadow --set sim.check=true --set guest.vcpus=4 --set guest.vms=2 --trace " + t + " --out out");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "accesses") == ref.accesses);
      CHECK(u(s, "guest_page_faults") == ref.pages);
      CHECK(u(s, "sptes_created") == ref.pages);  // no pressure: nothing is zapped and rebuilt
      CHECK(u(s, "sptes_zapped") == 0);
      CHECK(u(s, "host_minor_faults") == ref.pages + ref.table_pages);  // every guest frame, cleared once
      CHECK(u(s, "page_table_pages") == ref.table_pages);
      CHECK(u(s, "shadow_pages") == ref.table_pages);  // each guest page-table page shadowed once
      CHECK(u(s, "vmexits") >= ref.pages);
      // The cost of the virtualised run splits exactly into its causes.
      CHECK(u(s, "vcpu_cycles") == u(s, "gap_cycles") + u(s, "tlb_cycles") + u(s, "walk_cycles") +
                                       u(s, "dirty_assist_cycles") + u(s, "vmexit_cycles") + u(s, "guest_fault_cycles") +
                                       u(s, "shadow_fault_cycles") + u(s, "pt_write_cycles") + u(s, "host_fault_cycles") +
                                       u(s, "ipi_cycles") + u(s, "major_fault_cycles") +
                                       u(s, "direct_reclaim_cycles"));
    }
  }
}

TEST_CASE("two VMs on one host: the same figures as each VM alone", "[cli][shadow]") {
  // Records alternate between VM 0 and VM 1; VMs share only host frames, so every count adds up
  // and, with one vCPU each running in parallel, simulated time is the slower VM's.
  REQUIRE(run_mmusim("gen --pattern hotcold --accesses 6000 --vms 2 --footprint-pages 600 --seed 3 --out two.csv").code == 0);
  std::ifstream in(test_dir() + "/two.csv");
  std::ofstream a(test_dir() + "/a.csv"), b(test_dir() + "/b.csv");
  std::string line;
  std::getline(in, line);
  a << line << '\n';
  b << line << '\n';
  while (std::getline(in, line)) {
    if (line.rfind("0,", 0) == 0) a << line << '\n';
    else b << "0" << line.substr(1) << '\n';  // VM 1's records as a lone VM 0
  }
  a.close(), b.close();
  const std::string common = " -q --set sim.mode=shadow --set sim.check=true --set guest.mem_mb=16";
  REQUIRE(run_mmusim("run --trace two.csv --out both --set guest.vms=2" + common).code == 0);
  REQUIRE(run_mmusim("run --trace a.csv --out a" + common).code == 0);
  REQUIRE(run_mmusim("run --trace b.csv --out b" + common).code == 0);
  const auto both = read_summary(test_dir() + "/both/summary.csv");
  const auto sa = read_summary(test_dir() + "/a/summary.csv");
  const auto sb = read_summary(test_dir() + "/b/summary.csv");
  for (const char* k : {"accesses", "vmexits", "guest_page_faults", "sptes_created", "shadow_pages", "walks",
                        "l1d_misses", "host_minor_faults", "vcpu_cycles"}) {
    INFO(k);
    CHECK(u(both, k) == u(sa, k) + u(sb, k));
  }
  CHECK(u(both, "cycles") == std::max(u(sa, "cycles"), u(sb, "cycles")));
  CHECK(u(both, "invariant_violations") == 0);
}

TEST_CASE("shadow mode costs more than native on the same trace and the quantum changes nothing", "[cli][shadow]") {
  const std::string t = kSource + "/traces/lackey/matmul.lackey";
  REQUIRE(run_mmusim("run -q --trace " + t + " --out native").code == 0);
  REQUIRE(run_mmusim("run -q --trace " + t + " --out s1 --set sim.mode=shadow --set sim.quantum_cycles=1000").code == 0);
  REQUIRE(run_mmusim("run -q --trace " + t + " --out s2 --set sim.mode=shadow --set sim.quantum_cycles=100000").code == 0);
  const auto n = read_summary(test_dir() + "/native/summary.csv");
  const auto s1 = read_summary(test_dir() + "/s1/summary.csv");
  const auto s2 = read_summary(test_dir() + "/s2/summary.csv");
  CHECK(u(s1, "cycles") > u(n, "cycles"));
  CHECK(u(s1, "translations") == u(n, "translations"));
  for (const auto& [k, v] : s1)
    if (k != "wall_seconds" && k != "accesses_per_second" && k != "trace") CHECK(s2.at(k) == v);
}

TEST_CASE("shadow bad input: guest memory, host memory and the shadow page limit", "[cli][shadow][errors]") {
  std::string csv = "op,gva\n";
  for (int i = 0; i < 300; ++i) csv += "R,0x" + std::to_string(i) + "000\n";
  fs::create_directories(test_dir());
  std::ofstream(test_dir() + "/big.csv") << csv;
  Result r = run_mmusim("run --trace big.csv --out out --set sim.mode=shadow --set guest.mem_mb=1");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --set: guest.mem_mb: guest 0 memory exhausted: all 256 frames (1024 KiB) are in use; the "
                 "trace needs more memory than guest.mem_mb = 1 MiB, and the guest OS does not swap\n");
  CHECK_FALSE(fs::exists(test_dir() + "/out/summary.csv"));
  // Pinned guest pages cannot be reclaimed: a 1 MiB host cannot hold 300 of them.
  r = run_mmusim("run --trace big.csv --out out --set sim.mode=shadow --set host.mem_mb=1 --set guest.mem_mb=16 --set kvm.aging=pinned");
  CHECK(r.code == 2);
  CHECK(r.err.find("mmusim: --set: host.mem_mb: host memory exhausted") == 0);
  CHECK(r.err.find("(kvm.aging = pinned: pages mapped by sptes cannot be reclaimed)") != std::string::npos);
  // Overcommit beyond memory + swap is refused before the run.
  r = run_mmusim("run --trace big.csv --out out --set sim.mode=shadow --set host.mem_mb=64 --set swap.mb=0");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --set: swap.mb: the guests' memory (1 x guest.mem_mb = 1024 MiB) exceeds host.mem_mb + swap.mb = 64 MiB: raise swap.mb\n");
  r = run_mmusim("run --trace big.csv --out out --set sim.mode=shadow --set kvm.max_mmu_pages=10");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --set: kvm.max_mmu_pages: 10 is below KVM's minimum of 64 shadow pages (0 = automatic)\n");
  // 64 vCPUs in 64 processes pin 64 roots: 64 shadow pages cannot hold them.
  std::string many = "vcpu,pid,op,gva\n";
  for (int i = 0; i < 64; ++i) many += std::to_string(i) + "," + std::to_string(i) + ",R,0x1000\n";
  std::ofstream(test_dir() + "/many.csv") << many;
  r = run_mmusim("run --trace many.csv --out out --set sim.mode=shadow --set guest.vcpus=64 --set kvm.max_mmu_pages=64");
  CHECK(r.code == 2);
  CHECK(r.err.find("mmusim: --set: kvm.max_mmu_pages: kvm.max_mmu_pages = 64 cannot hold the") == 0);
}

TEST_CASE("2008 KVM without notrap sptes takes two exits per guest demand fault", "[cli][shadow]") {
  // KVM commit 0028425f647b ("update spte on write"; docs/fidelity.md): a guest demand fault costs 3
  // exits, 2 once the emulated pte store installs the spte. Here: the #PF exit that injects the
  // fault and the emulated store; the few more are the first faults under a new PDPT/PD/PT, whose
  // shadow pages do not exist yet when the guest stores into its fresh (unshadowed) tables.
  const Result r = run_mmusim("run -q --config " + kSource + "/configs/core2-2008.cfg --trace " + kSource +
                              "/traces/lackey/listwalk.lackey --set sim.mode=shadow --set kvm.bypass_guest_pf=false --out out");
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  const std::uint64_t faults = u(s, "guest_page_faults");
  CHECK(faults == 1096);
  CHECK(u(s, "guest_pf_injected") == faults);
  CHECK(u(s, "vmexits_pt_write") == faults);
  CHECK(u(s, "vmexits") >= 2 * faults);
  CHECK(u(s, "vmexits") <= 2 * faults + u(s, "page_table_pages"));
}

TEST_CASE("a small shadow page limit evicts shadow pages and their sptes", "[cli][shadow]") {
  // 60,000 pages spread over about 118 guest PTs: more shadow pages than kvm.max_mmu_pages = 64.
  REQUIRE(run_mmusim("gen --pattern uniform --accesses 20000 --footprint-pages 60000 --seed 2 --out u.csv").code == 0);
  REQUIRE(run_mmusim("run -q --trace u.csv --out out --set sim.mode=shadow --set sim.check=true "
                     "--set kvm.max_mmu_pages=64").code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(u(s, "shadow_cache_evictions") > 0);
  CHECK(u(s, "shadow_cache_evictions") <= u(s, "shadow_pages_zapped"));
  CHECK(u(s, "sptes_zapped_shadow_cache") > 0);
  CHECK(u(s, "shadow_pages") <= 64 + 3);  // the limit, plus the pages one fault may add past it
  CHECK(u(s, "invariant_violations") == 0);
}
