// compare and sweep with --engine slurm, without a Slurm: --dry-run's script and run list, and
// the fake sbatch, squeue and scancel of tests/cli/fake_slurm (which run the array's tasks here)
// for refused submissions, lost tasks, resubmission and gathering. tests/slurm/test_real_slurm.sh
// does the same on a real Slurm.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <filesystem>

#include "cli_util.h"

using namespace mmusim::test;

namespace {

// The environment that puts the fake Slurm commands first on PATH, with a fresh state folder.
std::string fake_slurm(const std::string& more = "") {
  const std::string state = test_dir() + "/fake-slurm";
  std::filesystem::remove_all(state);
  std::filesystem::create_directories(state);
  return "PATH='" + kSource + "/tests/cli/fake_slurm:/usr/bin:/bin' FAKE_SLURM='" + state + "' " + more;
}

// A CSV's lines without the columns that time the run itself (wall_seconds,
// accesses_per_second), which differ between any two runs.
std::vector<std::string> untimed(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::vector<bool> keep;
  for (std::string line; std::getline(in, line);) {
    const auto cells = split(line);
    if (keep.empty())
      for (const std::string& c : cells) keep.push_back(c != "wall_seconds" && c != "accesses_per_second");
    std::string kept;
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (i >= keep.size() || keep[i]) kept += cells[i] + ",";
    lines.push_back(kept);
  }
  return lines;
}

// compare-summary.csv's lines without those of the columns that time the runs.
std::vector<std::string> summary_untimed(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.find(",wall_seconds,") == std::string::npos && line.find(",accesses_per_second,") == std::string::npos)
      lines.push_back(line);
  return lines;
}

std::string canonical(const std::string& p) { return std::filesystem::canonical(p).string(); }

const std::string kSmall = kSource + "/tests/data/golden_small.csv";

}  // namespace

TEST_CASE("sweep --engine slurm --dry-run writes and prints the batch script and the run list", "[cli][slurm]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  const Result r = run_mmusim("sweep --engine slurm --dry-run --partition short --time 1:00:00 --mem 2G "
                              "--cpus-per-task 1 --max-parallel 2 --trace " + kSmall +
                              " --set walk.ref_cycles=5 --vary tlb.l1d_entries=32,64 --out sw",
                              "", "PATH=/nonexistent");  // no Slurm needed
  REQUIRE(r.code == 0);
  const std::string script =
      "#!/bin/bash\n"
      "#SBATCH --job-name=mmusim\n"
      "#SBATCH --array=0-1%2\n"
      "#SBATCH --chdir=" + canonical(test_dir()) + "\n"
      "#SBATCH --output=sw/slurm/%A_%a.out\n"
      "#SBATCH --partition=short\n"
      "#SBATCH --time=1:00:00\n"
      "#SBATCH --mem=2G\n"
      "#SBATCH --cpus-per-task=1\n"
      "# The job's id, for a later mmusim in this folder (it waits while the job is queued or running),\n"
      "# written by the tasks too, so that a job submitted by hand is known once it runs.\n"
      "if [ -n \"${SLURM_ARRAY_JOB_ID:-}\" ]; then\n"
      "  echo \"$SLURM_ARRAY_JOB_ID\" >'sw/slurm/job-id'.$SLURM_ARRAY_TASK_ID && mv -f 'sw/slurm/job-id'.$SLURM_ARRAY_TASK_ID "
      "'sw/slurm/job-id'\n"
      "fi\n"
      "# Array task i runs `mmusim run` for line i+1 of the run list (tab-separated: the run's output\n"
      "# folder, then its --set overrides). The run's summary.csv appears only when it completes (written\n"
      "# by rename); exit-code records how mmusim ended.\n"
      "IFS=$'\\t' read -r -a run < <(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" 'sw/slurm/runs.tsv')\n"
      "dir=${run[0]}\n"
      "sets=()\n"
      "for s in \"${run[@]:1}\"; do sets+=(--set \"$s\"); done\n"
      "# New files only (noclobber: created with O_EXCL), never through a link left in the folder.\n"
      "set -C\n"
      "mkdir -p \"$dir\" && rm -f \"$dir/exit-code\" \"$dir/exit-code.tmp\" \"$dir/log.txt\" || exit 1\n"
      "'" + canonical(MMUSIM_BIN) + "' 'run' '-q' '--trace' '" + kSmall + "' '--format' 'auto' --out \"$dir\" "
      "'--set' 'walk.ref_cycles=5' \"${sets[@]}\" >\"$dir/log.txt\" 2>&1\n"
      "code=$?\n"
      "echo \"$code\" >\"$dir/exit-code.tmp\" && mv -f \"$dir/exit-code.tmp\" \"$dir/exit-code\"\n"
      "exit \"$code\"\n";
  const std::string list = "sw/run0_tlb.l1d_entries=32\ttlb.l1d_entries=32\nsw/run1_tlb.l1d_entries=64\ttlb.l1d_entries=64\n";
  CHECK(r.out == "==> sw/slurm/job.sh <==\n" + script + "==> sw/slurm/runs.tsv <==\n" + list +
                     "not submitted (--dry-run): submit with `sbatch sw/slurm/job.sh`; when the job has ended, the same "
                     "command without --dry-run gathers the runs\n");
  CHECK(slurp(test_dir() + "/sw/slurm/job.sh") == script);
  CHECK(slurp(test_dir() + "/sw/slurm/runs.tsv") == list);
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw/sweep.csv"));
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw/run0_tlb.l1d_entries=32/summary.csv"));
}

