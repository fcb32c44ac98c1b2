// Host memory pressure: the claims of the January 2008 discussion, on the bundled study
// (configs/pressure.cfg, traces/synthetic/pressure.csv: a 400-page hot set that fits in the
// 2,048-frame host and a 10,000-page cold stream that does not), with the invariant checker on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>

#include "cli_util.h"

using namespace mmusim::test;

namespace {
std::map<std::string, std::string> study(const std::string& out, const std::string& sets) {
  const Result r = run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --trace " + kSource +
                              "/traces/synthetic/pressure.csv --set sim.check=true --out " + out + " " + sets);
  REQUIRE(r.code == 0);
  auto s = read_summary(test_dir() + "/" + out + "/summary.csv");
  CHECK(u(s, "invariant_violations") == 0);
  // Under pressure too, a vCPU's time splits exactly into its causes.
  std::uint64_t parts = 0;
  for (const char* k : {"gap_cycles", "tlb_cycles", "walk_cycles", "dirty_assist_cycles", "vmexit_cycles",
                        "guest_fault_cycles", "shadow_fault_cycles", "pt_write_cycles", "host_fault_cycles", "ipi_cycles",
                        "major_fault_cycles", "direct_reclaim_cycles"})
    parts += u(s, k);
  CHECK(u(s, "vcpu_cycles") == parts);
  return s;
}
}  // namespace

TEST_CASE("notifier-only never hears of accesses through sptes, young harvests them, spte-lru drops sptes as the host reclaims",
          "[cli][pressure]") {
  const auto notifier = study("notifier", "--set kvm.aging=notifier");
  const auto young = study("young", "--set kvm.aging=young");
  const auto lru64 = study("lru64", "--set kvm.aging=spte-lru --set kvm.spte_lru_drop_every=64");
  const auto lru1 = study("lru1", "--set kvm.aging=spte-lru --set kvm.spte_lru_drop_every=1");
  // Everyone reclaims: the cold stream alone is five times the host.
  for (const auto* s : {&notifier, &young, &lru64, &lru1}) CHECK(u(*s, "swap_outs") > 5000);
  // Under notifier-only the host never hears of accesses through instantiated sptes
  // (young_hits 0), and hot pages come back from swap.
  CHECK(u(notifier, "young_hits") == 0);
  CHECK(u(notifier, "swap_ins") > 0);
  // While a fault sleeps on a swap read, kswapd keeps reclaiming this VM's pages: some faults find
  // mmu_notifier_seq moved and are retried (mmu_notifier_retry).
  CHECK(u(notifier, "notifier_retries") > 0);
  // young harvests the spte A bits and keeps the hot set resident: fewer refaults than its 400 pages.
  CHECK(u(young, "young_hits") > 0);
  CHECK(u(young, "swap_ins") < 400);
  // spte-lru drops one spte every X pages the host reclaims: X = 1 drops more than X = 64. Which
  // policy refaults least is the study's to show (bench/study.sh), not a mechanism's: it moves with
  // the reclaim mechanisms (README "Kernel mechanisms and the result").
  CHECK(u(lru1, "sptes_dropped_lru") > u(lru64, "sptes_dropped_lru"));
}

TEST_CASE("spte-lru without memory pressure drops nothing and adds no VM exits", "[cli][pressure]") {
  // 64 MiB of host memory holds the whole trace: nothing is reclaimed, nothing invalidated.
  const auto n = study("n", "--set kvm.aging=notifier --set host.mem_mb=64");
  const auto l = study("l", "--set kvm.aging=spte-lru --set host.mem_mb=64");
  CHECK(u(n, "swap_outs") == 0);
  CHECK(u(l, "notifier_invalidates") == 0);
  CHECK(u(l, "sptes_dropped_lru") == 0);
  CHECK(u(l, "vmexits") == u(n, "vmexits"));
  CHECK(u(l, "cycles") == u(n, "cycles"));
}

TEST_CASE("pinned never reclaims a page an spte maps and ends in a clear out-of-memory message", "[cli][pressure]") {
  // With room for everything, pinned runs (nothing to reclaim).
  const auto fits = study("fits", "--set kvm.aging=pinned --set host.mem_mb=64");
  CHECK(u(fits, "swap_outs") == 0);
  // Under pressure, every guest page an spte maps is pinned: the host runs out and says so. The
  // checker runs every 256 records until then and would stop the run with exit code 3 if a
  // page an spte maps had been reclaimed.
  const Result r = run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --trace " + kSource +
                              "/traces/synthetic/pressure.csv --set kvm.aging=pinned --out oom --set sim.check=true "
                              "--set sim.check_abort=true --set sim.check_every=256");
  CHECK(r.code == 2);
  CHECK(r.err.find(kSource + "/configs/pressure.cfg:16: host.mem_mb: host memory exhausted") != std::string::npos);
  CHECK(r.err.find("kvm.aging = pinned: pages mapped by sptes cannot be reclaimed") != std::string::npos);
}

