#include "engine/slurm_engine.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "commands/cli_support.h"
#include "os/interrupt.h"
#include "os/process.h"
#include "os/safe_file.h"
#include "util/input_error.h"
#include "util/printable.h"

namespace mmusim {

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// A command's output on one line, for a message.
std::string one_line(const std::string& s) {
  std::string line;
  std::stringstream in(s);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) line += (line.empty() ? "" : "; ") + l;
  return line.empty() ? "(no output)" : line;
}

// An #SBATCH option's value: sbatch reads a value with spaces in double quotes.
std::string directive_value(const std::string& v) {
  if (v.find_first_of("\"\n") != std::string::npos)
    throw InputError(v, 0, "--out", "a double quote or line break cannot go into an #SBATCH line");
  return v.find(' ') == std::string::npos ? v : "\"" + v + "\"";
}

// `path` in an #SBATCH --output filename pattern, where Slurm replaces %A, %a, ... and reads "%%" as
// one '%'; a backslash anywhere would turn off every replacement (sbatch(1), "filename pattern").
std::string output_pattern_literal(const std::string& path) {
  if (path.find('\\') != std::string::npos)
    throw InputError(path, 0, "--out", "a backslash cannot go into an #SBATCH --output pattern (Slurm would not replace %A_%a)");
  std::string s;
  for (char c : path) s += c == '%' ? std::string("%%") : std::string(1, c);
  return s;
}

// A file of the Slurm folder, written whole under a temporary name and renamed (never through a
// link someone left there); a write error throws InputError.
void write_file(const std::string& path, const std::string& text) {
  AtomicFile file(path, "--out");
  file.out() << text;
  file.commit();
}

bool exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

// What the queue says of job `id`; an id Slurm has forgotten has left the queue. squeue fails
// while the controller is unreachable for a moment (a restart, a busy controller timing out): a
// failure is retried attempts - 1 times, `retry_seconds` apart; then the error ends with `then`
// (by default: the job goes on, run again to gather it).
constexpr int kSqueueAttempts = 4;
QueueState query_queue(const std::string& id, double retry_seconds, int attempts = kSqueueAttempts,
                       std::string then = "") {
  if (then.empty()) then = "Slurm job " + id + " goes on: run the same command again to gather its runs when it ends";
  for (int attempt = 1;; ++attempt) {
    const Captured c = run_capture({"squeue", "-h", "-j", id, "-o", "%T %r"});
    if (c.code == 0) return parse_squeue_states(c.out);
    if (c.out.find("Invalid job id") != std::string::npos) return {};
    if (attempt == attempts)
      throw InputError("squeue", 0, "", "failed " + std::to_string(attempts) + " times in a row (exit " +
                                            std::to_string(c.code) + "): " + one_line(c.out) + "; " + then);
    std::this_thread::sleep_for(std::chrono::duration<double>(retry_seconds));
  }
}

// A run's outcome from its folder, as the local engine judges by the exit status: a non-zero exit
// code the task wrote, else 0 with a summary.csv (the task may be writing its exit code), else -1
// once `final` (an exit code 0 without a summary.csv, or nothing), or nothing yet.
std::optional<int> outcome(const RunEntry& r, bool final) {
  // exit-code first: a task renames summary.csv in before it writes exit-code, so a summary.csv
  // missing after an exit-code 0 was read is really missing (or not shown yet, on NFS).
  std::ifstream in(r.dir + "/exit-code");
  int code = -1;
  const bool has_code = static_cast<bool>(in >> code);
  if (has_code && code != 0) return code;
  if (exists(r.dir + "/summary.csv")) return 0;
  if (final) return -1;
  return std::nullopt;
}

// Submits the job script; returns the job id, or throws with sbatch's message.
std::string submit(const std::string& script) {
  const Captured sub = run_capture({"sbatch", "--parsable", script});
  std::string id;
  std::stringstream in(sub.out);
  for (std::string line; std::getline(in, line);)  // the job id (then ";cluster") is the last line
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) id = line.substr(0, line.find(';'));
  if (sub.code != 0 || id.empty())
    throw InputError("sbatch", 0, "", "refused " + script + " (exit " + std::to_string(sub.code) + "): " + one_line(sub.out));
  if (!is_slurm_job_id(id))
    throw InputError("sbatch", 0, "",
                     "answered '" + printable(id) + "', which is not a Slurm job id (digits, optionally _digits)");
  return id;
}

