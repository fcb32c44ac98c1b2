// run_pool: the work done meanwhile in this process (compare's bounds) takes one of the -j slots,
// so -j 1 runs it before any child and -j 2 runs it beside one child. The children are /bin/sh
// scripts that look for a file the meanwhile work creates.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "engine/run_pool.h"
#include "temp_file.h"

using namespace mmusim;

namespace {
// A child that exits 0 if `file` exists when it starts, else 1, and then creates `started`.
ChildRun sees(const std::string& file, const std::string& log, const std::string& started = "/dev/null") {
  return {{"-c", "test -e '" + file + "'; r=$?; touch '" + started + "'; exit $r"}, log};
}

// Waits (at most 20 s) for `file` to exist; whether it came.
bool wait_for(const std::string& file) {
  for (int i = 0; i < 2000; ++i) {
    if (std::filesystem::exists(file)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
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

TEST_CASE("run_pool with two jobs runs children one at a time beside the meanwhile work, then two", "[run_pool]") {
  const std::string mark = test::temp_file("pool2.mark", "");
  std::filesystem::remove(mark);
  const std::string log = mark + ".log", started0 = mark + ".0", started1 = mark + ".1";
  const std::string barrier = mark + ".barrier", in2 = mark + ".2", in3 = mark + ".3";
  for (const std::string& f : {started0, started1, in2, in3}) std::filesystem::remove(f);
  // Child 0 starts beside the meanwhile work; when it ends, child 1 takes its slot at once, still
  // beside the meanwhile work, which waits for both to have looked for the mark before making
  // it: neither can see it. Then both slots are the children's: children 2 and 3 run at the same
  // time, each waiting (at most 20 s) for the other to have started, and see the mark.
  auto pair = [&](const std::string& me, const std::string& other) {
    return ChildRun{{"-c", "touch '" + me + "'; for i in $(seq 400); do [ -e '" + other +
                               "' ] && break; sleep 0.05; done; [ -e '" + other + "' ] && test -e '" + mark + "'"},
                    log};
  };
  std::vector<ChildRun> runs{sees(mark, log, started0), sees(mark, log, started1), pair(in2, in3), pair(in3, in2)};
  bool both_ran_meanwhile = false;
  const std::vector<int> st = run_pool("/bin/sh", runs, 2, {}, [&] {
    both_ran_meanwhile = wait_for(started0) && wait_for(started1);
    std::ofstream(mark) << "x";
  });
  CHECK(both_ran_meanwhile);
  CHECK(st == std::vector<int>{1, 1, 0, 0});
  // Without meanwhile work both slots take children at once; all statuses are reported.
  const std::vector<int> plain = run_pool("/bin/sh", {runs[0], runs[1]}, 2);
  CHECK(plain == std::vector<int>{0, 0});
}

TEST_CASE("run_pool stops the started children when the meanwhile work fails", "[run_pool]") {
  const std::string log = test::temp_file("pool3.log", "");
  const std::string alive = log + ".alive";
  std::filesystem::remove(alive);
  // The child would create `alive` after 2 s; stopped at once, it never does.
  std::vector<ChildRun> runs{{{"-c", "sleep 2; touch '" + alive + "'"}, log}};
  CHECK_THROWS_WITH(run_pool("/bin/sh", runs, 2, {}, [] { throw std::runtime_error("bounds failed"); }), "bounds failed");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK_FALSE(std::filesystem::exists(alive));
}
