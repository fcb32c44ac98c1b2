// mmusim explain and --vcd end to end: narrated lines derived by hand from the configured
// latencies, the narrated cycles against what `run` charges, windows, every aging policy under
// pressure, several vCPUs and VMs, bad input; the VCD's header and value changes.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>

#include "cli_util.h"

using namespace mmusim::test;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::stringstream s(text);
  for (std::string l; std::getline(s, l);) v.push_back(l);
  return v;
}

// The sum of the "(+N cycles)" that end the vCPUs' lines.
std::uint64_t narrated_cycles(const std::string& text) {
  static const std::regex total(R"(\(\+([0-9,]+) cycles?\)$)");
  std::uint64_t sum = 0;
  for (const std::string& l : lines_of(text)) {
    std::smatch m;
    if (!std::regex_search(l, m, total)) continue;  // records, and IPI exits after a vCPU's last record
    std::string digits = m[1];
    digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
    sum += std::stoull(digits);
  }
  return sum;
}

// The exits for TLB-flush IPIs the vCPUs' lines tell ("N VM exit(s) for TLB-flush IPIs ...").
std::uint64_t narrated_ipi_exits(const std::string& text) {
  static const std::regex ipis(R"(([0-9]+) VM exit\(s\) for TLB-flush IPIs)");
  std::uint64_t n = 0;
  for (std::sregex_iterator m(text.begin(), text.end(), ipis), end; m != end; ++m) n += std::stoull((*m)[1]);
  return n;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Reads of 300 consecutive pages, each followed by a read of one hot page; twice.
std::string stride_csv() {
  std::string csv = "op,gva\n";
  for (int pass = 0; pass < 2; ++pass)
    for (int p = 0; p < 300; ++p) {
      char b[48];
      std::snprintf(b, sizeof b, "R,0x%x\nR,0x20000000\n", 0x10000000 + p * 4096);
      csv += b;
    }
  return csv;
}

const std::string kFour = "op,gva\nW,0x7f0012a0\nR,0x7f0012a8\nR,0x7f0022a0\nX,0x400000\n";
}  // namespace

TEST_CASE("explain native: four records in words, cycles derived by hand", "[cli][explain]") {
  // configs/default.cfg: L1 1, STLB 9, walk ref 20, fault 3200 cycles. Frame 0 is the PML4.
  // #0 W 0x7f0012a0: 1 + 9 + 1 ref (PML4E absent) = 30; fault: data frame 1, then tables 2-4;
  //    retry 1 + 9 + 4 x 20 = 90: 30 + 3200 + 90 = 3320.
  // #1 same page: dTLB hit, 1 cycle, at 3320.
  // #2 next page, same tables: 1 + 9 + 80 = 90, fault (frame 5), retry 90: 3380, at 3321.
  // #3 X 0x400000: PML4 index 0 as before, PDPT index 0 (0x7f0012a0 has 1): 2 refs, 1 + 9 + 40 =
  //    50, fault (frame 6, tables 7 and 8), retry 90: 3340, at 6701. End: 10041.
  const std::string t = write_test_file("four.csv", kFour);
  const Result r = run_mmusim("explain --config " + kSource + "/configs/default.cfg --trace " + t);
  REQUIRE(r.code == 0);
  const auto l = lines_of(r.out);
  REQUIRE(l.size() == 5);
  CHECK(l[0] ==
        "#0 @0 vCPU0 W 0x7f0012a0: switch to pid 0 -> dTLB miss -> STLB miss -> walk: 1 ref, pte absent at level 4 -> "
        "page fault: do_anonymous_page maps frame 0x1 (P, W, U) and 3 new page-table pages -> retry -> dTLB miss -> "
        "STLB miss -> walk: 4 refs, pte -> frame 0x1 -> fill STLB and dTLB (+3,320 cycles)");
  CHECK(l[1] == "#1 @3,320 vCPU0 R 0x7f0012a8: dTLB hit (+1 cycle)");
  CHECK(l[2] ==
        "#2 @3,321 vCPU0 R 0x7f0022a0: dTLB miss -> STLB miss -> walk: 4 refs, pte absent at level 1 -> page fault: "
        "do_anonymous_page maps frame 0x5 (P, W, U) -> retry -> dTLB miss -> STLB miss -> walk: 4 refs, pte -> frame "
        "0x5 -> fill STLB and dTLB (+3,380 cycles)");
  CHECK(l[3] ==
        "#3 @6,701 vCPU0 X 0x400000: iTLB miss -> STLB miss -> walk: 2 refs, pte absent at level 3 -> page fault: "
        "do_anonymous_page maps frame 0x6 (P, W, U) and 2 new page-table pages -> retry -> iTLB miss -> STLB miss -> "
        "walk: 4 refs, pte -> frame 0x6 -> fill STLB and iTLB (+3,340 cycles)");
  CHECK(l[4] == "explained records 0 to 3 of " + t + " (native mode); 4 records simulated in 10,041 cycles");
}

