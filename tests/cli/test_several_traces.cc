// compare and sweep on several traces: rows per trace, the summary file over them, exit codes.
#include "cli_util.h"

using namespace mmusim::test;

namespace {

std::vector<std::vector<std::string>> csv_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(split(line));
  return rows;
}
std::size_t col(const std::vector<std::string>& header, const std::string& name) {
  return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
}
}  // namespace

TEST_CASE("compare on three traces: a folder per trace, every row, and each policy's spread", "[cli][compare]") {
  // Three traces: the teaching hot/cold pattern with seeds 1, 2 and 3 (seed 3 is hotscan.csv).
  for (int seed = 1; seed <= 3; ++seed)
    REQUIRE(run_mmusim("gen --pattern hotcold --accesses 3000 --footprint-pages 700 --hot-pages 64 --hot-fraction 0.8 "
                       "--seed " + std::to_string(seed) + " --out hc" + std::to_string(seed) + ".csv")
                .code == 0);
  std::filesystem::remove_all(test_dir() + "/three");
  const Result r = run_mmusim("compare -j 2 --config " + kSource + "/configs/teaching.cfg --policies notifier,young "
                              "--trace hc1.csv --trace hc2.csv --trace hc3.csv --out three");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("  wrote three/compare.csv and three/compare-summary.csv\n") != std::string::npos);
  const auto rows = csv_rows(test_dir() + "/three/compare.csv");
  REQUIRE(rows.size() == 1 + 3 * 4);  // per trace: two policies, two bounds
  const auto& h = rows[0];
  CHECK(rows[1][col(h, "trace")] == "hc1.csv");
  CHECK(rows[12][col(h, "trace")] == "hc3.csv");
  CHECK(std::filesystem::exists(test_dir() + "/three/t1_hc2.csv/young/summary.csv"));
  // notifier's swap-ins on the three traces, and the summary's mean, min and max of them.
  std::vector<double> v;
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i][col(h, "policy")] == "notifier") v.push_back(std::stod(rows[i][col(h, "swap_ins")]));
  REQUIRE(v.size() == 3);
  const double mean = (v[0] + v[1] + v[2]) / 3;
  const auto sum = csv_rows(test_dir() + "/three/compare-summary.csv");
  CHECK(sum[0] == std::vector<std::string>{"policy", "column", "n", "mean", "min", "max", "ci95_low", "ci95_high"});
  bool found = false;
  for (const auto& s : sum)
    if (s[0] == "notifier" && s[1] == "swap_ins") {
      found = true;
      CHECK(s[2] == "3");
      CHECK(std::stod(s[3]) == Approx(mean).margin(0.001));
      CHECK(std::stod(s[4]) == *std::min_element(v.begin(), v.end()));
      CHECK(std::stod(s[5]) == *std::max_element(v.begin(), v.end()));
      CHECK(std::stod(s[6]) < mean);
      CHECK(std::stod(s[7]) > mean);
    }
  CHECK(found);
  // A list file names the same traces: the same rows (apart from the columns that time the runs).
  write_test_file("list.txt", "# the three seeds\nhc1.csv\n\nhc2.csv\nhc3.csv\n");
  std::filesystem::remove_all(test_dir() + "/listed");
  const Result l = run_mmusim("compare -j 2 --config " + kSource + "/configs/teaching.cfg --policies notifier,young "
                              "--traces list.txt --out listed");
  REQUIRE(l.code == 0);
  const auto listed = csv_rows(test_dir() + "/listed/compare.csv");
  REQUIRE(listed.size() == rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t c = 0; c < h.size(); ++c)
      if (h[c] != "wall_seconds" && h[c] != "accesses_per_second") CHECK(listed[i][c] == rows[i][c]);
  write_test_file("empty.txt", "# nothing\n");
  const Result none = run_mmusim("compare --traces empty.txt --out t3");
  CHECK(none.code == 2);
  CHECK(none.err == "mmusim: empty.txt: --traces: names no trace (one path a line)\n");
  // The same trace twice is bad input.
  const Result twice = run_mmusim("compare --trace hc1.csv --trace hc1.csv --out t2");
  CHECK(twice.code == 2);
  CHECK(twice.err == "mmusim: --trace: 'hc1.csv' named twice\n");
}

