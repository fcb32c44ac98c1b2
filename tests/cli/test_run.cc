// End to end: the mmusim program on small and bundled traces, golden values derived by hand or by
// the independent counter of reference_counts.h.
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli_util.h"
#include "reference_counts.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {
const std::string kHugeTlbs =
    " --set tlb.l1i_entries=65536 --set tlb.l1i_ways=4 --set tlb.l1d_entries=65536 --set tlb.l1d_ways=4"
    " --set tlb.stlb_entries=65536 --set tlb.stlb_ways=4";
constexpr std::uint64_t kHugeSets = 16384;

std::vector<std::string> bundled_traces() {
  std::vector<std::string> v;
  for (const char* dir : {"traces/lackey", "traces/synthetic", "traces/teaching"})
    for (const auto& e : fs::directory_iterator(kSource + "/" + dir))
      if (e.path().extension() == ".lackey" || e.path().extension() == ".csv") v.push_back(e.path().string());
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST_CASE("golden: five accesses derived by hand", "[cli][golden]") {
  // tests/data/golden_small.csv under the defaults (L1 1 cycle, STLB 9, walk ref 20, fault 3200,
  // no page-walk cache, assists free):
  //  R 0x1000  vpn 1: L1d miss, STLB miss, walk stops at the empty PML4 (1 ref), fault;
  //            retry: L1d miss, STLB miss, walk 4 refs, fill STLB+L1d (clean).
  //  W 0x1008  vpn 1: L1d hit on a clean entry: dirty assist.
  //  R 0x2000  vpn 2: miss, miss, walk 4 refs (the PT exists, the PTE not), fault; retry: 4 refs.
  //  X 0x1000  vpn 1: L1i miss, STLB hit (the STLB copy is still clean: only L1d was updated), fill L1i.
  //  W 0x2ffc size 8: vpn 2: L1d hit, clean: assist; vpn 3: miss, miss, 4 refs, fault; retry 4 refs.
  // l1d lookups 2+1+2+0+(1+2) = 8, misses 2+0+2+0+2 = 6; l1i 1/1; STLB lookups 2+2+1+2 = 7,
  // misses 6; walks 6, refs 5+8+8 = 21; faults 3; assists 2; translations 6.
  // cycles = 9 L1 lookups x 1 + 7 STLB x 9 + 21 refs x 20 + 3 faults x 3200 = 9+63+420+9600 = 10092.
  // frames: 3 data + 4 page-table pages (PML4, PDPT, PD, PT) = 7.
  const Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out --set sim.check=true");
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(s.at("mode") == "native");
  CHECK(u(s, "accesses") == 5);
  CHECK(u(s, "translations") == 6);
  CHECK(u(s, "l1d_lookups") == 8);
  CHECK(u(s, "l1d_misses") == 6);
  CHECK(u(s, "l1i_lookups") == 1);
  CHECK(u(s, "l1i_misses") == 1);
  CHECK(u(s, "stlb_lookups") == 7);
  CHECK(u(s, "stlb_misses") == 6);
  CHECK(u(s, "walks") == 6);
  CHECK(u(s, "walk_refs") == 21);
  CHECK(u(s, "page_faults") == 3);
  CHECK(u(s, "dirty_assists") == 2);
  CHECK(u(s, "cycles") == 10092);
  CHECK(u(s, "frames_used") == 7);
  CHECK(u(s, "page_table_pages") == 4);
  CHECK(u(s, "invariant_violations") == 0);
  CHECK(s.at("sim_seconds") == "0.000003364");  // 10092 cycles / 3000 MHz
  CHECK(r.out.find("wrote out/summary.csv") != std::string::npos);
}

TEST_CASE("summary.csv has the issue's columns in order and every column is documented", "[cli]") {
  const Result r = run_mmusim("run --trace " + kSource + "/tests/data/golden_small.csv --out out -q");
  REQUIRE(r.code == 0);
  CHECK(r.out.empty());  // --quiet
  std::ifstream in(test_dir() + "/out/summary.csv");
  std::string header;
  std::getline(in, header);
  const auto cols = split(header);
  const std::vector<std::string> required = {
      "mode", "policy", "trace", "accesses", "cycles", "l1i_lookups", "l1i_misses", "l1d_lookups", "l1d_misses",
      "stlb_lookups", "stlb_misses", "walks", "walk_refs", "page_faults", "guest_page_faults", "vmexits",
      "shadow_page_faults", "pt_write_traps", "shadow_pages", "sptes_created", "sptes_zapped",
      "remote_tlb_flushes", "host_minor_faults", "host_major_faults", "swap_ins", "swap_outs",
      "invariant_violations", "sim_seconds", "wall_seconds", "accesses_per_second"};
  std::size_t at = 0;
  for (const std::string& c : required) {
    INFO(c);
    const auto it = std::find(cols.begin() + at, cols.end(), c);
    REQUIRE(it != cols.end());
    at = it - cols.begin();
  }
  const Result list = run_mmusim("columns");
  for (const std::string& c : cols) {
    INFO(c);
    CHECK(list.out.find("\n" + c + " ") != std::string::npos);
  }
}

TEST_CASE("mmusim with no arguments runs the bundled default", "[cli]") {
  fs::remove_all(test_dir());
  const Result r = run_mmusim("");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("accesses") != std::string::npos);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(u(s, "accesses") > 100000);
  CHECK(fs::exists(test_dir() + "/out/config.cfg"));
}

