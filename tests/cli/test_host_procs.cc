// Processes of the host beside the VMs (vm `host`): translated natively by the host's page tables
// on host CPUs of their own, sharing the host's frames, LRU, reclaim and swap with the guests.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_util.h"
#include "reference_counts.h"

using namespace mmusim::test;

namespace {
// Large TLBs that never evict on these traces (as test_run.cc's independent count needs).
const std::string kHugeTlbs =
    " --set tlb.l1i_entries=4096 --set tlb.l1i_ways=4 --set tlb.l1d_entries=4096 --set tlb.l1d_ways=4"
    " --set tlb.stlb_entries=4096 --set tlb.stlb_ways=4";
constexpr std::uint64_t kHugeSets = 1024;
}  // namespace

TEST_CASE("a host process translates exactly as the independent native count says (lackey --as-host)",
          "[cli][host]") {
  // The same real program as a host process beside an idle VM, in shadow and nested mode: its TLB
  // lookups, misses, walks and references are the native ones (the host's own 4-level table, walked
  // in one dimension), and each page it touches is one host minor fault.
  for (const char* name : {"quicksort.lackey", "matmul.lackey"}) {
    const std::string t = kSource + "/traces/lackey/" + name;
    const auto ref = count_without_evictions(load_trace(t), kHugeSets);
    REQUIRE(ref.max_pages_per_set <= 4);
    for (const char* mode : {"shadow", "nested"}) {
      INFO(name << " " << mode);
      const Result r = run_mmusim(std::string("run -q --as-host --set host.cpus=1 --set sim.check=true --set sim.mode=") +
                                  mode + " --trace " + t + " --out out" + kHugeTlbs);
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "accesses") == ref.accesses);
      CHECK(u(s, "translations") == ref.translations);
      CHECK(u(s, "l1i_lookups") == ref.l1i_lookups);
      CHECK(u(s, "l1i_misses") == ref.l1i_misses);
      CHECK(u(s, "l1d_lookups") == ref.l1d_lookups);
      CHECK(u(s, "l1d_misses") == ref.l1d_misses);
      CHECK(u(s, "stlb_misses") == ref.stlb_misses);
      CHECK(u(s, "walks") == ref.walks);
      CHECK(u(s, "walk_refs") == ref.walk_refs);
      CHECK(u(s, "dirty_assists") == ref.assists);
      CHECK(u(s, "host_minor_faults") == ref.pages);  // the host's own faults: no guest, no KVM
      CHECK(u(s, "vmexits") == 0);
      CHECK(u(s, "guest_page_faults") == 0);
      CHECK(u(s, "resident_pages_host_procs") == ref.pages);
      CHECK(u(s, "resident_pages_guests") == 0);
      CHECK(u(s, "invariant_violations") == 0);
    }
  }
}

TEST_CASE("a VM and a host process share the host's memory: per-owner figures add up, invariants hold",
          "[cli][host][pressure]") {
  // traces/host/vm-and-host.csv: mmusim gen --pattern hotcold --accesses 40000 --footprint-pages 3000
  // --hot-pages 400 --host-procs 1 --seed 5: VM 0 and host process 0, the same pattern each.
  const std::string t = kSource + "/traces/host/vm-and-host.csv";
  for (const char* mode : {"shadow", "nested"}) {
    for (const char* policy : {"notifier", "young"}) {
      INFO(mode << " " << policy);
      const Result r = run_mmusim(std::string("run -q --config ") + kSource + "/configs/pressure.cfg --set host.cpus=1 "
                                  "--set sim.check=true --set sim.mode=" + mode + " --set kvm.aging=" + policy +
                                  " --trace " + t + " --out out");
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      CHECK(u(s, "accesses") == 40000);
      CHECK(u(s, "swap_ins_guests") + u(s, "swap_ins_host_procs") == u(s, "swap_ins"));
      CHECK(u(s, "swap_outs_guests") + u(s, "swap_outs_host_procs") == u(s, "swap_outs"));
      CHECK(u(s, "refaults_guests") + u(s, "refaults_host_procs") == u(s, "refaults"));
      CHECK(u(s, "swap_outs_host_procs") > 0);  // 8 MiB cannot hold both: reclaim takes from each
      CHECK(u(s, "swap_outs_guests") > 0);
      // Every guest swap-out tells KVM (invalidate_page); a host process's has no secondary MMU.
      CHECK(u(s, "notifier_invalidates") == u(s, "swap_outs_guests"));
      CHECK(u(s, "vcpus") == 2);  // the VM's vCPU and the host CPU
    }
  }
}

TEST_CASE("host records: bad input is one clear message naming the record", "[cli][host][errors]") {
  const std::string trace = write_test_file("h.csv", "vm,vcpu,pid,op,gva\nhost,0,1,R,0x1000\n");
  Result r = run_mmusim("run --set sim.mode=shadow --trace " + trace + " --out o");
  CHECK(r.code == 2);
  CHECK(r.err.find("h.csv:2: vm: host (a process of the host) needs host.cpus of at least 1") != std::string::npos);
  r = run_mmusim("run --trace " + trace + " --set host.cpus=1 --out o");  // native: no host beside VMs
  CHECK(r.code == 2);
  CHECK(r.err.find("h.csv:2: vm: host (a process of the host) runs only in shadow or nested mode") != std::string::npos);
  const std::string cpu1 = write_test_file("h1.csv", "vm,vcpu,pid,op,gva\nhost,1,1,R,0x1000\n");
  r = run_mmusim("run --set sim.mode=shadow --set host.cpus=1 --trace " + cpu1 + " --out o");
  CHECK(r.code == 2);
  CHECK(r.err.find("h1.csv:2: vcpu: 1 is not below host.cpus = 1 (a host record's vcpu is its host CPU)") != std::string::npos);
  const std::string vm7 = write_test_file("h7.csv", "vm,vcpu,pid,op,gva\n7,0,1,R,0x1000\n");
  r = run_mmusim("run --set sim.mode=shadow --trace " + vm7 + " --out o");
  CHECK(r.code == 2);
  CHECK(r.err.find("h7.csv:2: vm: 7 is not below guest.vms = 1 (and is not host)") != std::string::npos);
}

TEST_CASE("gen --host-procs: host processes with the VMs' pattern, each on its host CPU", "[cli][host][gen]") {
  const Result r = run_mmusim("gen --pattern uniform --accesses 6 --footprint-pages 16 --host-procs 2 --seed 3 --out g.csv");
  REQUIRE(r.code == 0);
  std::ifstream in(test_dir() + "/g.csv");
  std::string line;
  std::getline(in, line);
  // A round: VM 0's vCPU, then host process 0 on host CPU 0, then host process 1 on host CPU 1.
  const char* want[] = {"0,0,0,", "host,0,0,", "host,1,1,", "0,0,0,", "host,0,0,", "host,1,1,"};
  for (const char* w : want) {
    REQUIRE(std::getline(in, line));
    CHECK(line.rfind(w, 0) == 0);
  }
}