TEST_CASE("a '%' in the output folder reaches sbatch's --output pattern as '%%', a backslash is refused",
          "[cli][slurm]") {
  // sbatch replaces %A, %a, %j ... in --output and reads "%%" as '%'; one backslash would turn off
  // every replacement, and all the tasks would write one file named %A_%a.out.
  std::filesystem::remove_all(test_dir() + "/p%1");
  std::filesystem::remove_all(test_dir() + "/p\\1");
  const std::string sweep = "sweep --engine slurm --dry-run --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out ";
  Result r = run_mmusim(sweep + "'p%1'", "", "PATH=/nonexistent");
  REQUIRE(r.code == 0);
  CHECK(slurp(test_dir() + "/p%1/slurm/job.sh").find("\n#SBATCH --output=p%%1/slurm/%A_%a.out\n") != std::string::npos);
  r = run_mmusim(sweep + "'p\\1'", "", "PATH=/nonexistent");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: p\\1/slurm: --out: a backslash cannot go into an #SBATCH --output pattern (Slurm would not "
                 "replace %A_%a)\n");
}

TEST_CASE("a dry run's script submitted by hand, then the same sweep gathers its runs", "[cli][slurm]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  std::filesystem::remove_all(test_dir() + "/local");
  const std::string sweep = "sweep --engine slurm --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw";
  REQUIRE(run_mmusim(sweep + " --dry-run", "", "PATH=/nonexistent").code == 0);
  const std::string runs_tsv = slurp(test_dir() + "/sw/slurm/runs.tsv");
  // What a user's `sbatch sw/slurm/job.sh` does: each array task in the job's folder. Its first
  // task has run and job 9 is still running: the same command neither rewrites the run list (the
  // tasks still to start read it) nor submits.
  const std::string env = fake_slurm();
  const auto task = [&](int i) {
    return std::system(("cd '" + test_dir() + "' && SLURM_ARRAY_JOB_ID=9 SLURM_ARRAY_TASK_ID=" + std::to_string(i) +
                        " bash sw/slurm/job.sh").c_str());
  };
  REQUIRE(task(0) == 0);
  CHECK(slurp(test_dir() + "/sw/slurm/job-id") == "9\n");
  std::ofstream(test_dir() + "/fake-slurm/9.running");
  Result r = run_mmusim(sweep + " --poll-seconds 0.05", "", env);
  CHECK(r.code == 2);
  CHECK(r.err.find("Slurm job 9 of this folder is still queued or running") != std::string::npos);
  CHECK(slurp(test_dir() + "/sw/slurm/runs.tsv") == runs_tsv);
  REQUIRE(task(1) == 0);
  std::filesystem::remove(test_dir() + "/fake-slurm/9.running");
  r = run_mmusim(sweep + " --poll-seconds 0.05", "", env);
  REQUIRE(r.code == 0);
  CHECK(r.out == "2 runs (2 already done, 0 failed); wrote sw/sweep.csv\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/fake-slurm/last-id"));  // nothing submitted
  REQUIRE(run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out local").code == 0);
  CHECK(untimed(test_dir() + "/sw/sweep.csv") == untimed(test_dir() + "/local/sweep.csv"));
}