TEST_CASE("explain shadow: a guest fault, an unsync and a shadow page fault in words", "[cli][explain]") {
  // The same four records in a guest (exit 2000, shadow fault 2000, guest fault 3200, emulation
  // 1500, host fault 3200 cycles; unsync and notrap sptes on).
  // #0 (26,850 cycles): the first CR3 load clears the PML4 (gfn 0, host fault 3200); 30 (notrap
  //   root entry) -> guest #PF 3200: PDPT gfn 1 cleared 3200, its store into the shadowed PML4
  //   emulated 2000 + 1500; PD, PT, data gfns 2-4 cleared 3 x 3200; retry 30 -> exit 2000 + shadow
  //   fault 2000; retry 90: 3200 + 30 + 19,500 + 30 + 4000 + 90.
  // #2 (at 26,851): 4 refs to the notrap PT entry (90) -> guest #PF 3200, data gfn 5 cleared
  //   (host minor fault 3200, pfn 0xd: host frames 0-4 are the host tables and gfn 0, 5 the shadow
  //   root, 6-9 gfns 1-4, 10-12 the shadow pages); the store into the write-protected PT (gfn 3)
  //   faults and unsyncs it (exit 2000 + shadow fault 2000); retry 90 -> exit + shadow fault
  //   4000 -> spte; retry 90. 90 + 3200 + 3200 + 4000 + 90 + 4000 + 90 = 14,670.
  const std::string t = write_test_file("four.csv", kFour);
  const Result r = run_mmusim("explain --config " + kSource + "/configs/default.cfg --trace " + t + " --set sim.mode=shadow");
  REQUIRE(r.code == 0);
  const auto l = lines_of(r.out);
  REQUIRE(l.size() == 5);
  CHECK(l[0].rfind("#0 @0 vCPU0 W 0x7f0012a0: switch to pid 0 -> guest CR3 <- PML4 of pid 0 -> gfn 0x0 -> hva "
                   "0x7f0000000000: host page absent -> host minor fault",
                   0) == 0);
  CHECK(l[0].find("(+26,850 cycles)") != std::string::npos);
  CHECK(l[1] == "#1 @26,850 vCPU0 R 0x7f0012a8: dTLB hit (+1 cycle)");
  CHECK(l[2] ==
        "#2 @26,851 vCPU0 R 0x7f0022a0: dTLB miss -> STLB miss -> walk: 4 refs, spte absent at level 1 -> notrap spte: "
        "#PF goes to the guest without a VM exit -> guest #PF handler (pid 0) -> new page at gfn 0x5, cleared -> gfn "
        "0x5 -> hva 0x7f0000005000: host page absent -> host minor fault: do_anonymous_page maps pfn 0xd (young, "
        "dirty), active list -> mark_page_accessed: active -> active, referenced -> guest pte -> gfn 0x5 (P, W, U, A, "
        "D) -> the guest's pte store hit write-protected gfn 0x3 -> VM exit (shadow page fault) -> kvm_unsync_page: "
        "gfn 0x3 left writable until KVM resyncs it (next CR3 load, or shadowed again), the store completes -> resume, retry -> dTLB miss -> STLB "
        "miss -> walk: 4 refs, spte absent at level 1 -> VM exit (shadow page fault) -> guest walk: guest pte "
        "present, gfn 0x5 -> gfn 0x5 -> hva 0x7f0000005000: host page present, pfn 0xd -> get_user_pages_fast: no "
                "mark_page_accessed -> spte installed for gfn 0x5 "
        "-> pfn 0xd (A, W) -> resume, retry -> dTLB miss -> STLB miss -> walk: 4 refs, spte -> frame 0xd -> fill "
        "STLB and dTLB (+14,670 cycles)");
}