TEST_CASE("every bundled trace runs clean under the checker and faults once per distinct page", "[cli][traces]") {
  const auto traces = bundled_traces();
  REQUIRE(traces.size() >= 4);
  for (const std::string& t : traces) {
    INFO(t);
    const auto ref = count_without_evictions(load_trace(t), kHugeSets);
    const Result r = run_mmusim("run --config " + kSource + "/configs/default.cfg --set guest.vcpus=4 --set guest.vms=2 --set sim.check=true --trace " + t + " --out out -q");
    REQUIRE(r.code == 0);
    const auto s = read_summary(test_dir() + "/out/summary.csv");
    CHECK(u(s, "invariant_violations") == 0);
    CHECK(u(s, "accesses") == ref.accesses);
    CHECK(u(s, "translations") == ref.translations);
    CHECK(u(s, "page_faults") == ref.pages);
    CHECK(u(s, "page_table_pages") == ref.table_pages);
    CHECK(u(s, "frames_used") == ref.pages + ref.table_pages);
  }
}

TEST_CASE("real lackey trace with TLBs that never evict matches the independent count", "[cli][golden]") {
  const std::string t = kSource + "/traces/lackey/quicksort.lackey";
  const auto ref = count_without_evictions(load_trace(t), kHugeSets);
  REQUIRE(ref.max_pages_per_set <= 4);  // precondition: no set overflows, so no evictions
  const Result r = run_mmusim("run --trace " + t + " --out out -q --set sim.check=true --set walk.dirty_assist_cycles=50" + kHugeTlbs);
  REQUIRE(r.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(u(s, "accesses") == ref.accesses);
  CHECK(u(s, "translations") == ref.translations);
  CHECK(u(s, "l1i_lookups") == ref.l1i_lookups);
  CHECK(u(s, "l1i_misses") == ref.l1i_misses);
  CHECK(u(s, "l1d_lookups") == ref.l1d_lookups);
  CHECK(u(s, "l1d_misses") == ref.l1d_misses);
  CHECK(u(s, "stlb_lookups") == ref.stlb_lookups);
  CHECK(u(s, "stlb_misses") == ref.stlb_misses);
  CHECK(u(s, "walks") == ref.walks);
  CHECK(u(s, "walk_refs") == ref.walk_refs);
  CHECK(u(s, "page_faults") == ref.faults);
  CHECK(u(s, "dirty_assists") == ref.assists);
  // cycles = L1 lookups x 1 + STLB lookups x 9 + refs x 20 + faults x 3200 + assists x 50
  CHECK(u(s, "cycles") == (ref.l1i_lookups + ref.l1d_lookups) + 9 * ref.stlb_lookups + 20 * ref.walk_refs +
                              3200 * ref.faults + 50 * ref.assists);
  CHECK(u(s, "invariant_violations") == 0);
}

TEST_CASE("same inputs give byte-identical output except wall-clock columns and the quantum changes nothing", "[cli]") {
  const std::string t = kSource + "/traces/lackey/quicksort.lackey";
  auto strip = [](const std::string& csv) {  // drop the wall-clock columns, wherever they are
    std::string out;
    std::stringstream s(csv);
    std::vector<bool> keep;
    for (std::string line; std::getline(s, line);) {
      const auto cells = split(line);
      if (keep.empty())
        for (const std::string& c : cells) keep.push_back(c != "wall_seconds" && c != "accesses_per_second");
      for (std::size_t i = 0; i < cells.size(); ++i)
        if (i >= keep.size() || keep[i]) out += cells[i] + ",";
      out += "\n";
    }
    return out;
  };
  REQUIRE(run_mmusim("run -q --trace " + t + " --out a --set sim.quantum_cycles=1000").code == 0);
  REQUIRE(run_mmusim("run -q --trace " + t + " --out b --set sim.quantum_cycles=100000").code == 0);
  REQUIRE(run_mmusim("run -q --trace " + t + " --out c --set sim.quantum_cycles=1000").code == 0);
  const std::string a = strip(slurp(test_dir() + "/a/summary.csv"));
  CHECK(a == strip(slurp(test_dir() + "/b/summary.csv")));
  CHECK(a == strip(slurp(test_dir() + "/c/summary.csv")));
}

TEST_CASE("a set override changes the run so a smaller dTLB misses more", "[cli]") {
  const std::string t = kSource + "/traces/lackey/quicksort.lackey";
  REQUIRE(run_mmusim("run -q --trace " + t + " --out big").code == 0);
  REQUIRE(run_mmusim("run -q --trace " + t + " --out small --set tlb.l1d_entries=4 --set tlb.l1d_ways=4").code == 0);
  const auto big = read_summary(test_dir() + "/big/summary.csv");
  const auto small = read_summary(test_dir() + "/small/summary.csv");
  CHECK(u(small, "l1d_lookups") == u(big, "l1d_lookups"));
  CHECK(u(small, "l1d_misses") > u(big, "l1d_misses"));
  CHECK(u(small, "cycles") > u(big, "cycles"));
}

TEST_CASE("config --list shows every key with its default and unit", "[cli]") {
  const Result r = run_mmusim("config --list");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("tlb.stlb_entries                1536      entries") != std::string::npos);
  CHECK(r.out.find("cost.host_minor_fault_cycles    3200      cycles") != std::string::npos);
  CHECK(r.out.find("sim.check                       false") != std::string::npos);
}