TEST_CASE("the slurm engine refuses what it cannot do, before any run starts", "[cli][slurm][errors]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  const std::string sweep = "sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw";
  Result r = run_mmusim(sweep + " --engine slurm", "", "PATH=/nonexistent");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --engine: slurm: no sbatch on PATH (Slurm's client commands: slurm-client on Debian); "
                 "--dry-run writes the batch script to submit by hand\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw"));
  r = run_mmusim(sweep + " --engine pbs");
  CHECK(r.err == "mmusim: --engine: 'pbs' is neither local nor slurm\n");
  r = run_mmusim(sweep + " --max-parallel 2");
  CHECK(r.err == "mmusim: --max-parallel: only with --engine slurm\n");
  r = run_mmusim("compare --trace " + kSmall + " --dry-run");
  CHECK(r.err == "mmusim: --dry-run: only with --engine slurm\n");
  r = run_mmusim(sweep + " --engine slurm -j 2", "", fake_slurm());
  CHECK(r.err == "mmusim: --jobs: only with --engine local (--max-parallel caps a Slurm array)\n");
  r = run_mmusim(sweep + " --engine slurm --max-parallel 0", "", fake_slurm());
  CHECK(r.err == "mmusim: --max-parallel: must be at least 1\n");
  r = run_mmusim(sweep + " --engine slurm --partition 'a b'", "", fake_slurm());
  CHECK(r.err == "mmusim: --engine: slurm: 'a b' holds a space, quote or line break, which sbatch options cannot\n");
  CHECK(r.code == 2);
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw"));
}

TEST_CASE("a submission Slurm refuses is one message and no CSV", "[cli][slurm][errors]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  const Result r = run_mmusim("sweep --engine slurm --partition nosuch --trace " + kSmall +
                                  " --vary tlb.l1d_entries=32,64 --out sw",
                              "", fake_slurm("FAKE_SLURM_PARTITIONS='short long'"));
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sbatch: refused sw/slurm/job.sh (exit 1): sbatch: error: invalid partition specified: nosuch; "
                 "sbatch: error: Batch job submission failed: Invalid partition name specified\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw/sweep.csv"));
}

