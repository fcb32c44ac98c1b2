#include "engine/engine.h"

#include "engine/slurm_engine.h"
#include "util/input_error.h"
#include "engine/run_pool.h"

namespace po = boost::program_options;

namespace mmusim {

std::vector<std::string> RunList::args(std::size_t i) const {
  std::vector<std::string> a = head;
  a.insert(a.end(), {"--out", runs[i].dir});
  a.insert(a.end(), tail.begin(), tail.end());
  for (const std::string& s : runs[i].overrides) a.insert(a.end(), {"--set", s});
  return a;
}

void add_engine_options(po::options_description& desc, EngineOptions& o) {
  desc.add_options()("engine", po::value(&o.engine), "local (default: child processes, -j at a time) or slurm (one job array)")(
      "partition", po::value(&o.partition), "slurm: sbatch --partition")(
      "time", po::value(&o.time), "slurm: sbatch --time, per run (e.g. 2:00:00)")(
      "mem", po::value(&o.mem), "slurm: sbatch --mem, per run (e.g. 4G)")(
      "cpus-per-task", po::value(&o.cpus_per_task), "slurm: sbatch --cpus-per-task")(
      "max-parallel", po::value(&o.max_parallel), "slurm: at most N runs at once (--array ...%N)")(
      "poll-seconds", po::value(&o.poll_seconds), "slurm: seconds between two squeue polls (default 5)")(
      "gather-grace-seconds", po::value(&o.gather_grace_seconds),
      "slurm: seconds a run may take to show its results after the job has left the queue, as on NFS (default 60)")(
      "dry-run", po::bool_switch(&o.dry_run), "slurm: write and print the batch script and run list, do not submit");
}

void check_engine_options(const EngineOptions& o, const po::variables_map& vm) {
  if (o.engine != "local" && o.engine != "slurm")
    throw InputError("--engine", 0, "", "'" + o.engine + "' is neither local nor slurm");
  if (o.engine == "local") {
    for (const char* opt :
         {"partition", "time", "mem", "cpus-per-task", "max-parallel", "poll-seconds", "gather-grace-seconds", "dry-run"})
      if (vm.count(opt) && !vm[opt].defaulted())
        throw InputError(std::string("--") + opt, 0, "", "only with --engine slurm");
    return;
  }
  if (vm.count("jobs") && !vm["jobs"].defaulted())
    throw InputError("--jobs", 0, "", "only with --engine local (--max-parallel caps a Slurm array)");
  if (vm.count("cpus-per-task") && o.cpus_per_task == 0) throw InputError("--cpus-per-task", 0, "", "must be at least 1");
  if (vm.count("max-parallel") && o.max_parallel == 0) throw InputError("--max-parallel", 0, "", "must be at least 1");
  if (!(o.poll_seconds > 0 && o.poll_seconds <= 3600))
    throw InputError("--poll-seconds", 0, "", "must be above 0 and at most 3600");
  if (!(o.gather_grace_seconds >= 0 && o.gather_grace_seconds <= 3600))
    throw InputError("--gather-grace-seconds", 0, "", "must be at least 0 and at most 3600");
  for (const std::string& s : {o.partition, o.time, o.mem})
    for (char c : s)
      if (c == '\n' || c == '\'' || c == ' ' || c == '\t')
        throw InputError("--engine", 0, "slurm", "'" + s + "' holds a space, quote or line break, which sbatch options cannot");
  if (!o.dry_run) check_slurm_commands();
}

void refuse_if_job_still_runs(const std::string& out_dir, const EngineOptions& o) {
  refuse_if_slurm_job_active(out_dir, o.engine == "slurm" ? std::optional<double>(o.poll_seconds) : std::nullopt);
}

std::optional<std::vector<int>> run_engine(const std::string& self, const RunList& list, const EngineOptions& o,
                                           const std::string& out_dir, const std::function<void(std::size_t, int)>& done,
                                           const std::function<void()>& meanwhile) {
  if (o.engine == "slurm") return run_on_slurm(self, list, o, out_dir, done, meanwhile);
  std::vector<ChildRun> runs;
  for (std::size_t i = 0; i < list.runs.size(); ++i) runs.push_back({list.args(i), list.log(i)});
  return run_pool(self, runs, o.jobs, done, meanwhile);
}

}  // namespace mmusim