TEST_CASE("explain: the narrated cycles are what the simulation charges", "[cli][explain]") {
  // tests/data/golden_small.csv in shadow mode: 56,202 cycles, derived by hand in test_shadow.cc.
  const std::string t = kSource + "/tests/data/golden_small.csv";
  const Result r = run_mmusim("explain --trace " + t + " --set sim.mode=shadow");
  REQUIRE(r.code == 0);
  CHECK(narrated_cycles(r.out) == 56202);
  CHECK(count_of(r.out, "VM exit (") == 6);
  CHECK(count_of(r.out, "kvm_unsync_page") == 1);
  CHECK(count_of(r.out, "inject #PF") == 1);
}

TEST_CASE("explain under memory pressure shows reclaim decisions for every aging policy", "[cli][explain][pressure]") {
  // stride_csv: 300 pages touched twice, and a hot page, in a guest of 512 frames on a host of 256 frames (min 4, low 5, high 6
  // pages): kswapd reclaims. Each policy's narrated cycles add up to the vcpu_cycles `run`
  // reports for the same machine and trace.
  const std::string t = write_test_file("stride.csv", stride_csv());
  const std::string machine = " --set sim.mode=shadow --set sim.quantum_cycles=1 --set guest.mem_mb=2 --set host.mem_mb=1 "
                              "--set swap.mb=4 --set swap.read_us=1 --set swap.write_us=1 --set reclaim.min_free_kb=16 "
                              "--set kvm.spte_lru_drop_every=1 --set tlb.l1d_entries=4 --set tlb.l1d_ways=4 "
                              "--set tlb.stlb_entries=8 --set tlb.stlb_ways=4";
  for (const std::string& policy : config_choices("kvm.aging")) {
    if (policy == "pinned") continue;  // cannot reclaim what its sptes map: this host would run out
    INFO(policy);
    const Result r = run_mmusim("explain --trace " + t + machine + " --set kvm.aging=" + policy);
    REQUIRE(r.code == 0);
    const Result run = run_mmusim("run -q --out out --trace " + t + machine + " --set kvm.aging=" + policy);
    REQUIRE(run.code == 0);
    const auto s = read_summary(test_dir() + "/out/summary.csv");
    CHECK(narrated_cycles(r.out) == u(s, "vcpu_cycles"));
    CHECK(count_of(r.out, "kswapd: wakes") == u(s, "kswapd_wakeups"));
    CHECK(count_of(r.out, ": wake kswapd") == u(s, "kswapd_wakeups"));
    // Every page scanned is a line, kswapd's or nested under a vCPU's direct reclaim.
    CHECK(count_of(r.out, "shrink_active_list pfn ") + count_of(r.out, "shrink_inactive_list pfn ") == u(s, "pages_scanned"));
    CHECK(count_of(r.out, "clear_flush_young [" + policy + "]") == u(s, "notifier_young_calls"));
    CHECK(count_of(r.out, "KVM answers young") == u(s, "young_hits"));
    CHECK(count_of(r.out, "pageout: dirty") == u(s, "swap_outs"));
    CHECK(count_of(r.out, "major fault: swap-in") == u(s, "swap_ins"));
    CHECK(count_of(r.out, "VM exit (") == u(s, "vmexits") - u(s, "vmexits_ipi"));
    CHECK(narrated_ipi_exits(r.out) == u(s, "vmexits_ipi"));
    CHECK(count_of(r.out, "invalidate_page(") == u(s, "notifier_invalidates"));
    CHECK(count_of(r.out, " dropped (oldest in the spte LRU)") == u(s, "sptes_dropped_lru"));
    CHECK(count_of(r.out, "fast page fault: spte restored") == u(s, "vmexits_access_track"));
    CHECK(u(s, "swap_outs") > 0);
    if (policy == "spte-lru") CHECK(u(s, "sptes_dropped_lru") > 0);
    if (policy == "access-track") CHECK(u(s, "vmexits_access_track") > 0);
    if (policy == "young" || policy == "access-track") CHECK(u(s, "young_hits") > 0);
  }
  // pinned cannot reclaim what sptes map: the vCPU reclaims directly (lines under its record)
  // until the host runs out, exit 2.
  const Result pinned = run_mmusim("explain --trace " + t + machine + " --set kvm.aging=pinned");
  CHECK(pinned.code == 2);
  CHECK(pinned.out.find("\n    shrink_inactive_list pfn ") != std::string::npos);
  CHECK(pinned.out.find("pinned by KVM: back to the inactive list") != std::string::npos);
  CHECK(pinned.out.find(" -> stopped: host memory exhausted: all 256 frames (1024 KiB) are in use\n") != std::string::npos);
  CHECK(pinned.err.find("host.mem_mb: host memory exhausted") != std::string::npos);
}

