// Only in the sanitizer build (.ci/hardening.sh): what LeakSanitizer sees of the main thread at
// exit. SystemC leaves AddressSanitizer believing that the main thread runs on the stack of the
// SC_THREAD that ended last (sim/sysc/asan_stack.h), a range it has unmapped by then; the leak
// check at exit then scanned that range and its tracer crashed whenever part of it had been mapped
// again. With log_threads, LeakSanitizer names the stack range it scans for each thread and warns
// when the thread's stack pointer is outside it; for the main thread that warning means a stale
// range, whether or not the scan happened to crash this time.
#include "cli_util.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MMUSIM_TEST_ASAN 1
#endif
#endif

#ifdef MMUSIM_TEST_ASAN
using namespace mmusim::test;

namespace {
// Every sanitizer log file that `run` made in the test's folder, concatenated; the files removed.
std::string take_logs() {
  std::string all;
  for (const auto& e : std::filesystem::directory_iterator(test_dir()))
    if (e.path().filename().string().rfind("lsan.", 0) == 0) {
      all += slurp(e.path().string());
      std::filesystem::remove(e.path());
    }
  return all;
}
}  // namespace

TEST_CASE("sanitizer: at exit LeakSanitizer scans the main thread's own stack", "[cli][sanitizer]") {
  std::filesystem::create_directories(test_dir());
  for (const auto& e : std::filesystem::directory_iterator(test_dir())) std::filesystem::remove_all(e.path());
  REQUIRE(run_mmusim("convert " + kSource + "/traces/synthetic/multi-vcpu.csv two.mtr").code == 0);
  // log_path is a flag all three sanitizers share, and the last of ASAN_OPTIONS and UBSAN_OPTIONS
  // read wins: both name the test's folder (.ci/hardening.sh sets its own in both).
  const std::string logs = "log_path=" + test_dir() + "/lsan";
  const std::string env = "ASAN_OPTIONS=detect_stack_use_after_return=0:" + logs + " UBSAN_OPTIONS=print_stacktrace=1:" +
                          logs + " LSAN_OPTIONS=verbosity=1:log_threads=1";
  // A native run on one vCPU, a shadow run on two from an .mtr trace, and a run stopped by bad input
  // (a record of a vCPU the machine does not have: the vCPU's thread throws).
  const std::vector<std::string> runs = {
      "run -q --trace " + kSource + "/traces/teaching/loop.csv --out one",
      "run -q --trace two.mtr --set guest.vcpus=2 --set sim.mode=shadow --out two", "run -q --trace two.mtr --out bad"};
  for (const std::string& args : runs) {
    INFO(args);
    const Result r = run_mmusim(args, "", env);
    CHECK(r.code == (args.find("bad") != std::string::npos ? 2 : 0));
    const std::string log = take_logs();
    REQUIRE(log.find("Processing thread") != std::string::npos);
    CHECK(log.find("WARNING: stack pointer not in stack range") == std::string::npos);
    CHECK(log.find("Tracer caught signal") == std::string::npos);
  }
}
#endif