TEST_CASE("sweep on two traces: rows and bounds per trace, failed runs give exit code 4", "[cli][sweep]") {
  // listwalk (1,096 pages) does not fit a 2 MiB native host: those runs fail, every row is written.
  std::filesystem::remove_all(test_dir() + "/two");
  const Result r = run_mmusim("sweep --trace " + kSource + "/traces/lackey/listwalk.lackey --trace " + kSource +
                              "/traces/lackey/true.lackey --vary host.mem_mb=2,8 --out two");
  CHECK(r.code == 4);
  CHECK(r.out == "4 runs (0 already done, 1 failed); wrote two/sweep.csv and two/sweep-summary.csv\n");
  CHECK(r.err == "mmusim: 1 of 4 runs failed; their logs: two/t0_listwalk.lackey/run0_host.mem_mb=2/log.txt\n");
  const auto rows = csv_rows(test_dir() + "/two/sweep.csv");
  REQUIRE(rows.size() == 1 + 2 * (2 + 4));  // per trace: two runs, two machines' two bounds
  CHECK(rows[1].back().rfind("failed (exit 2)", 0) == 0);
  CHECK(rows[3][col(rows[0], "policy")] == "opt");
  CHECK(rows[3][0] == "2");
}

TEST_CASE("compare and sweep --gen --seeds: a trace per seed as mmusim gen writes it, run as several traces",
          "[cli][compare][sweep]") {
  const std::string workload = "hotcold --accesses 3000 --footprint-pages 700 --hot-pages 64 --hot-fraction 0.8";
  const std::string cfg = " --config " + kSource + "/configs/teaching.cfg ";
  std::filesystem::remove_all(test_dir() + "/seeds");
  std::filesystem::remove_all(test_dir() + "/hand");
  const Result r = run_mmusim("compare -j 2" + cfg + "--policies notifier,young --gen '" + workload + "' --seeds 1-2,3 --out seeds");
  REQUIRE(r.code == 0);
  CHECK(r.out.find("mmusim compare on seeds/gen/hotcold-seed2.csv (") != std::string::npos);
  CHECK(r.out.find("  wrote seeds/compare.csv and seeds/compare-summary.csv\n") != std::string::npos);
  // Each seed's trace is the one `mmusim gen` writes with that seed.
  for (int seed = 1; seed <= 3; ++seed) {
    const std::string hand = "hc" + std::to_string(seed) + ".csv";
    REQUIRE(run_mmusim("gen --pattern " + workload + " --seed " + std::to_string(seed) + " --out " + hand).code == 0);
    CHECK(slurp(test_dir() + "/seeds/gen/hotcold-seed" + std::to_string(seed) + ".csv") == slurp(test_dir() + "/" + hand));
  }
  CHECK(slurp(test_dir() + "/seeds/gen/workload.txt").find("\npattern hotcold\naccesses 3000\nfootprint_pages 700\n"
                                                          "hot_pages 64\nhot_fraction 0.8\n") != std::string::npos);
  // The rows and the summary are those of the same traces named with --trace, apart from the trace
  // column and the columns that time the runs.
  REQUIRE(run_mmusim("compare -j 2" + cfg + "--policies notifier,young --trace hc1.csv --trace hc2.csv --trace hc3.csv "
                     "--out hand").code == 0);
  const auto rows = csv_rows(test_dir() + "/seeds/compare.csv"), hand = csv_rows(test_dir() + "/hand/compare.csv");
  REQUIRE(rows.size() == 1 + 3 * 4);
  REQUIRE(hand.size() == rows.size());
  const auto& h = rows[0];
  CHECK(rows[5][col(h, "trace")] == "seeds/gen/hotcold-seed2.csv");
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t c = 0; c < h.size(); ++c)
      if (h[c] != "trace" && h[c] != "wall_seconds" && h[c] != "accesses_per_second") CHECK(rows[i][c] == hand[i][c]);
  const auto sum = csv_rows(test_dir() + "/seeds/compare-summary.csv"), hand_sum = csv_rows(test_dir() + "/hand/compare-summary.csv");
  REQUIRE(sum.size() == hand_sum.size());
  for (std::size_t i = 0; i < sum.size(); ++i)
    if (sum[i][1] != "wall_seconds" && sum[i][1] != "accesses_per_second") CHECK(sum[i] == hand_sum[i]);
  bool n3 = false;
  for (const auto& s : sum) n3 = n3 || (s[0] == "young" && s[1] == "swap_ins" && s[2] == "3");
  CHECK(n3);

  // sweep: the same seeds, a summary over them; a rerun finds its traces unchanged (not rewritten:
  // the folder's request names their modification times) and every run done.
  std::filesystem::remove_all(test_dir() + "/sw");
  const std::string sweep = "sweep -j 2" + cfg + "--set sim.mode=shadow --set kvm.aging=young --vary host.mem_mb=1,2 "
                            "--gen '" + workload + "' --seeds 1,2,3 --out sw";
  Result s = run_mmusim(sweep);
  REQUIRE(s.code == 0);
  CHECK(s.out == "6 runs (0 already done, 0 failed); wrote sw/sweep.csv and sw/sweep-summary.csv\n");
  const auto written = std::filesystem::last_write_time(test_dir() + "/sw/gen/hotcold-seed1.csv");
  s = run_mmusim(sweep);
  REQUIRE(s.code == 0);
  CHECK(s.out == "6 runs (6 already done, 0 failed); wrote sw/sweep.csv and sw/sweep-summary.csv\n");
  CHECK(std::filesystem::last_write_time(test_dir() + "/sw/gen/hotcold-seed1.csv") == written);
  const auto swept = csv_rows(test_dir() + "/sw/sweep-summary.csv");
  CHECK(swept[0] == std::vector<std::string>{"host.mem_mb", "policy", "column", "n", "mean", "min", "max", "ci95_low",
                                             "ci95_high"});
  bool sweep_n3 = false;
  for (const auto& x : swept) sweep_n3 = sweep_n3 || (x[0] == "2" && x[2] == "swap_ins" && x[3] == "3");
  CHECK(sweep_n3);
  // Another workload in the same sweep folder is refused before anything in it changes.
  s = run_mmusim("sweep" + cfg + "--set sim.mode=shadow --vary host.mem_mb=1,2 --gen 'hotcold --accesses 2000' --seeds 1,2,3 "
                 "--out sw");
  CHECK(s.code == 2);
  CHECK(s.err == "mmusim: sw/gen: --out: holds the traces of another --gen workload (sw/gen/workload.txt); use another "
                 "--out folder\n");
  CHECK(std::filesystem::last_write_time(test_dir() + "/sw/gen/hotcold-seed1.csv") == written);
}