TEST_CASE("access-track finds the same hot pages as the A-bit harvest, at the price of more exits", "[cli][pressure]") {
  const auto young = study("young", "--set kvm.aging=young");
  const auto mark = study("mark", "--set kvm.aging=access-track --set kvm.access_track=mark");
  const auto zap = study("zap", "--set kvm.aging=access-track --set kvm.access_track=zap");
  // mark answers the host's aging as young does (the spte was used since the last look), so the
  // reclaim decisions differ only where the extra exits shift when the vCPU runs relative to
  // kswapd's batches: within a tenth.
  CHECK(u(mark, "swap_ins") * 10 <= u(young, "swap_ins") * 11);
  CHECK(u(young, "swap_ins") * 10 <= u(mark, "swap_ins") * 11);
  CHECK(u(mark, "vmexits_access_track") > 0);
  CHECK(u(mark, "vmexits") > u(young, "vmexits"));
  CHECK(u(zap, "sptes_zapped_aging") > 0);
  CHECK(u(zap, "swap_ins") < u(young, "swap_ins") * 3 + 100);
}

TEST_CASE("the invariant checker is clean on every bundled trace under every policy", "[cli][pressure][traces]") {
  // A 2 MiB host (512 frames) puts every trace larger than a few hundred pages under pressure;
  // pinned gets room for its guest (it cannot reclaim what sptes map).
  std::vector<std::string> traces;
  for (const char* dir : {"traces/lackey", "traces/synthetic", "traces/teaching"})
    for (const auto& e : std::filesystem::directory_iterator(kSource + "/" + dir)) traces.push_back(e.path().string());
  std::sort(traces.begin(), traces.end());
  for (const std::string& t : traces) {
    for (const std::string& policy : config_choices("kvm.aging")) {
      INFO(t << " " << policy);
      const std::string host = policy == "pinned" ? "128" : "2";
      const Result r = run_mmusim("run -q --trace " + t + " --out out --set sim.mode=shadow --set sim.check=true "
                                  "--set sim.check_abort=true --set guest.vcpus=4 --set guest.vms=2 --set guest.mem_mb=64 "
                                  "--set host.mem_mb=" + host + " --set kvm.aging=" + policy);
      REQUIRE(r.code == 0);
      const auto s = read_summary(test_dir() + "/out/summary.csv");
      CHECK(u(s, "invariant_violations") == 0);
      if (policy == "pinned") CHECK(u(s, "swap_outs") == 0);
    }
  }
}

TEST_CASE("a slow swap disk makes allocations reclaim directly and wait for writes", "[cli][pressure]") {
  // A 2008 hard disk: 8 ms per request, one at a time. kswapd cannot keep ahead of the guest, free
  // memory falls below min, and the allocating vCPU reclaims itself and waits (try_to_free_pages).
  // (On the NVMe device too, while kswapd sleeps in congestion_wait.)
  const auto nvme = study("nvme", "--set kvm.aging=young");
  const auto hdd = study("hdd", "--set kvm.aging=young --set swap.read_us=8000 --set swap.write_us=8000 --set swap.queue_depth=1");
  CHECK(u(hdd, "direct_reclaims") > 0);
  CHECK(u(hdd, "direct_reclaim_cycles") > 0);
  CHECK(u(hdd, "cycles") > 100 * u(nvme, "cycles") / 2);
}