TEST_CASE("a long run shows its progress on a terminal and nothing otherwise", "[cli][progress]") {
  // `script` (bsdutils, essential in Debian) gives the run a terminal. Progress is redrawn every
  // 500 ms, so the trace must take longer than that: 30M records, about a second.
  REQUIRE(run_mmusim("gen --pattern tlbhit --accesses 30000000 --out long.csv").code == 0);
  const std::string cmd = "cd '" + test_dir() + "' && script -qec \"SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " +
                          std::string(MMUSIM_BIN) + " run -q --trace long.csv --out tty\" /dev/null > tty.txt";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string tty = slurp(test_dir() + "/tty.txt");
  CHECK(tty.find(" records, ") != std::string::npos);  // "\r9015296 records, 18.0 M/s, 32%, 1 s left"
  CHECK(tty.find(" M/s, ") != std::string::npos);
  CHECK(tty.find("s left") != std::string::npos);
  const Result plain = run_mmusim("run -q --trace long.csv --out plain");  // stderr is a file
  REQUIRE(plain.code == 0);
  CHECK(plain.err.empty());
  CHECK(read_summary(test_dir() + "/tty/summary.csv").at("cycles") == read_summary(test_dir() + "/plain/summary.csv").at("cycles"));
  std::remove((test_dir() + "/long.csv").c_str());
}

TEST_CASE("convert: a trace replays the same from its .mtr copy", "[cli][mtr]") {
  for (const char* t : {"traces/lackey/matmul.lackey", "traces/synthetic/multi-vcpu.csv"}) {
    INFO(t);
    const Result c = run_mmusim("convert " + kSource + "/" + t + " copy.mtr");
    REQUIRE(c.code == 0);
    const std::string common = " -q --set guest.vcpus=2 --set sim.mode=shadow --set sim.check=true --out ";
    REQUIRE(run_mmusim("run --trace " + kSource + "/" + t + common + "text").code == 0);
    REQUIRE(run_mmusim("run --trace copy.mtr" + common + "bin").code == 0);
    auto a = read_summary(test_dir() + "/text/summary.csv"), b = read_summary(test_dir() + "/bin/summary.csv");
    for (auto* m : {&a, &b}) m->erase("trace"), m->erase("wall_seconds"), m->erase("accesses_per_second");
    CHECK(a == b);
  }
  const Result bad = run_mmusim("convert " + kSource + "/tests/data/golden_small.csv /proc/nope/x.mtr");
  CHECK(bad.code == 2);
  CHECK(bad.err.find("cannot write") != std::string::npos);
}