TEST_CASE("slurm sweep: failed and lost tasks are listed, a resubmission runs only them, the CSV is the local one",
          "[cli][slurm]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  std::filesystem::remove_all(test_dir() + "/local");
  // listwalk touches 1,096 pages: a 2 MiB native host cannot hold them (exit 2), 8 MiB can.
  const std::string sweep = "sweep --trace " + kSource + "/traces/lackey/listwalk.lackey --vary host.mem_mb=2,8 "
                            "--vary tlb.l1d_entries=32,64";
  const std::string slurm = sweep + " --engine slurm --poll-seconds 0.05 --gather-grace-seconds 0.2 --out sw";
  // Task 3 (8 MiB, 64 entries) is lost: no summary, no exit code.
  Result r = run_mmusim(slurm, "", fake_slurm("FAKE_SLURM_LOSE=3"));
  REQUIRE(r.code == 4);  // runs failed
  CHECK(r.out == "4 runs (0 already done, 3 failed); wrote sw/sweep.csv\n");
  CHECK(r.err.find("Slurm job 42: 4/4 runs done (3 failed, 0 running)\n") != std::string::npos);
  CHECK(r.err.find("mmusim: run sw/run0_host.mem_mb=2_tlb.l1d_entries=32 failed (exit 2); its log: "
                   "sw/run0_host.mem_mb=2_tlb.l1d_entries=32/log.txt\n") != std::string::npos);
  CHECK(r.err.find("mmusim: run sw/run3_host.mem_mb=8_tlb.l1d_entries=64 ended without a result (the Slurm task was "
                   "cancelled, preempted or timed out, or lost its output); its logs: "
                   "sw/run3_host.mem_mb=8_tlb.l1d_entries=64/log.txt, sw/slurm/42_3.out\n") != std::string::npos);
  auto rows = untimed(test_dir() + "/sw/sweep.csv");
  REQUIRE(rows.size() == 9);  // header, 4 runs, the bounds of the 2 and 8 MiB hosts
  CHECK(rows[1].find(",failed (exit 2): mmusim: --set: host.mem_mb: host memory exhausted") != std::string::npos);
  CHECK(rows[3].substr(rows[3].size() - 4) == ",ok,");
  CHECK(rows[4].rfind("8,64,,,,", 0) == 0);  // no half result: every summary cell empty
  CHECK(rows[4].substr(rows[4].size() - 20) == ",failed (exit -1): ,");  // an empty log
  // Resubmitted: run2 is done and skipped; the others run again (in a job of three tasks).
  r = run_mmusim(slurm, "", fake_slurm());
  REQUIRE(r.code == 4);
  CHECK(r.out == "4 runs (1 already done, 2 failed); wrote sw/sweep.csv\n");
  CHECK(slurp(test_dir() + "/sw/slurm/runs.tsv") ==
        "sw/run0_host.mem_mb=2_tlb.l1d_entries=32\thost.mem_mb=2\ttlb.l1d_entries=32\n"
        "sw/run1_host.mem_mb=2_tlb.l1d_entries=64\thost.mem_mb=2\ttlb.l1d_entries=64\n"
        "sw/run3_host.mem_mb=8_tlb.l1d_entries=64\thost.mem_mb=8\ttlb.l1d_entries=64\n");
  REQUIRE(run_mmusim(sweep + " -j 2 --out local").code == 4);
  CHECK(untimed(test_dir() + "/sw/sweep.csv") == untimed(test_dir() + "/local/sweep.csv"));
}

TEST_CASE("slurm sweep: a result that shows after the job left the queue (NFS) is not lost", "[cli][slurm]") {
  // The fake squeue shows run1's summary.csv and exit-code only at its fifth poll after the job
  // ended, 0.2 s later: within --gather-grace-seconds 5 the run is found; with 0.1 it is lost.
  std::filesystem::remove_all(test_dir() + "/sw");
  const std::string sweep = "sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64";
  Result r = run_mmusim(sweep + " --engine slurm --poll-seconds 0.05 --gather-grace-seconds 5 --out sw", "",
                        fake_slurm("FAKE_SLURM_NFS_LATE=1 FAKE_SLURM_NFS_LATE_POLLS=5"));
  CHECK(r.code == 0);
  CHECK(r.out == "2 runs (0 already done, 0 failed); wrote sw/sweep.csv\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/fake-slurm/late"));  // the files did show late
  std::filesystem::remove_all(test_dir() + "/local");
  REQUIRE(run_mmusim(sweep + " --out local").code == 0);
  CHECK(untimed(test_dir() + "/sw/sweep.csv") == untimed(test_dir() + "/local/sweep.csv"));
  std::filesystem::remove_all(test_dir() + "/sw");
  r = run_mmusim(sweep + " --engine slurm --poll-seconds 0.05 --gather-grace-seconds 0.1 --out sw", "",
                 fake_slurm("FAKE_SLURM_NFS_LATE=1 FAKE_SLURM_NFS_LATE_POLLS=5"));
  CHECK(r.code == 4);
  CHECK(r.out == "2 runs (0 already done, 1 failed); wrote sw/sweep.csv\n");
}