// While it lives, SIGINT, SIGTERM or SIGHUP to the command cancel Slurm job `id` (os/interrupt.h:
// the handler runs `scancel ID` with an argument vector, as a user would by hand) instead of
// leaving its runs to go on for a command that is gone; the runs a rerun finds without a
// summary.csv are submitted again.
class CancelOnInterrupt {
 public:
  explicit CancelOnInterrupt(const std::string& id) {
    const std::string scancel = find_on_path("scancel");
    if (scancel.empty())
      set_interrupt_command({}, "mmusim: interrupted: Slurm job " + id + " goes on (no scancel on PATH to cancel it)\n");
    else
      set_interrupt_command({scancel, id}, "mmusim: interrupted: scancel " + id +
                                               " (the Slurm job of this command); the same command again submits "
                                               "the runs that have no result\n");
  }
  ~CancelOnInterrupt() { forget_interrupt_command(); }
  CancelOnInterrupt(const CancelOnInterrupt&) = delete;
  CancelOnInterrupt& operator=(const CancelOnInterrupt&) = delete;
};

// Polls squeue until job `id` has left the queue, showing progress on stderr and calling
// `done` as each run's outcome appears in its folder; lists the runs that failed.
std::vector<int> wait_for(const std::string& id, const RunList& list, const EngineOptions& o, const std::string& slurm_dir,
                          const std::function<void(std::size_t, int)>& done) {
  const bool tty = isatty(STDERR_FILENO);
  std::vector<std::optional<int>> status(list.runs.size());
  std::string last;
  // Once the job has left the queue, a run with no outcome yet counts as lost only after
  // o.gather_grace_seconds more (polled every o.poll_seconds): on a shared file system (NFS) a file
  // another node wrote can take that long to show here.
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> left;  // when squeue first showed the job gone
  for (bool first = true;; first = false) {
    if (!first) std::this_thread::sleep_for(std::chrono::duration<double>(o.poll_seconds));
    const QueueState q = query_queue(id, o.poll_seconds);
    if (q.active > 0) left.reset();
    else if (!left) left = Clock::now();
    const bool final = left && Clock::now() - *left >= std::chrono::duration<double>(o.gather_grace_seconds);
    std::size_t finished = 0, failed = 0;
    for (std::size_t i = 0; i < list.runs.size(); ++i) {
      if (!status[i] && (status[i] = outcome(list.runs[i], final)) && done) done(i, *status[i]);
      finished += status[i].has_value();
      failed += status[i].has_value() && *status[i] != 0;
    }
    char counts[160];
    std::snprintf(counts, sizeof counts, "Slurm job %s: %zu/%zu runs done (%zu failed, %zu running)", id.c_str(), finished,
                  list.runs.size(), failed, q.running);
    // Why the rest waits, as squeue says (Resources, Priority, PartitionConfig, ...).
    const std::string line = counts + (q.pending_reason.empty() ? "" : "; pending: " + q.pending_reason);
    if (tty) {
      std::fprintf(stderr, "\r%s   ", line.c_str());
    } else if (line != last) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    last = line;
    if (q.active == 0 && (final || finished == list.runs.size())) break;
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  std::vector<int> codes;
  for (std::size_t i = 0; i < list.runs.size(); ++i) {
    codes.push_back(*status[i]);
    if (codes.back() == 0) continue;
    const std::string& dir = list.runs[i].dir;
    if (codes.back() > 0)  // the task's exit-code
      std::cerr << "mmusim: run " << dir << " failed (exit " << codes.back() << "); its log: " << list.log(i) << '\n';
    else
      std::cerr << "mmusim: run " << dir << " ended without a result (the Slurm task was cancelled, preempted or timed out, or "
                << "lost its output); its logs: " << list.log(i) << ", " << slurm_dir << "/" << id << "_" << i << ".out\n";
  }
  return codes;
}

}  // namespace