TEST_CASE("timeline.csv: the intervals add up to the run's figures and end at its last cycle", "[cli][pressure][timeline]") {
  REQUIRE(run_mmusim("run -q --config " + kSource + "/configs/pressure.cfg --trace " + kSource +
                     "/traces/synthetic/pressure.csv --set kvm.aging=young --out tl").code == 0);
  const auto s = read_summary(test_dir() + "/tl/summary.csv");
  std::ifstream in(test_dir() + "/tl/timeline.csv");
  std::string header, line;
  std::getline(in, header);
  CHECK(header == "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,pages_scanned,free_frames,"
                  "lru_active_pages,lru_inactive_pages,shadow_pages,kswapd_batches,congestion_waits,"
                  "pages_rotated_writeback,pages_reactivated_swapcache,swap_reads,swap_readahead_pages,"
                  "swap_readahead_hits,remote_flush_requests,remote_flush_ipis");
  std::uint64_t rows = 0, accesses = 0, swap_ins = 0, swap_outs = 0, faults = 0, vmexits = 0, last = 0, prev = 0;
  std::uint64_t batches = 0, waits = 0, rotated = 0, reactivated = 0, reads = 0, ahead = 0, hits = 0, requests = 0, ipis = 0;
  std::vector<std::string> f;
  while (std::getline(in, line)) {
    f = split(line);
    ++rows;
    last = std::stoull(f[0]);
    if (rows > 1) CHECK(last > prev);
    if (last != u(s, "cycles")) CHECK(last == rows * 10000000);  // sim.timeline_interval_cycles
    prev = last;
    accesses += std::stoull(f[1]), swap_ins += std::stoull(f[2]), swap_outs += std::stoull(f[3]);
    faults += std::stoull(f[4]), vmexits += std::stoull(f[5]);
    batches += std::stoull(f[12]), waits += std::stoull(f[13]), rotated += std::stoull(f[14]), reactivated += std::stoull(f[15]);
    reads += std::stoull(f[16]), ahead += std::stoull(f[17]), hits += std::stoull(f[18]);
    requests += std::stoull(f[19]), ipis += std::stoull(f[20]);
  }
  CHECK(last == u(s, "cycles"));
  CHECK(rows == u(s, "cycles") / 10000000 + 1);
  CHECK(accesses == u(s, "accesses"));
  CHECK(swap_ins == u(s, "swap_ins"));
  CHECK(swap_outs == u(s, "swap_outs"));
  CHECK(faults == u(s, "guest_page_faults"));
  CHECK(vmexits == u(s, "vmexits"));
  CHECK(batches == u(s, "kswapd_batches"));
  CHECK(waits == u(s, "congestion_waits"));
  CHECK(rotated == u(s, "pages_rotated_writeback"));
  CHECK(reactivated == u(s, "pages_reactivated_swapcache"));
  CHECK(reads == u(s, "swap_reads"));
  CHECK(ahead == u(s, "swap_readahead_pages"));
  CHECK(hits == u(s, "swap_readahead_hits"));
  CHECK(requests == u(s, "remote_flush_requests"));
  CHECK(ipis == u(s, "remote_flush_ipis"));
  CHECK(u(s, "remote_flush_ipis") == u(s, "vmexits_ipi"));  // each IPI is one exit
  CHECK(u(s, "remote_flush_ipis") <= u(s, "remote_flush_requests"));
  CHECK(u(s, "swap_reads") == u(s, "swap_ins") + u(s, "swap_readahead_pages"));  // every read is one or the other
  CHECK(u(s, "swap_readahead_hits") <= u(s, "swap_readahead_pages"));
  CHECK(f[8] == s.at("free_frames"));  // levels at the end
  CHECK(f[9] == s.at("lru_active_pages"));
  // No timeline when the interval is 0.
  REQUIRE(run_mmusim("run -q --trace " + kSource + "/tests/data/golden_small.csv --out none "
                     "--set sim.timeline_interval_cycles=0").code == 0);
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/none/timeline.csv"));
}

TEST_CASE("every bundled trace runs clean under the invariant checker in both eras, under memory pressure",
          "[cli][pressure][eras][traces]") {
  // The pressure machine (8 MiB host) under each era preset, every bundled trace, a policy that
  // lets reclaim take any page (notifier) and one that harvests A bits (young): reclaim, swap and
  // the shadow MMU run together, and the checker looks every 4,096 records and at the end.
  for (const char* cfg : {"pressure.cfg", "pressure-kvm-2008-01.cfg"}) {
    for (const char* dir : {"traces/lackey", "traces/synthetic", "traces/teaching"}) {
      for (const auto& e : std::filesystem::directory_iterator(kSource + "/" + dir)) {
        const std::string t = e.path().string(), name = e.path().filename().string();
        std::string shape = name == "two-vms.csv" ? " --set guest.vms=2" : name == "multi-vcpu.csv" ? " --set guest.vcpus=2" : "";
        for (const char* policy : {"notifier", "young"}) {
          INFO(cfg << " " << t << " " << policy);
          const Result r = run_mmusim("run -q --config " + kSource + "/configs/" + cfg + " --trace " + t + shape +
                                      " --set sim.check=true --set kvm.aging=" + policy + " --out out");
          REQUIRE(r.code == 0);
          const auto s = read_summary(test_dir() + "/out/summary.csv");
          CHECK(u(s, "invariant_violations") == 0);
        }
      }
    }
  }
}

TEST_CASE("MGLRU runs every policy in shadow and nested mode with the invariant checker clean, under both 6.x eras",
          "[cli][pressure][mglru]") {
  // The pressure trace on the pressure machine under linux-6.6 and linux-6.12 (MGLRU, without and
  // with the secondary-MMU walks), every policy of the registry in both modes; pinned gets room.
  for (const char* cfg : {"pressure-linux-6.6.cfg", "pressure-linux-6.12.cfg"}) {
    for (const char* mode : {"shadow", "nested"}) {
      for (const std::string& policy : config_choices("kvm.aging")) {
        INFO(cfg << " " << mode << " " << policy);
        const std::string host = policy == "pinned" ? " --set host.mem_mb=128" : "";
        const Result r = run_mmusim("run -q --config " + kSource + "/configs/" + cfg + " --trace " + kSource +
                                    "/traces/synthetic/pressure.csv --set sim.mode=" + mode + " --set kvm.aging=" + policy +
                                    host + " --set sim.check=true --set sim.check_abort=true --out out");
        REQUIRE(r.code == 0);
        const auto s = read_summary(test_dir() + "/out/summary.csv");
        CHECK(u(s, "invariant_violations") == 0);
        if (policy != "pinned") {
          CHECK(u(s, "swap_outs") > 0);  // the 8 MiB host cannot hold the trace's 10,400 pages
          CHECK(u(s, "aging_passes") > 0);
        }
      }
    }
  }
}
