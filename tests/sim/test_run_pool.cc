// run_pool: the work done meanwhile in this process (compare's bounds) takes one of the -j slots,
// so -j 1 runs it before any child and -j 2 runs it beside one child. The children are /bin/sh
// scripts that look for a file the meanwhile work creates.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "run_pool.h"
#include "temp_file.h"

using namespace mmusim;

namespace {
// A child that exits 0 if `file` exists when it starts, else 1, and then creates `file`.started.
ChildRun sees(const std::string& file, const std::string& log) {
  return {{"-c", "test -e '" + file + "'; r=$?; touch '" + file + ".started'; exit $r"}, log};
}
}  // namespace

TEST_CASE("run_pool with one job runs the meanwhile work before any child", "[run_pool]") {
  const std::string mark = test::temp_file("pool1.mark", "");
  std::filesystem::remove(mark);
  const std::string log = mark + ".log";
  std::vector<ChildRun> runs{sees(mark, log), sees(mark, log)};
  std::vector<std::size_t> order;
  const std::vector<int> st = run_pool(
      "/bin/sh", runs, 1, [&](std::size_t i, int) { order.push_back(i); }, [&] { std::ofstream(mark) << "x"; });
  CHECK(st == std::vector<int>{0, 0});  // both started after the mark existed
  CHECK(order == std::vector<std::size_t>{0, 1});
}

TEST_CASE("run_pool with two jobs runs one child beside the meanwhile work, then the rest", "[run_pool]") {
  const std::string mark = test::temp_file("pool2.mark", "");
  std::filesystem::remove(mark);
  const std::string log = mark + ".log";
  std::vector<ChildRun> runs{sees(mark, log), sees(mark, log), sees(mark, log)};
  // Child 0 starts before the meanwhile work, which waits (at most 20 s) until child 0 has looked
  // for the mark before making it: child 0 cannot see it. With the meanwhile work holding the
  // second slot, children 1 and 2 start after it, and see it.
  bool child0_ran_meanwhile = false;
  const std::vector<int> st = run_pool("/bin/sh", runs, 2, {}, [&] {
    for (int i = 0; i < 2000 && !child0_ran_meanwhile; ++i) {
      child0_ran_meanwhile = std::filesystem::exists(mark + ".started");
      if (!child0_ran_meanwhile) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::ofstream(mark) << "x";
  });
  CHECK(child0_ran_meanwhile);
  CHECK(st == std::vector<int>{1, 0, 0});
  // Without meanwhile work both slots take children at once; all statuses are reported.
  const std::vector<int> plain = run_pool("/bin/sh", runs, 2);
  CHECK(plain == std::vector<int>{0, 0, 0});
}