bool is_slurm_job_id(const std::string& s) {
  const std::size_t us = s.find('_');
  auto digits = [](const std::string& d) {
    return !d.empty() && d.size() <= 20 && d.find_first_not_of("0123456789") == std::string::npos;
  };
  if (us == std::string::npos) return digits(s);
  return digits(s.substr(0, us)) && digits(s.substr(us + 1));
}

void refuse_if_slurm_job_active(const std::string& out_dir, std::optional<double> retry_seconds) {
  const std::string job_file = out_dir + "/slurm/job-id";
  std::string job;
  if (!(std::ifstream(job_file) >> job) || !on_path("squeue")) return;
  if (!is_slurm_job_id(job))
    throw InputError(job_file, 1, "", "'" + printable(job) + "' is not a Slurm job id (digits, optionally _digits); "
                                      "remove the file if no job of this folder runs");
  QueueState q;
  if (retry_seconds) {
    q = query_queue(job, *retry_seconds, kSqueueAttempts,
                    "cannot tell whether Slurm job " + job + " of this folder still runs: run the same command again when "
                    "squeue answers");
  } else {
    try {
      q = query_queue(job, 0, 1);
    } catch (const InputError&) {
      return;  // no controller answers (a folder copied off the cluster, say): nothing to race with here
    }
  }
  if (q.active > 0)
    throw InputError(out_dir, 0, "--engine", "Slurm job " + job + " of this folder is still queued or running (squeue -j " + job +
                                                 "); wait for it to end, or scancel " + job + ", then run again");
}

void check_slurm_commands() {
  for (const char* cmd : {"sbatch", "squeue"})
    if (!on_path(cmd))
      throw InputError("--engine", 0, "slurm",
                       std::string("no ") + cmd +
                           " on PATH (Slurm's client commands: slurm-client on Debian); --dry-run writes the batch script "
                           "to submit by hand");
}

std::string slurm_run_list(const RunList& list) {
  std::string text;
  for (const RunEntry& r : list.runs) {
    std::vector<std::string> fields = {r.dir};
    fields.insert(fields.end(), r.overrides.begin(), r.overrides.end());
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].find_first_of("\t\n") != std::string::npos)
        throw InputError(r.dir, 0, "--engine", "a tab or line break in '" + fields[i] + "' cannot go into the Slurm run list");
      text += (i ? "\t" : "") + fields[i];
    }
    text += '\n';
  }
  return text;
}

std::string slurm_script(const RunList& list, const EngineOptions& o, const std::string& self, const std::string& cwd,
                         const std::string& slurm_dir) {
  std::ostringstream s;
  s << "#!/bin/bash\n";
  s << "#SBATCH --job-name=mmusim\n";
  s << "#SBATCH --array=0-" << list.runs.size() - 1;
  if (o.max_parallel) s << '%' << o.max_parallel;
  s << '\n';
  s << "#SBATCH --chdir=" << directive_value(cwd) << '\n';
  s << "#SBATCH --output=" << directive_value(output_pattern_literal(slurm_dir) + "/%A_%a.out") << '\n';
  if (!o.partition.empty()) s << "#SBATCH --partition=" << o.partition << '\n';
  if (!o.time.empty()) s << "#SBATCH --time=" << o.time << '\n';
  if (!o.mem.empty()) s << "#SBATCH --mem=" << o.mem << '\n';
  if (o.cpus_per_task) s << "#SBATCH --cpus-per-task=" << o.cpus_per_task << '\n';
  s << "# The job's id, for a later mmusim in this folder (it waits while the job is queued or running),\n"
       "# written by the tasks too, so that a job submitted by hand is known once it runs.\n";
  const std::string job_file = shell_quote(slurm_dir + "/job-id");
  s << "if [ -n \"${SLURM_ARRAY_JOB_ID:-}\" ]; then\n"
    << "  echo \"$SLURM_ARRAY_JOB_ID\" >" << job_file << ".$SLURM_ARRAY_TASK_ID && mv -f " << job_file
    << ".$SLURM_ARRAY_TASK_ID " << job_file << "\n"
    << "fi\n";
  s << "# Array task i runs `mmusim run` for line i+1 of the run list (tab-separated: the run's output\n"
       "# folder, then its --set overrides). The run's summary.csv appears only when it completes (written\n"
       "# by rename); exit-code records how mmusim ended.\n";
  s << "IFS=$'\\t' read -r -a run < <(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" " << shell_quote(slurm_dir + "/runs.tsv")
    << ")\n";
  s << "dir=${run[0]}\n";
  s << "sets=()\n";
  s << "for s in \"${run[@]:1}\"; do sets+=(--set \"$s\"); done\n";
  s << "# New files only (noclobber: created with O_EXCL), never through a link left in the folder.\n";
  s << "set -C\n";
  s << "mkdir -p \"$dir\" && rm -f \"$dir/exit-code\" \"$dir/exit-code.tmp\" \"$dir/log.txt\" || exit 1\n";
  s << shell_quote(self);
  for (const std::string& a : list.head) s << ' ' << shell_quote(a);
  s << " --out \"$dir\"";
  for (const std::string& a : list.tail) s << ' ' << shell_quote(a);
  s << " \"${sets[@]}\" >\"$dir/log.txt\" 2>&1\n";
  s << "code=$?\n";
  s << "echo \"$code\" >\"$dir/exit-code.tmp\" && mv -f \"$dir/exit-code.tmp\" \"$dir/exit-code\"\n";
  s << "exit \"$code\"\n";
  return s.str();
}