TEST_CASE("explain: several vCPUs and VMs are named on every line", "[cli][explain]") {
  const std::string t = write_test_file("two.csv", "vm,vcpu,op,gva\n0,0,R,0x1000\n0,1,R,0x2000\n1,0,W,0x3000\n1,1,R,0x1000\n");
  const Result r =
      run_mmusim("explain --trace " + t + " --set sim.mode=shadow --set guest.vms=2 --set guest.vcpus=2 --set guest.mem_mb=16");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("#0 @0 vm0 vCPU0 R 0x1000: ") != std::string::npos);
  CHECK(r.out.find("#1 @0 vm0 vCPU1 R 0x2000: ") != std::string::npos);
  CHECK(r.out.find("#2 @0 vm1 vCPU0 W 0x3000: ") != std::string::npos);
  CHECK(r.out.find("#3 @0 vm1 vCPU1 R 0x1000: ") != std::string::npos);
  const Result one = run_mmusim("explain --trace " + t + " --set sim.mode=shadow --set guest.vcpus=2 --set guest.mem_mb=16");
  CHECK(one.code == 2);  // vm 1 does not exist on a one-VM machine
  const std::string t2 = write_test_file("one_vm.csv", "vcpu,op,gva\n0,R,0x1000\n1,R,0x2000\n");
  const Result v = run_mmusim("explain --trace " + t2 + " --set guest.vcpus=2");
  REQUIRE(v.code == 0);
  CHECK(v.out.find("#1 @0 vCPU1 R 0x2000: ") != std::string::npos);
}

