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
