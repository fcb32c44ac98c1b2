// A CSV address without 0x made of decimal digits only is read as hex, and said once on stderr.
#include "cli_util.h"

using namespace mmusim::test;

TEST_CASE("a decimal-looking address is read as hex and named once on stderr", "[cli][trace]") {
  // 1000 and 2000 are read as 0x1000 and 0x2000 (pages 1 and 2): two pages, one warning.
  write_test_file("dec.csv", "op,gva\nR,1000\nR,2000\n");
  const Result r = run_mmusim("run -q --out out --trace dec.csv");
  REQUIRE(r.code == 0);
  CHECK(r.err ==
        "mmusim: warning: dec.csv:2: gva: '1000' has no 0x and only decimal digits: read as hex, 0x1000 = 4096 "
        "(a CSV trace's addresses are hex; this is said once per trace)\n");
  CHECK(read_summary(test_dir() + "/out/summary.csv")["page_faults"] == "2");
  // With 0x, or with a hex letter, nothing is ambiguous: no warning.
  write_test_file("hex.csv", "op,gva\nR,0x1000\nR,1a00\n");
  const Result h = run_mmusim("run -q --out out --trace hex.csv");
  REQUIRE(h.code == 0);
  CHECK(h.err.empty());
}