TEST_CASE("explain: two vCPUs under pressure, their IPI exits and cycles as charged", "[cli][explain][pressure]") {
  // traces/synthetic/multi-vcpu.csv (10,000 records: the most explain takes whole) on a 2 MiB host
  // under young: kswapd's harvests flush the TLBs and both vCPUs take IPI exits.
  const std::string t = kSource + "/traces/synthetic/multi-vcpu.csv";
  const std::string machine = " --set sim.mode=shadow --set guest.vcpus=2 --set guest.mem_mb=64 --set host.mem_mb=2 "
                              "--set kvm.aging=young";
  const Result r = run_mmusim("explain --trace " + t + machine);
  REQUIRE(r.code == 0);
  const Result run = run_mmusim("run -q --out out --trace " + t + machine);
  REQUIRE(run.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(count_of(r.out, " vCPU0 ") + count_of(r.out, " vCPU1 ") >= 10000);
  CHECK(narrated_cycles(r.out) == u(s, "vcpu_cycles"));
  CHECK(u(s, "vmexits_ipi") > 0);
  CHECK(narrated_ipi_exits(r.out) == u(s, "vmexits_ipi"));
  // With two vCPUs an allocation also meets kswapd awake: only real wakeups say so.
  CHECK(count_of(r.out, ": wake kswapd") == u(s, "kswapd_wakeups"));
  CHECK(count_of(r.out, "kswapd: wakes") == u(s, "kswapd_wakeups"));
  CHECK(count_of(r.out, ": kswapd already awake") > 0);
}

TEST_CASE("explain --from --to narrates a window of record indices of a large trace", "[cli][explain]") {
  const std::string t = kSource + "/traces/lackey/quicksort.lackey";
  const Result r = run_mmusim("explain --trace " + t + " --from 1000 --to 1003");
  REQUIRE(r.code == 0);
  const auto l = lines_of(r.out);
  REQUIRE(l.size() == 4);
  CHECK(l[0].rfind("#1000 @", 0) == 0);
  CHECK(l[1].rfind("#1001 @", 0) == 0);
  CHECK(l[2].rfind("#1002 @", 0) == 0);
  CHECK(l[3] == "explained records 1000 to 1002 of " + t + " (native mode); 1003 records simulated in " +
                    l[3].substr(l[3].rfind(" in ") + 4));
}

TEST_CASE("explain refuses a trace too large without a window and suggests --from/--to", "[cli][explain][errors]") {
  const std::string t = kSource + "/traces/lackey/quicksort.lackey";  // 129,120 records
  const Result r = run_mmusim("explain --trace " + t);
  CHECK(r.code == 2);
  CHECK(r.out.empty());
  CHECK(r.err == "mmusim: " + t +
                     ": more than 10,000 records, too large to explain whole; explain at most 10,000 records: choose a "
                     "window of record indices with --from/--to, e.g. --from 0 --to 1000\n");
  const Result wide = run_mmusim("explain --trace " + t + " --from 5 --to 20000");
  CHECK(wide.code == 2);
  CHECK(wide.err.find("--from/--to: the window [5, 20000) holds more than 10,000 records") != std::string::npos);
  // A --from near 2^64 is past the end of the trace, counted without wrapping.
  const Result huge = run_mmusim("explain --trace " + t + " --from 18446744073709551615");
  CHECK(huge.code == 2);
  CHECK(huge.err == "mmusim: " + t + ": --from: the trace has only 129120 records (indices 0 to 129119)\n");
  const Result empty = run_mmusim("explain --trace " + t + " --from 5 --to 5");
  CHECK(empty.code == 2);
  CHECK(empty.err == "mmusim: --to: the window [5, 5) is empty\n");
  const Result past = run_mmusim("explain --trace " + kSource + "/tests/data/golden_small.csv --from 9");
  CHECK(past.code == 2);
  CHECK(past.err.find("--from: the trace has only 5 records") != std::string::npos);
}

TEST_CASE("vcd: figures over simulated time at the sampled times", "[cli][vcd]") {
  // The four native records at 1 GHz (1 cycle = 1000 ps) on 256 frames, quantum 1 cycle: the vCPU
  // meets SystemC time before each fault. The PML4 is taken at cycle 0 (255 free). #0 misses the
  // dTLB at 0 (1 miss), faults at 30 (4 frames: 251; the retry misses again: 2), #2 misses at
  // 3321 and faults at 3351 (250 free, 4 misses), #3 misses at 6701 and faults at 6751 (3 frames:
  // 247, 6 misses). Samples every 1000 cycles from 500: changes at 500, 3500 and 7500.
  const std::string t = write_test_file("four.csv", kFour);
  const Result r = run_mmusim("run -q --out out --trace " + t +
                              " --set sim.cpu_mhz=1000 --set sim.quantum_cycles=1 --set host.mem_mb=1 --vcd w.vcd "
                              "--vcd-from-cycles 500 --vcd-interval-cycles 1000");
  REQUIRE(r.code == 0);
  const std::string vcd = slurp(test_dir() + "/w.vcd");
  CHECK(vcd.find("$timescale\n     1 ps\n$end") != std::string::npos);
  for (const char* name : {"free_pages", "lru_active_pages", "lru_inactive_pages", "vmexits", "tlb_misses",
                           "stlb_misses", "shadow_pages", "swap_ins", "swap_in_flight"})
    CHECK(std::regex_search(vcd, std::regex(std::string(R"(\$var wire +64 +aaaa[a-i] +)") + name + R"( \[63:0\] +\$end)")));
  CHECK(vcd.find("$var wire    1  aaaaj  kswapd_running       $end") != std::string::npos);
  const std::size_t dump = vcd.find("$enddefinitions");
  REQUIRE(dump != std::string::npos);
  // free_pages is aaaaa, tlb_misses aaaae, stlb_misses aaaaf (declaration order).
  CHECK(vcd.substr(vcd.find("#500000")) ==
        "#500000\nb11111011 aaaaa\nb10 aaaae\nb10 aaaaf\n\n"
        "#3500000\nb11111010 aaaaa\nb100 aaaae\nb100 aaaaf\n\n"
        "#7500000\nb11110111 aaaaa\nb110 aaaae\nb110 aaaaf\n\n#10041000\n");
  // A window: no sample after cycle 4000.
  const Result w = run_mmusim("run -q --out out --trace " + t +
                              " --set sim.cpu_mhz=1000 --set sim.quantum_cycles=1 --set host.mem_mb=1 --vcd x.vcd "
                              "--vcd-from-cycles 500 --vcd-interval-cycles 1000 --vcd-to-cycles 4000");
  REQUIRE(w.code == 0);
  const std::string x = slurp(test_dir() + "/x.vcd");
  CHECK(x.find("#3500000\nb11111010 aaaaa") != std::string::npos);
  CHECK(x.find("#7500000") == std::string::npos);
}

TEST_CASE("vcd: the VCD ends at the summary's simulated time, with a GTKWave save file beside it", "[cli][vcd]") {
  // At 3,000 MHz SystemC's period is 333 ps, a third of a ps short of a cycle: the VCD's times are
  // rewritten to cycles x 10^6 / 3000 ps, rounded, so its last time is sim_seconds exactly.
  const std::string t = write_test_file("four.csv", kFour);
  const Result r = run_mmusim("run -q --out out --trace " + t + " --set sim.cpu_mhz=3000 --vcd w.vcd --vcd-interval-cycles 100");
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  const std::uint64_t cycles = u(s, "cycles");
  const std::string vcd = slurp(test_dir() + "/w.vcd");
  const std::string last = vcd.substr(vcd.rfind('#'));
  CHECK(last == "#" + std::to_string((cycles * 1000000 + 1500) / 3000) + "\n");
  CHECK(vcd.find("\n#100\n") == std::string::npos);   // the first sample after 0: 100 cycles = 33,333 ps
  CHECK(vcd.find("\n#33333\n") != std::string::npos);
  // Counts in decimal (flags 0x24), levels as analog steps (0x8024), the flag in binary (0x28).
  const std::string gtkw = slurp(test_dir() + "/w.gtkw");
  CHECK(gtkw.find("[dumpfile] \"w.vcd\"\n") != std::string::npos);
  CHECK(gtkw.find("@8024\nSystemC.free_pages[63:0]\n@20000\n-\n-\n") != std::string::npos);
  CHECK(gtkw.find("@24\nSystemC.vmexits[63:0]\n") != std::string::npos);
  CHECK(gtkw.find("@28\nSystemC.kswapd_running\n") != std::string::npos);
}

TEST_CASE("vcd under memory pressure: kswapd_running rises once per kswapd wakeup", "[cli][vcd][pressure]") {
  // The pressure machine of the explain test above. Every kswapd run scans pages at 100 + 300
  // cycles each, so a sample every 100 cycles falls inside each run; the totals reach the
  // summary's figures.
  const std::string t = write_test_file("stride.csv", stride_csv());
  const Result r = run_mmusim("run -q --out out --trace " + t +
                              " --set sim.mode=shadow --set sim.quantum_cycles=1 --set guest.mem_mb=2 --set host.mem_mb=1 "
                              "--set swap.mb=4 --set swap.read_us=1 --set swap.write_us=1 --set reclaim.min_free_kb=16 "
                              "--set kvm.aging=young --vcd p.vcd --vcd-interval-cycles 100");
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  REQUIRE(u(s, "kswapd_wakeups") > 0);
  const std::string vcd = slurp(test_dir() + "/p.vcd");
  CHECK(count_of(vcd, "\n1aaaaj\n") == u(s, "kswapd_wakeups"));
  std::uint64_t max_vmexits = 0;
  std::stringstream in(vcd);
  for (std::string line; std::getline(in, line);)
    if (line.size() > 7 && line.compare(line.size() - 6, 6, " aaaad") == 0)
      max_vmexits = std::max<std::uint64_t>(max_vmexits, std::stoull(line.substr(1, line.size() - 7), nullptr, 2));
  CHECK(max_vmexits <= u(s, "vmexits"));
  CHECK(max_vmexits > 0);
}

TEST_CASE("vcd: explain writes one too, and bad options are refused", "[cli][vcd][errors]") {
  const std::string t = write_test_file("four.csv", kFour);
  const Result r = run_mmusim("explain --trace " + t + " --vcd e.vcd --vcd-interval-cycles 100");
  REQUIRE(r.code == 0);
  CHECK(slurp(test_dir() + "/e.vcd").find("$enddefinitions") != std::string::npos);
  const Result name = run_mmusim("run -q --out out --trace " + t + " --vcd w.txt");
  CHECK(name.code == 2);
  CHECK(name.err == "mmusim: --vcd: 'w.txt': the waveform file's name must end in .vcd\n");
  const Result zero = run_mmusim("run -q --out out --trace " + t + " --vcd w.vcd --vcd-interval-cycles 0");
  CHECK(zero.code == 2);
  CHECK(zero.err == "mmusim: --vcd-interval-cycles: the interval must be at least 1 cycle\n");
  const Result dir = run_mmusim("run -q --out out --trace " + t + " --vcd /nonexistent/w.vcd");
  CHECK(dir.code == 2);
  CHECK(dir.err == "mmusim: --vcd: cannot write '/nonexistent/w.vcd': No such file or directory\n");
}

TEST_CASE("explain --layout steps prints the same steps one per line, and other layouts are refused", "[cli][explain]") {
  const std::string t = write_test_file("four.csv", kFour);
  const Result line = run_mmusim("explain --trace " + t);
  const Result steps = run_mmusim("explain --trace " + t + " --layout steps");
  REQUIRE(line.code == 0);
  REQUIRE(steps.code == 0);
  // Joining each record's step lines back with " -> " gives the one-line layout.
  std::string joined;
  for (const std::string& l : lines_of(steps.out)) {
    if (l.rfind("    -> ", 0) == 0) joined += " -> " + l.substr(7);
    else if (l.rfind("    ", 0) == 0) joined += " " + l.substr(4);
    else joined += (joined.empty() ? "" : "\n") + l;
  }
  CHECK(joined + "\n" == line.out);
  CHECK(count_of(steps.out, "\n") > count_of(line.out, "\n"));
  const Result bad = run_mmusim("explain --trace " + t + " --layout wide");
  CHECK(bad.code == 2);
  CHECK(bad.err == "mmusim: --layout: 'wide' is not a layout (line or steps)\n");
}

TEST_CASE("vcd: cycle counts past 2^64 ps of simulated time are refused, not wrapped", "[cli][vcd][errors]") {
  const std::string t = write_test_file("four.csv", kFour);
  // At the default 3,000 MHz a cycle is 333 ps: 2^64 ps is 18446744073709551615 / 333 =
  // 55395627848977632 cycles.
  const Result r = run_mmusim("run -q --out out --trace " + t + " --vcd w.vcd --vcd-from-cycles 55395627848977633");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --vcd-from-cycles: 55395627848977633 cycles is past the end of simulated time "
                 "(55395627848977632 cycles: 2^64 ps at sim.cpu_mhz)\n");
  CHECK(run_mmusim("run -q --out out --trace " + t + " --vcd w.vcd --vcd-from-cycles 55395627848977632").code == 0);
}

