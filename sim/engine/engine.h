// How compare and sweep run their list of `mmusim run`s: on this machine as child processes
// (`--engine local`, -j at a time) or as one Slurm job array (`--engine slurm`). Both leave the
// same folders (summary.csv, timeline.csv, config.cfg, log.txt) for the command to gather.
#pragma once
#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mmusim {

// A run's status, as run_engine reports it: its exit code (0: it succeeded), -1 when it ended
// without a result (a Slurm task cancelled or lost), or kKilledBase - N when signal N killed it
// (run_status_text in run_results.h words each one).
constexpr int kKilledBase = -1000;

// One configuration: its output folder and its --set overrides (key=value), applied after the
// list's common arguments.
struct RunEntry {
  std::string dir;
  std::vector<std::string> overrides;
};

struct RunList {
  std::vector<std::string> head;  // `run` and its arguments before --out DIR
  std::vector<std::string> tail;  // the arguments common to every run after --out DIR
  std::vector<RunEntry> runs;

  // The arguments of run i after the program name: head, --out DIR, tail, --set for each override.
  std::vector<std::string> args(std::size_t i) const;
  std::string log(std::size_t i) const { return runs[i].dir + "/log.txt"; }
};

struct EngineOptions {
  std::string engine = "local";  // local | slurm
  unsigned jobs = 1;             // local: runs in parallel
  // slurm: sbatch's options, passed through when set; max_parallel 0 is no cap.
  std::string partition, time, mem;
  unsigned cpus_per_task = 0, max_parallel = 0;
  bool dry_run = false;
  double poll_seconds = 5;  // seconds between two squeue polls
  // seconds a run may take to show its results once the job has left the queue (a file another
  // node wrote shows late on NFS: the client caches a folder's listing for up to 30-60 s)
  double gather_grace_seconds = 60;
};

// --engine, the Slurm options and --dry-run.
void add_engine_options(boost::program_options::options_description& desc, EngineOptions& o);
// Refuses Slurm options with the local engine, and the slurm engine without sbatch and squeue
// on PATH (InputError, before any run starts).
void check_engine_options(const EngineOptions& o, const boost::program_options::variables_map& vm);

// Throws InputError if a Slurm job of `out_dir` (its slurm/job-id) is still queued or running:
// call it before changing anything in the folder, whatever the engine (the job's tasks read it).
// The slurm engine retries a failing squeue; the local engine asks once and goes on without an
// answer (refuse_if_slurm_job_active).
void refuse_if_job_still_runs(const std::string& out_dir, const EngineOptions& o);

// Runs the list (after refuse_if_job_still_runs); returns each run's exit status (-1: killed, or ended without a result), or
// nothing after a dry run. `done(i, status)` is called as each run ends; `meanwhile` runs in this
// process once the runs are started (local) or submitted (slurm). `out_dir` holds the Slurm files.
std::optional<std::vector<int>> run_engine(const std::string& self, const RunList& list, const EngineOptions& o,
                                           const std::string& out_dir,
                                           const std::function<void(std::size_t, int)>& done = {},
                                           const std::function<void()>& meanwhile = {});

}  // namespace mmusim