TEST_CASE("bad input to --gen and --seeds is refused with one message before any run", "[cli][compare][sweep][errors]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "mmusim: --trace: a trace file is required (or --gen and --seeds)\n"},
      {"--seeds 1,2", "mmusim: --seeds: seeds are for a generated workload: name it with --gen \"PATTERN OPTIONS\"\n"},
      {"--gen 'seq --accesses 10'", "mmusim: --gen: needs --seeds, the seeds of its traces (e.g. --seeds 1,2,3)\n"},
      {"--gen 'seq --accesses 10' --seeds 1 --trace x.csv",
       "mmusim: --gen: --gen and --trace (or --traces) both name the traces: give one\n"},
      {"--gen='--pattern seq --accesses 10' --seeds 1",
       "mmusim: --gen: '--pattern seq --accesses 10' does not start with a pattern (seq, uniform, hotcold, stride, tlbhit "
       "or shift), then mmusim gen's options, e.g. \"hotcold --accesses 100000\"\n"},
      {"--gen 'zigzag --accesses 10' --seeds 1", "mmusim: --gen: --pattern: 'zigzag' is not a pattern (seq, uniform, hotcold, "
                                                 "stride, tlbhit or shift)\n"},
      {"--gen 'hotcold --accesses 10 --hot-fraction 2' --seeds 1", "mmusim: --gen: --hot-fraction: '2' is not within 0..1\n"},
      {"--gen 'seq' --seeds 1", "mmusim: --gen: --accesses: missing (number of records to write)\n"},
      {"--gen 'seq --accesses 10 --seed 4' --seeds 1", "mmusim: --gen: --seed: each trace's seed comes from --seeds\n"},
      {"--gen 'seq --accesses 10 --out t.csv' --seeds 1", "mmusim: --gen: --out: the traces are written into o/gen\n"},
      {"--gen 'seq --accesses 10' --seeds 3-1", "mmusim: --seeds: the range '3-1' ends before it starts\n"},
      {"--gen 'seq --accesses 10' --seeds 1,2,1", "mmusim: --seeds: seed 1 named twice\n"},
      {"--gen 'seq --accesses 10' --seeds 1,,2", "mmusim: --seeds: an empty seed in '1,,2'\n"},
      {"--gen 'seq --accesses 10' --seeds 1,x", "mmusim: --seeds: 'x' in '1,x' is not a seed (a whole number from 0)\n"},
      {"--gen 'seq --accesses 10' --seeds 0-1000",
       "mmusim: --seeds: '0-1000' names more than 1000 seeds, the limit of one command\n"},
      {"--gen 'seq --accesses 10' --seeds 1 --format lackey",
       "mmusim: --format: lackey: the traces of --gen are CSV (leave --format out)\n"},
  };
  for (const std::string command : {"compare", "sweep --vary host.mem_mb=1,2"})
    for (const auto& [args, message] : cases) {
      const Result r = run_mmusim(std::string(command) + " " + args + " --out o");
      INFO(command << " " << args);
      CHECK(r.code == 2);
      CHECK(r.err == message);
    }
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/o/gen"));
}