namespace {
// The value of `"key":` in one JSON line of explain --emit jsonl (a number or a string's text).
std::string json_value(const std::string& line, const std::string& key) {
  const std::string k = "\"" + key + "\":";
  const std::size_t at = line.find(k);
  if (at == std::string::npos) return "";
  std::size_t b = at + k.size(), e;
  if (line[b] == '"') e = line.find('"', ++b);
  else e = line.find_first_of(",}", b);
  return line.substr(b, e - b);
}
}  // namespace

TEST_CASE("explain --emit jsonl: one object per event, whose counts add up to summary.csv", "[cli][explain][pressure]") {
  // The stride machine of the pressure test above in each mode: every walk is a walk event, every
  // exit a vmexit event naming its summary column (IPI exits are the targets of remote_flush
  // events), every page reclaim scans a scan_page event, every swap write and read a swap_out and
  // swap_in event.
  const std::string t = write_test_file("stride.csv", stride_csv());
  const std::string tlbs = " --set tlb.l1d_entries=4 --set tlb.l1d_ways=4 --set tlb.stlb_entries=8 --set tlb.stlb_ways=4";
  const std::string pressure = " --set sim.quantum_cycles=1 --set guest.mem_mb=2 --set host.mem_mb=1 --set swap.mb=4 "
                               "--set swap.read_us=1 --set swap.write_us=1 --set reclaim.min_free_kb=16";
  for (const std::string run_as : {"native", "shadow", "nested", "shadow-mglru"}) {
    INFO(run_as);
    const std::string mode = run_as.substr(0, run_as.find('-'));
    const bool mglru = run_as.find("mglru") != std::string::npos;
    // Native mode has no host to reclaim: its 300 pages need more than 1 MiB.
    const std::string args = " --trace " + t + tlbs + (mode == "native" ? "" : pressure) + " --set sim.mode=" + mode +
                             (mglru ? " --set reclaim.lru=mglru" : "");
    const Result r = run_mmusim("explain --emit jsonl" + args);
    REQUIRE(r.code == 0);
    const Result run = run_mmusim("run -q --out out" + args);
    REQUIRE(run.code == 0);
    const auto s = read_summary(test_dir() + "/out/summary.csv");
    std::map<std::string, std::uint64_t> events, exits;
    std::uint64_t records = 0, ipis = 0;
    for (const std::string& l : lines_of(r.out)) {
      REQUIRE(l.front() == '{');
      REQUIRE(l.back() == '}');
      REQUIRE(!json_value(l, "record").empty());
      REQUIRE(!json_value(l, "cycle").empty());
      REQUIRE(!json_value(l, "cpu").empty());
      const std::string e = json_value(l, "event");
      ++events[e];
      if (e == "record") ++records;
      if (e == "vmexit") ++exits[json_value(l, "figure")];
      const std::string targets = json_value(l, "targets");  // "1,2": the vCPUs an IPI went to
      if (e == "remote_flush" && !targets.empty()) ipis += 1 + static_cast<std::uint64_t>(std::count(targets.begin(), targets.end(), ','));
    }
    CHECK(records == 1200);
    CHECK(events["walk"] == u(s, "walks"));
    if (mode == "native") {  // no guest, no host reclaim, no VM exits
      CHECK(events["page_fault"] == u(s, "page_faults"));
      continue;
    }
    CHECK(events["guest_page_fault"] == u(s, "guest_page_faults"));
    CHECK(events["swap_in"] == u(s, "swap_ins"));
    CHECK(events["swap_out"] == u(s, "swap_outs"));
    // MGLRU scans a generation (gen_scan) and evicts the pages it isolated (scan_page).
    CHECK(events[mglru ? "gen_scan" : "scan_page"] == u(s, "pages_scanned"));
    if (mglru) CHECK(events["mglru_aging"] == u(s, "aging_passes"));
    CHECK(events["kswapd_wake"] == u(s, "kswapd_wakeups"));
    CHECK(u(s, "swap_outs") > 0);
    CHECK(u(s, "swap_ins") > 0);
    for (const char* c : {"vmexits_shadow_pf", "vmexits_pt_write", "vmexits_cr3", "vmexits_access_track", "ept_violations"})
      CHECK(exits[c] == u(s, c));
    CHECK(ipis == u(s, "vmexits_ipi"));
    CHECK(events["vmexit"] + ipis == u(s, "vmexits"));
  }
}

