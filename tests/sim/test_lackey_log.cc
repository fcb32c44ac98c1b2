// LackeyLog (mmusim record): a log read while it grows, records only once their line is whole,
// unlinked at once, the end of the process seen in lackey's last lines.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "util/input_error.h"
#include "record/lackey_log.h"
#include "temp_file.h"

using namespace mmusim;

TEST_CASE("lackey log: records as the file grows, whole lines only, with the log's pid", "[record]") {
  const std::string path = test::temp_file("1234", "==1234== Lackey, an example Valgrind tool\n==1234== Command: /bin/prog -x\nI  0401000,3\n L 7ff0");
  LackeyLog log(path, 1234, 7);
  CHECK_FALSE(std::filesystem::exists(path));  // unlinked: nothing is left behind
  CHECK(log.command() == "");
  TraceRecord r[8];
  REQUIRE(log.take(r, 8) == 1);
  CHECK(log.command() == "/bin/prog -x");
  CHECK(r[0].gva == 0x401000);
  CHECK(r[0].size == 3);
  CHECK(r[0].op == Op::Fetch);
  CHECK(r[0].pid == 7);
  CHECK(log.take(r, 8) == 0);  // " L 7ff0" has no end yet
  CHECK(log.drained());  // all that is written is read: the part line waits for the rest
  CHECK_FALSE(log.exit_seen());
}

TEST_CASE("lackey log: the rest of a line, the exit line, and a line that does not parse", "[record]") {
  const std::string dir = test::temp_file("unused", "");
  const std::string path = dir + ".log";
  std::ofstream w(path, std::ios::binary);
  w << " L 7ff0" << std::flush;
  LackeyLog log(path, 99, 0);
  TraceRecord r[8];
  CHECK(log.take(r, 8) == 0);
  w << "00ff8,8\n S 10,4\n M 20,2\n==99== \n==99== Exit code:       0\n" << std::flush;
  REQUIRE(log.take(r, 2) == 2);  // at most what is asked
  CHECK(r[0].gva == 0x7ff000ff8);
  CHECK(r[0].op == Op::Read);
  CHECK(r[1].op == Op::Write);
  REQUIRE(log.take(r, 8) == 1);
  CHECK(r[0].op == Op::Modify);
  CHECK(log.exit_seen());
  CHECK(log.drained());
  CHECK(log.records() == 3);
  w << " L zz,8\n" << std::flush;
  CHECK_THROWS_WITH(log.take(r, 8), "lackey log of process 99:6: lackey record ' L zz,8' does not parse");
}
