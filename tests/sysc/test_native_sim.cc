// SystemC integration tests: each TEST_CASE is one simulation, in its own process.
#include <catch2/catch.hpp>
#include <filesystem>
#include <numeric>

#include "config/config.h"
#include "util/input_error.h"
#include "reference.h"

using namespace mmusim;
using namespace mmusim::test;

namespace {
// Trace files of these tests: MMUSIM_TEST_TMP/sysc/NAME.csv.
const std::string kDir = std::string(MMUSIM_TEST_TMP) + "/sysc/";


SimConfig small_machine(unsigned vcpus, std::uint64_t quantum) {
  Config c;
  c.set("tlb.l1i_entries=16"), c.set("tlb.l1i_ways=4");
  c.set("tlb.l1d_entries=16"), c.set("tlb.l1d_ways=4");
  c.set("tlb.stlb_entries=64"), c.set("tlb.stlb_ways=8");
  c.set("walk.pwc_entries=8"), c.set("walk.dirty_assist_cycles=7");
  c.set("sim.check=true");
  c.set("guest.vcpus=" + std::to_string(vcpus));
  c.set("sim.quantum_cycles=" + std::to_string(quantum));
  c.validate();
  return c.values();
}

RunSummary run(const SimConfig& cfg, const std::vector<TraceRecord>& recs, const std::string& name) {
  RunRequest req;
  req.cfg = cfg;
  std::filesystem::create_directories(kDir);
  req.trace_path = kDir + name + ".csv";
  write_csv(req.trace_path, recs);
  return simulate(req);
}

// Every figure the plain-C++ replay also computes, and simulated time = the vCPUs' cycles.
void check_against_reference(const RunSummary& s, const Reference& ref, bool stalls = false) {
  CHECK(s["accesses"] == ref.accesses);
  CHECK(s["translations"] == ref.mmu.translations);
  CHECK(s["l1i_lookups"] == ref.mmu.l1i_lookups);
  CHECK(s["l1i_misses"] == ref.mmu.l1i_misses);
  CHECK(s["l1d_lookups"] == ref.mmu.l1d_lookups);
  CHECK(s["l1d_misses"] == ref.mmu.l1d_misses);
  CHECK(s["stlb_lookups"] == ref.mmu.stlb_lookups);
  CHECK(s["stlb_misses"] == ref.mmu.stlb_misses);
  CHECK(s["walks"] == ref.mmu.walks);
  CHECK(s["walk_refs"] == ref.mmu.walk_refs);
  CHECK(s["pwc_hits"] == ref.mmu.pwc_hits);
  CHECK(s["dirty_assists"] == ref.mmu.dirty_assists);
  CHECK(s["page_faults"] == ref.page_faults);
  CHECK(s["context_switches"] == ref.context_switches);
  CHECK(s["vcpu_cycles"] == std::accumulate(ref.vcpu_cycles.begin(), ref.vcpu_cycles.end(), Cycles{0}));
  const Cycles slowest = *std::max_element(ref.vcpu_cycles.begin(), ref.vcpu_cycles.end());
  if (!stalls) {
    CHECK(s["trace_stall_cycles"] == 0);
    CHECK(s["cycles"] == slowest);
  } else {  // a vCPU that waited for the trace queue ends later, by at most its wait
    CHECK(s["trace_stall_cycles"] > 0);
    CHECK(s["cycles"] > slowest);
    CHECK(s["cycles"] <= slowest + s["trace_stall_cycles"]);
  }
  CHECK(s["vcpu_cycles"] == s["gap_cycles"] + s["tlb_cycles"] + s["walk_cycles"] + s["host_fault_cycles"] + s["dirty_assist_cycles"]);
  CHECK(s["invariant_violations"] == 0);
}

}  // namespace

// The same trace with quantum 1,000 and 100,000 (two processes): both equal the reference,
// so they equal each other.
TEST_CASE("one vCPU with quantum 1000: simulated time is the sum of per-access cycles", "[systemc]") {
  const auto recs = mixed_records(20000, 1, 3, 400, 500);
  const SimConfig cfg = small_machine(1, 1000);
  const RunSummary s = run(cfg, recs, "q1000");
  const Reference ref = reference_replay(recs, cfg);
  check_against_reference(s, ref);
  CHECK(s["cycles"] == s["vcpu_cycles"]);
  CHECK(s["page_faults"] > 0);
  CHECK(s["dirty_assists"] > 0);
  CHECK(s["context_switches"] == 39);  // 20000 / 500 slices, the first is not a switch
}

TEST_CASE("one vCPU with quantum 100000: the same figures as the reference", "[systemc]") {
  const auto recs = mixed_records(20000, 1, 3, 400, 500);
  const SimConfig cfg = small_machine(1, 100000);
  const RunSummary s = run(cfg, recs, "q100000");
  check_against_reference(s, reference_replay(recs, cfg));
  CHECK(s["cycles"] == s["vcpu_cycles"]);
}

TEST_CASE("two vCPUs run concurrently: simulated time is the slower vCPU and work is the sum", "[systemc]") {
  const auto recs = mixed_records(30000, 2, 2, 300, 700);
  const SimConfig cfg = small_machine(2, 5000);
  const RunSummary s = run(cfg, recs, "two");
  const Reference ref = reference_replay(recs, cfg);
  check_against_reference(s, ref);
  CHECK(s["cycles"] < s["vcpu_cycles"]);  // they overlapped in time
  CHECK(s["vcpus"] == 2);
  CHECK(s["processes"] == 4);
}

TEST_CASE("a bounded trace queue: one vCPU records all first and then the other", "[systemc]") {
  // 8 records of queue: vCPU 1 must wait for vCPU 0 to drain, without deadlock or loss.
  auto recs = mixed_records(6000, 1, 1, 100, 6000);
  auto more = mixed_records(6000, 1, 1, 100, 6000);
  for (auto& r : more) r.vcpu = 1, r.pid = 9;
  recs.insert(recs.end(), more.begin(), more.end());
  SimConfig cfg = small_machine(2, 1000);
  cfg.sim.trace_queue_records = 8;
  const RunSummary s = run(cfg, recs, "bounded");
  check_against_reference(s, reference_replay(recs, cfg), true);
}

TEST_CASE("a record for a vCPU the machine does not have is bad input", "[systemc]") {
  auto recs = mixed_records(100, 1, 1, 10, 100);
  recs[41].vcpu = 3;
  try {
    run(small_machine(2, 1000), recs, "badvcpu");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == kDir + "badvcpu.csv:43: vcpu: 3 is not below guest.vcpus = 2");
  }
}

TEST_CASE("a non-canonical address is bad input", "[systemc]") {
  auto recs = mixed_records(100, 1, 1, 10, 100);
  recs[9].gva = 0x0000800000000000ull;
  recs[9].size = 1;
  try {
    run(small_machine(1, 1000), recs, "noncanon");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) ==
          kDir + "noncanon.csv:11: gva: 0x800000000000 size 1 leaves the canonical 48-bit address space");
  }
}