TEST_CASE("view writes one self-contained page of the events; bad input gets one line and exit code 2", "[cli][view][errors]") {
  const std::string golden = kSource + "/tests/data/golden_small.csv";
  const Result r = run_mmusim("view --trace " + golden + " --out v.html");
  REQUIRE(r.code == 0);
  // golden_small natively: 5 records; explain --emit jsonl gives the same events, one a line.
  const Result j = run_mmusim("explain --emit jsonl --trace " + golden);
  const std::size_t events = lines_of(j.out).size();
  CHECK(r.out == "wrote v.html: records 0 to 4 of " + golden + " (native mode), " + std::to_string(events) +
                     " events; open it in a browser\n");
  const std::string page = slurp(test_dir() + "/v.html");
  CHECK(page.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(count_of(page, "\"event\":\"") == events);
  CHECK(count_of(page, "\"event\":\"record\"") == 5);
  // Nothing is fetched: no URL other than the page's own, no external script or style.
  CHECK(page.find("http://") == std::string::npos);
  CHECK(page.find("https://") == std::string::npos);
  CHECK(page.find("<script src") == std::string::npos);
  CHECK(page.find("<link") == std::string::npos);

  const std::string quicksort = kSource + "/traces/lackey/quicksort.lackey";  // 129,120 records
  const Result whole = run_mmusim("view --trace " + quicksort + " --out big.html");
  CHECK(whole.code == 2);
  CHECK(whole.err == "mmusim: " + quicksort +
                         ": more than 10,000 records, too large to view whole; view at most 10,000 records: choose a "
                         "window of record indices with --from/--to, e.g. --from 0 --to 1000\n");
  const Result wide = run_mmusim("view --trace " + quicksort + " --from 5 --to 20000 --out big.html");
  CHECK(wide.code == 2);
  CHECK(wide.err.find("--from/--to: the window [5, 20000) holds more than 10,000 records") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/big.html"));

  const Result cpus = run_mmusim("view --trace " + golden + " --set guest.vms=2 --set guest.vcpus=3 --out c.html");
  CHECK(cpus.code == 2);
  CHECK(cpus.err == "mmusim: --set: guest.vcpus: the view draws at most 4 CPUs; this machine has 6 (guest.vms x guest.vcpus): "
                    "use mmusim explain, or fewer vCPUs\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/c.html"));

  const Result dir = run_mmusim("view --trace " + golden + " --out no/such/folder/v.html");
  CHECK(dir.code == 2);
  CHECK(dir.err == "mmusim: no/such/folder/v.html: --out: cannot write: No such file or directory\n");
  const Result none = run_mmusim("view --trace " + golden);
  CHECK(none.code == 2);
  CHECK(none.err == "mmusim: --out: an output file is required, e.g. --out view.html\n");
  CHECK(none.out.empty());
}
