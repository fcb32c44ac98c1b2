// sim.warmup_records, sim.max_records and the three Cs of TLB misses, end to end on the teaching
// machine (configs/teaching.cfg: 4-entry fully associative L1 TLBs, an 8-entry fully associative
// STLB, no page-walk cache, walk references of 20 cycles, L1 lookups of 1 and STLB lookups of 9).
#include "cli_util.h"

using namespace mmusim::test;

namespace {
const std::string kTeaching = std::string(MMUSIM_SOURCE_DIR) + "/configs/teaching.cfg";
const std::string kReach = std::string(MMUSIM_SOURCE_DIR) + "/traces/teaching/reach.csv";  // 20 loops over 12 pages

std::uint64_t n(const std::map<std::string, std::string>& s, const std::string& k) { return std::stoull(s.at(k)); }
}  // namespace

TEST_CASE("TLB misses split into compulsory, capacity and conflict", "[cli][3c]") {
  // reach.csv on fully associative TLBs: each page's first touch misses twice (the walk faults,
  // the retry misses again) before the TLB ever holds it: 24 compulsory misses; the other 228 are
  // capacity (a loop of 12 pages through 8 or 4 LRU entries); no conflict misses.
  const Result r = run_mmusim("run -q --out out --config " + kTeaching + " --trace " + kReach);
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  for (const char* t : {"l1d", "stlb"}) {
    const std::string p = t;
    CHECK(n(s, p + "_misses") == 252);
    CHECK(n(s, p + "_misses_compulsory") == 24);
    CHECK(n(s, p + "_misses_capacity") == 228);
    CHECK(n(s, p + "_misses_conflict") == 0);
  }
  // Pages 0 and 8 alternately, 6 times, through a direct-mapped 2-entry dTLB (both in set 0):
  // 2 compulsory misses per page, then 4 misses a fully associative 2-entry TLB would not have:
  // conflict. The default STLB holds both: only the 4 compulsory misses.
  write_test_file("alt.csv", "op,gva\nR,0x0\nR,0x8000\nR,0x0\nR,0x8000\nR,0x0\nR,0x8000\n");
  const Result a = run_mmusim("run -q --out out --trace alt.csv --set tlb.l1d_entries=2 --set tlb.l1d_ways=1");
  REQUIRE(a.code == 0);
  const auto t = read_summary(test_dir() + "/out/summary.csv");
  CHECK(n(t, "l1d_misses") == 8);
  CHECK(n(t, "l1d_misses_compulsory") == 4);
  CHECK(n(t, "l1d_misses_conflict") == 4);
  CHECK(n(t, "l1d_misses_capacity") == 0);
  CHECK(n(t, "stlb_misses") == 4);
  CHECK(n(t, "stlb_misses_compulsory") == 4);
}

TEST_CASE("sim.max_records stops the run, sim.warmup_records counts from the record after", "[cli][warmup]") {
  // The first 24 records: two loops over the 12 pages. The first loop misses the STLB twice per
  // page (24 compulsory), the second once per page (12 capacity).
  const Result m = run_mmusim("run -q --out out --config " + kTeaching + " --trace " + kReach + " --set sim.max_records=24");
  REQUIRE(m.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(n(s, "accesses") == 24);
  CHECK(n(s, "page_faults") == 12);
  CHECK(n(s, "stlb_misses") == 36);
  // A warm-up of the first loop, then 12 records counted: the second loop alone. Each record
  // misses the L1 (1 cycle) and the STLB (9) and walks 4 references (80): 90 cycles, 1,080 in
  // all; no page faults; the levels are the machine's at the end (12 data pages and 4
  // page-table pages in use).
  const Result w = run_mmusim("run -q --out out --config " + kTeaching + " --trace " + kReach +
                              " --set sim.warmup_records=12 --set sim.max_records=12 --set sim.timeline_interval_cycles=500");
  REQUIRE(w.code == 0);
  const auto v = read_summary(test_dir() + "/out/summary.csv");
  CHECK(n(v, "accesses") == 12);
  CHECK(n(v, "cycles") == 1080);
  CHECK(n(v, "page_faults") == 0);
  CHECK(n(v, "stlb_misses") == 12);
  CHECK(n(v, "stlb_misses_capacity") == 12);
  CHECK(n(v, "walk_refs") == 48);
  CHECK(n(v, "tlb_cycles") == 120);
  CHECK(n(v, "walk_cycles") == 960);
  CHECK(n(v, "frames_used") == 16);
  // timeline.csv starts after the warm-up: its accesses add up to the 12 counted.
  std::ifstream in(test_dir() + "/out/timeline.csv");
  std::string line;
  std::getline(in, line);
  std::uint64_t accesses = 0;
  while (std::getline(in, line)) accesses += std::stoull(split(line)[1]);
  CHECK(accesses == 12);
  // A warm-up as long as the trace leaves nothing: bad input.
  const Result all = run_mmusim("run -q --out out --config " + kTeaching + " --trace " + kReach + " --set sim.warmup_records=240");
  CHECK(all.code == 2);
  CHECK(all.err == "mmusim: --set: sim.warmup_records: 240 records of warm-up leave none to count: " + kReach +
                       " is not longer than its warm-up\n");
}