TEST_CASE("slurm compare gathers the local engine's compare.csv, a resubmission runs only the lost policy",
          "[cli][slurm][compare]") {
  std::filesystem::remove_all(test_dir() + "/cs");
  const std::string compare = "compare --policies notifier,young --trace " + kSource +
                              "/traces/synthetic/hotcold-small.csv --set host.mem_mb=2";
  Result r = run_mmusim(compare + " --engine slurm --poll-seconds 0.05 --gather-grace-seconds 0.2 --out cs", "",
                        fake_slurm("FAKE_SLURM_LOSE=1"));
  REQUIRE(r.code == 4);
  CHECK(r.out.find("young           failed (exit -1): \n") != std::string::npos);
  r = run_mmusim(compare + " --engine slurm --poll-seconds 0.05 --out cs", "", fake_slurm());
  REQUIRE(r.code == 0);
  CHECK(slurp(test_dir() + "/cs/slurm/runs.tsv") == "cs/young\tkvm.aging=young\n");
  REQUIRE(run_mmusim(compare + " --out cl").code == 0);
  const auto rows = untimed(test_dir() + "/cs/compare.csv");
  REQUIRE(rows.size() == 5);  // header, two policies, two bounds
  CHECK(rows[1].substr(rows[1].size() - 4) == ",ok,");
  CHECK(rows[2].substr(rows[2].size() - 4) == ",ok,");
  CHECK(rows == untimed(test_dir() + "/cl/compare.csv"));
  // Another request in the same folder is refused, not mixed in.
  r = run_mmusim(compare + " --set walk.ref_cycles=9 --engine slurm --out cs", "", fake_slurm());
  CHECK(r.code == 2);
  CHECK(r.err.find("cs: --out: holds a compare of another trace, config or --set") != std::string::npos);
  // A local compare of another request redoes every policy there, and the folder becomes its:
  // resuming the first request on Slurm is then refused, so no row of one mixes into the other.
  REQUIRE(run_mmusim(compare + " --set walk.ref_cycles=9 --out cs").code == 0);
  r = run_mmusim(compare + " --engine slurm --poll-seconds 0.05 --out cs", "", fake_slurm());
  CHECK(r.code == 2);
  CHECK(r.err.find("cs: --out: holds a compare of another trace, config or --set") != std::string::npos);
}

