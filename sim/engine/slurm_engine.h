// The Slurm engine: a run list (DIR/slurm/runs.tsv, one line per run: its output folder, then its
// --set overrides, tab-separated) and a batch script (DIR/slurm/job.sh) whose array task i runs
// `mmusim run` for line i+1; one `sbatch` of the array, `squeue` polls until it leaves the queue,
// then each run's outcome is read from its folder: summary.csv (written by rename, so only a
// complete run has one), else exit-code (written by the task when mmusim ends), else none (the
// task was cancelled, preempted or timed out, or Slurm lost its output). SIGINT, SIGTERM or
// SIGHUP to the command while the job is in the queue cancel it (`scancel ID`, os/interrupt.h).
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace mmusim {

// Slurm's form of a job id: digits, optionally `_digits` (an array task). Anything else read from
// DIR/slurm/job-id or from sbatch is refused before it reaches a command.
bool is_slurm_job_id(const std::string& s);

// Throws InputError unless sbatch and squeue are on PATH.
void check_slurm_commands();

// The runs of a Slurm job still in the queue write the folders of `out_dir`: running them again,
// on Slurm or locally, would race with it. Throws InputError if DIR/slurm/job-id names a job
// squeue still lists. Nothing is checked without squeue on PATH. The Slurm engine passes
// `retry_seconds` (squeue failing four times in a row throws); without it (the local engine) squeue
// is asked once, and if no controller answers the runs go on.
void refuse_if_slurm_job_active(const std::string& out_dir, std::optional<double> retry_seconds);

// runs.tsv's text.
std::string slurm_run_list(const RunList& list);
// job.sh's text: `self` is the mmusim program, `cwd` the folder the tasks run in, `slurm_dir`
// where the run list is and Slurm's own output of each task goes (relative to cwd or absolute).
std::string slurm_script(const RunList& list, const EngineOptions& o, const std::string& self, const std::string& cwd,
                         const std::string& slurm_dir);

// `squeue -h -o '%T %r'` output (state, reason): how many lines (tasks or pending ranges) are
// still queued or running, how many of those are running, and the first pending one's reason.
struct QueueState {
  std::size_t active = 0, running = 0;
  std::string pending_reason;
};
QueueState parse_squeue_states(const std::string& out);

std::optional<std::vector<int>> run_on_slurm(const std::string& self, const RunList& list, const EngineOptions& o,
                                             const std::string& out_dir, const std::function<void(std::size_t, int)>& done,
                                             const std::function<void()>& meanwhile);

}  // namespace mmusim