QueueState parse_squeue_states(const std::string& out) {
  // Job states that have left the queue for good (squeue(1), JOB STATE CODES); any other state
  // (PENDING, RUNNING, COMPLETING, SUSPENDED, REQUEUED, ...) is still to wait for.
  static const std::set<std::string> ended = {"COMPLETED", "FAILED",        "CANCELLED",    "TIMEOUT",
                                              "PREEMPTED", "NODE_FAIL",     "BOOT_FAIL",    "DEADLINE",
                                              "OUT_OF_MEMORY", "SPECIAL_EXIT", "REVOKED"};
  QueueState q;
  std::stringstream in(out);
  for (std::string line; std::getline(in, line);) {
    std::stringstream fields(line);
    std::string state, reason;
    if (!(fields >> state) || ended.count(state)) continue;
    ++q.active;
    q.running += state == "RUNNING";
    if (state == "PENDING" && fields >> reason && reason != "None" && q.pending_reason.empty()) q.pending_reason = reason;
  }
  return q;
}

std::optional<std::vector<int>> run_on_slurm(const std::string& self, const RunList& list, const EngineOptions& o,
                                             const std::string& out_dir, const std::function<void(std::size_t, int)>& done,
                                             const std::function<void()>& meanwhile) {
  const std::string slurm_dir = out_dir + "/slurm", script = slurm_dir + "/job.sh", runs_file = slurm_dir + "/runs.tsv",
                    job_file = slurm_dir + "/job-id";
  make_dir(slurm_dir);
  if (list.runs.empty()) {
    if (o.dry_run) {
      std::cout << "nothing to submit: every run has its summary.csv\n";
      return std::nullopt;
    }
    if (meanwhile) meanwhile();
    return std::vector<int>{};
  }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) throw InputError("--out", 0, "", "cannot read the current folder");
  const std::string list_text = slurm_run_list(list), script_text = slurm_script(list, o, self, cwd, slurm_dir);
  for (const RunEntry& r : list.runs) std::remove((r.dir + "/exit-code").c_str());
  write_file(runs_file, list_text);
  write_file(script, script_text);
  if (o.dry_run) {
    std::cout << "==> " << script << " <==\n" << script_text << "==> " << runs_file << " <==\n" << list_text
              << "not submitted (--dry-run): submit with `sbatch " << script
              << "`; when the job has ended, the same command without --dry-run gathers the runs\n";
    return std::nullopt;
  }

  std::string id;
  std::optional<CancelOnInterrupt> cancel;
  {
    // An interruption while sbatch runs waits for its answer: the job it made is cancelled then.
    const InterruptsBlocked blocked;
    id = submit(script);
    cancel.emplace(id);
  }
  write_file(job_file, id + "\n");
  if (meanwhile) {
    try {
      meanwhile();
    } catch (...) {  // do not leave the array running for a command that failed
      run_capture({"scancel", id});
      throw;
    }
  }
  return wait_for(id, list, o, slurm_dir, done);
}

}  // namespace mmusim
