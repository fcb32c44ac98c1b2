// Hostile or careless use (issue 22): results folders and files crafted to make mmusim run shell
// commands, write through links, mix results; interrupted commands; unbounded output.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

const std::string kSmall = kSource + "/tests/data/golden_small.csv";

// The environment that puts the fake Slurm commands first on PATH, with a fresh state folder.
std::string fake_slurm() {
  const std::string state = test_dir() + "/fake-slurm";
  fs::remove_all(state);
  fs::create_directories(state);
  return "PATH='" + kSource + "/tests/cli/fake_slurm:/usr/bin:/bin' FAKE_SLURM='" + state + "'";
}

}  // namespace

TEST_CASE("a crafted slurm/job-id reaches no shell: it is refused as not a job id", "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string env = fake_slurm();
  fs::create_directories(test_dir() + "/sw/slurm");
  std::ofstream(test_dir() + "/sw/slurm/job-id") << "1;touch${IFS}pwned;#\n";
  for (const std::string engine : {"local", "slurm --poll-seconds 0.05"}) {
    const Result r =
        run_mmusim("sweep --engine " + engine + " --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw", "", env);
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: sw/slurm/job-id:1: '1;touch${IFS}pwned;#' is not a Slurm job id (digits, optionally _digits); "
                   "remove the file if no job of this folder runs\n");
    CHECK_FALSE(fs::exists(test_dir() + "/pwned"));
  }
}
