// compare-summary.csv and sweep-summary.csv: mean, min, max and the 95% interval, by hand.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "commands/spread_summary.h"
#include "temp_file.h"

using namespace mmusim;
using mmusim::test::temp_file;

TEST_CASE("Student's t and the spread of a few values", "[summary]") {
  CHECK(t95(1) == 12.706);
  CHECK(t95(2) == 4.303);
  CHECK(t95(30) == 2.042);
  CHECK(t95(35) == 2.042);  // past the table: the next lower entry's, a slightly wider interval
  CHECK(t95(500) == 1.960);
  // 171, 194, 168: mean 177.667; deviations -6.667, 16.333, -9.667, squares summing to 404.667;
  // sd = sqrt(404.667 / 2) = 14.224; half-width 4.303 x 14.224 / sqrt(3) = 35.338.
  const Spread s = spread({171, 194, 168});
  CHECK(s.n == 3);
  CHECK(s.mean == Approx(177.667).margin(0.001));
  CHECK(s.min == 168);
  CHECK(s.max == 194);
  CHECK(s.half == Approx(35.338).margin(0.001));
  CHECK(spread({5}).half == 0);
}

TEST_CASE("the summary file: a row per configuration and numeric column, failed runs left out", "[summary]") {
  const std::vector<CsvRow> rows = {
      {{"policy", "young"}, {"trace", "a"}, {"swap_ins", "10"}, {"status", "ok"}},
      {{"policy", "young"}, {"trace", "b"}, {"swap_ins", "20"}, {"status", "ok"}},
      {{"policy", "young"}, {"trace", "c"}, {"swap_ins", "30"}, {"status", "ok"}},
      {{"policy", "pinned"}, {"trace", "a"}, {"swap_ins", ""}, {"status", "failed (exit 2): no"}},
      {{"policy", "opt"}, {"trace", "a"}, {"swap_ins", "4"}, {"status", "bound"}},
      {{"policy", "opt"}, {"trace", "b"}, {"swap_ins", "inf"}, {"status", "bound"}},
  };
  const std::string path = temp_file("summary.csv", "");
  write_spread_csv(path, {"policy"}, {"trace", "swap_ins"}, rows);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  // young: mean 20, sd 10, half-width 4.303 x 10 / sqrt(3) = 24.843; opt: "inf" is no number.
  CHECK(text.str() ==
        "policy,column,n,mean,min,max,ci95_low,ci95_high\n"
        "young,swap_ins,3,20.000,10.000,30.000,-4.843,44.843\n"
        "opt,swap_ins,1,4.000,4.000,4.000,4.000,4.000\n");
}