TEST_CASE("slurm compare over two traces: a job array per trace, both traces' rows and the summary gathered",
          "[cli][slurm][compare]") {
  // Two traces, two policies: each trace's runs are one job array (jobs 42 and 43, each of two
  // tasks, in the trace's folder); compare.csv and compare-summary.csv are the local engine's.
  std::filesystem::remove_all(test_dir() + "/cs");
  std::filesystem::remove_all(test_dir() + "/cl");
  const std::string compare = "compare --policies notifier,young --trace " + kSource +
                              "/traces/synthetic/hotcold-small.csv --trace " + kSource +
                              "/traces/synthetic/seq-small.csv --set host.mem_mb=2";
  const Result r = run_mmusim(compare + " --engine slurm --poll-seconds 0.05 --gather-grace-seconds 0.2 --out cs", "",
                              fake_slurm());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("  wrote cs/compare.csv and cs/compare-summary.csv\n") != std::string::npos);
  CHECK(slurp(test_dir() + "/fake-slurm/last-id") == "43\n");
  CHECK(slurp(test_dir() + "/cs/t0_hotcold-small.csv/slurm/job.sh").find("\n#SBATCH --array=0-1\n") != std::string::npos);
  CHECK(slurp(test_dir() + "/cs/t1_seq-small.csv/slurm/runs.tsv") ==
        "cs/t1_seq-small.csv/notifier\tkvm.aging=notifier\ncs/t1_seq-small.csv/young\tkvm.aging=young\n");
  const auto rows = untimed(test_dir() + "/cs/compare.csv");
  REQUIRE(rows.size() == 1 + 2 * 4);  // header; per trace two policies and two bounds
  const auto header = split(rows[0]);
  const std::size_t trace = std::find(header.begin(), header.end(), "trace") - header.begin();
  const std::size_t status = std::find(header.begin(), header.end(), "status") - header.begin();
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto cells = split(rows[i]);
    CHECK(cells[trace] == kSource + (i <= 4 ? "/traces/synthetic/hotcold-small.csv" : "/traces/synthetic/seq-small.csv"));
    CHECK(cells[status] == (i % 4 == 1 || i % 4 == 2 ? "ok" : "bound"));
  }
  REQUIRE(run_mmusim(compare + " --out cl").code == 0);
  CHECK(rows == untimed(test_dir() + "/cl/compare.csv"));
  CHECK(summary_untimed(test_dir() + "/cs/compare-summary.csv").size() > 1);
  CHECK(summary_untimed(test_dir() + "/cs/compare-summary.csv") == summary_untimed(test_dir() + "/cl/compare-summary.csv"));
}

TEST_CASE("slurm compare over --gen seeds: the traces are written once, a rerun submits nothing", "[cli][slurm][compare]") {
  std::filesystem::remove_all(test_dir() + "/cs");
  const std::string env = fake_slurm();
  const std::string compare = "compare --policies notifier,young --set host.mem_mb=2 --gen 'hotcold --accesses 2000 "
                              "--footprint-pages 600 --hot-pages 64' --seeds 1,2 --engine slurm --poll-seconds 0.05 --out cs";
  Result r = run_mmusim(compare, "", env);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("  wrote cs/compare.csv and cs/compare-summary.csv\n") != std::string::npos);
  CHECK(slurp(test_dir() + "/fake-slurm/last-id") == "43\n");  // a job array per seed's trace
  const auto written = std::filesystem::last_write_time(test_dir() + "/cs/gen/hotcold-seed2.csv");
  const auto rows = untimed(test_dir() + "/cs/compare.csv");
  REQUIRE(rows.size() == 1 + 2 * 4);
  r = run_mmusim(compare, "", env);
  REQUIRE(r.code == 0);
  CHECK(slurp(test_dir() + "/fake-slurm/last-id") == "43\n");  // every run done: nothing submitted
  CHECK(std::filesystem::last_write_time(test_dir() + "/cs/gen/hotcold-seed2.csv") == written);
  CHECK(untimed(test_dir() + "/cs/compare.csv") == rows);
  // Another workload in the folder would mix with these runs on resuming: refused.
  r = run_mmusim("compare --policies notifier,young --set host.mem_mb=2 --gen 'hotcold --accesses 2000' --seeds 1,2 "
                 "--engine slurm --out cs", "", env);
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: cs/gen: --out: holds the traces of another --gen workload (cs/gen/workload.txt); use another "
                 "--out folder\n");
}

TEST_CASE("a folder whose Slurm job is still queued is not submitted again nor run locally, a failing squeue is one message",
          "[cli][slurm][errors]") {
  std::filesystem::remove_all(test_dir() + "/sw");
  const std::string env = fake_slurm();
  std::filesystem::create_directories(test_dir() + "/sw/slurm");
  std::ofstream(test_dir() + "/sw/slurm/job-id") << "7\n";
  std::ofstream(test_dir() + "/fake-slurm/7.running");
  const std::string sweep = "sweep --engine slurm --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw";
  Result r = run_mmusim(sweep, "", env);
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw: --engine: Slurm job 7 of this folder is still queued or running (squeue -j 7); wait for it "
                 "to end, or scancel 7, then run again\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/fake-slurm/last-id"));
  // Nor run locally: its runs would race with the job's tasks; and the folder is left as it was.
  std::ofstream(test_dir() + "/sw/sweep.csv") << "the job's\n";
  r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw", "", env);
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw: --engine: Slurm job 7 of this folder is still queued or running (squeue -j 7); wait for it "
                 "to end, or scancel 7, then run again\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/sw/run0_tlb.l1d_entries=32/summary.csv"));
  CHECK(slurp(test_dir() + "/sw/sweep.csv") == "the job's\n");
  // squeue failing 3 times in a row is retried (still queued: refused as above), 4 times ends it.
  r = run_mmusim(sweep + " --poll-seconds 0.05", "",
                 env + " FAKE_SLURM_SQUEUE_FAIL='Unable to contact slurm controller' FAKE_SLURM_SQUEUE_FAILS=3");
  CHECK(r.code == 2);
  CHECK(r.err.find("Slurm job 7 of this folder is still queued or running") != std::string::npos);
  CHECK(slurp(test_dir() + "/fake-slurm/squeue-calls") == "4\n");
  std::filesystem::remove(test_dir() + "/fake-slurm/squeue-calls");
  r = run_mmusim(sweep + " --poll-seconds 0.05", "", env + " FAKE_SLURM_SQUEUE_FAIL='Unable to contact slurm controller'");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: squeue: failed 4 times in a row (exit 1): squeue: error: Unable to contact slurm controller; cannot "
                 "tell whether Slurm job 7 of this folder still runs: run the same command again when squeue answers\n");
  // While waiting for a job it submitted, the same: the job goes on.
  std::filesystem::remove_all(test_dir() + "/sw2");
  r = run_mmusim("sweep --engine slurm --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw2 --poll-seconds 0.05", "",
                 fake_slurm("FAKE_SLURM_SQUEUE_FAIL='Unable to contact slurm controller'"));
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: squeue: failed 4 times in a row (exit 1): squeue: error: Unable to contact slurm controller; Slurm "
                 "job 42 goes on: run the same command again to gather its runs when it ends\n");
  CHECK(slurp(test_dir() + "/fake-slurm/squeue-calls") == "4\n");
  // The local engine asks once, and runs when no controller answers (a folder copied off the cluster).
  std::filesystem::remove(test_dir() + "/fake-slurm/squeue-calls");
  r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw", "",
                 env + " FAKE_SLURM_SQUEUE_FAIL='Unable to contact slurm controller'");
  CHECK(r.code == 0);
  CHECK(slurp(test_dir() + "/fake-slurm/squeue-calls") == "1\n");
}

TEST_CASE("a compare that fails after its submission cancels the Slurm job", "[cli][slurm][compare][errors]") {
  std::filesystem::remove_all(test_dir() + "/cs");
  // The bounds read the trace while the job runs: its third line is malformed.
  std::filesystem::create_directories(test_dir());
  std::ofstream(test_dir() + "/bad.csv") << "op,gva\nR,0x1000\nR,zz12\n";
  const Result r = run_mmusim("compare --policies notifier --trace bad.csv --engine slurm --poll-seconds 0.05 --out cs", "",
                              fake_slurm());
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: bad.csv:3: gva: 'zz12' is not a hex address\n");
  CHECK(slurp(test_dir() + "/fake-slurm/scancel") == "42\n");
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/cs/compare.csv"));
  // The fake scancel stops the fake job's tasks (SIGTERM to their process group) and squeue no
  // longer lists the job.
  for (int i = 0; i < 400 && std::filesystem::exists(test_dir() + "/fake-slurm/42.running"); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK_FALSE(std::filesystem::exists(test_dir() + "/fake-slurm/42.running"));
}
