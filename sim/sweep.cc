#include "sweep.h"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "input_error.h"
#include "os/folder_lock.h"
#include "os/interrupt.h"
#include "os/safe_file.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "run_pool.h"
#include "run_results.h"
#include "stats/summary.h"
#include "trace/reader.h"

namespace po = boost::program_options;

namespace mmusim {

namespace {

// At most this many runs in one sweep (each is a folder of files and a process).
constexpr std::uint64_t kMaxSweepRuns = 10000;

struct Vary {
  std::string key;
  std::vector<std::string> values;
};

Vary parse_vary(const std::string& s) {
  const auto eq = s.find('=');
  Vary v;
  v.key = s.substr(0, eq);
  if (eq == std::string::npos || v.key.empty()) throw InputError("--vary", 0, "", "expected key=v1,v2,..., got '" + s + "'");
  if (!find_key(v.key)) throw InputError("--vary", 0, v.key, "unknown key (`mmusim config --list` shows every key)");
  std::stringstream in(s.substr(eq + 1));
  for (std::string x; std::getline(in, x, ',');) {
    if (x.empty()) throw InputError("--vary", 0, v.key, "empty value in '" + s + "'");
    v.values.push_back(x);
  }
  if (v.values.empty()) throw InputError("--vary", 0, v.key, "no values in '" + s + "'");
  return v;
}

// A folder name for one combination: its index and its values, safe for a file system.
std::string run_name(std::size_t index, const std::vector<std::pair<std::string, std::string>>& combo) {
  std::string n = "run" + std::to_string(index);
  for (const auto& [k, v] : combo) n += "_" + k + "=" + v;
  for (char& c : n)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '=' || c == '_' || c == '-')) c = '_';
  return n;
}

}  // namespace

int sweep_command(const std::string& self, const std::vector<std::string>& args) {
  std::string config_file, trace, out_dir = "out", format = "auto";
  std::vector<std::string> sets, varies;
  EngineOptions engine;
  unsigned& jobs = engine.jobs;
  bool skip_bad = false;
  po::options_description desc("mmusim sweep");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file")("format", po::value(&format), "auto, csv, lackey")(
      "set", po::value(&sets)->composing(), "override a key for every run (repeatable)")(
      "vary", po::value(&varies)->composing(), "key=v1,v2,...: one run per value (repeatable: the product)")(
      "jobs,j", po::value(&jobs), "runs in parallel (default 1)")("out,o", po::value(&out_dir), "output directory")(
      "skip-bad-lines", po::bool_switch(&skip_bad),
      "skip and count malformed trace records (mmusim run --skip-bad-lines; each run's log.txt names the first)");
  add_engine_options(desc, engine);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  check_engine_options(engine, vm);

  // Everything is checked before any run starts: keys, every value of every combination.
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  if (varies.empty()) throw InputError("", 0, "--vary", "at least one --vary key=v1,v2,... is required");
  if (jobs == 0) throw InputError("--jobs", 0, "", "must be at least 1");
  std::vector<Vary> vs;
  for (const std::string& v : varies) {
    vs.push_back(parse_vary(v));
    for (std::size_t i = 0; i + 1 < vs.size(); ++i)
      if (vs[i].key == vs.back().key) throw InputError("--vary", 0, vs.back().key, "varied twice");
    for (const std::string& x : vs.back().values) check_csv_text(x, "--vary");
  }
  check_csv_text(trace, "--trace");
  refuse_read_once_trace(trace, "sweep");  // every run reads it
  open_trace(trace, parse_trace_format(format, "--format"));  // opens it, tells its format, reads a CSV header
  // The number of runs is checked before anything is built (a product of long lists is huge).
  std::uint64_t product = 1;
  bool overflow = false;
  std::string factors;
  for (const Vary& v : vs) {
    overflow = overflow || __builtin_mul_overflow(product, static_cast<std::uint64_t>(v.values.size()), &product);
    factors += (factors.empty() ? "" : " x ") + std::to_string(v.values.size());
  }
  if (overflow || product > kMaxSweepRuns)
    throw InputError("--vary", 0, "", factors + " = " + (overflow ? "more than 2^64" : std::to_string(product)) +
                                          " combinations, more than the limit of " + std::to_string(kMaxSweepRuns) +
                                          " runs in one sweep; split it over several --out folders");
  std::vector<std::vector<std::pair<std::string, std::string>>> combos = {{}};
  for (const Vary& v : vs) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& c : combos)
      for (const std::string& x : v.values) {
        auto d = c;
        d.emplace_back(v.key, x);
        next.push_back(d);
      }
    combos = next;
  }
  for (const auto& c : combos) {
    std::vector<std::string> all = sets;
    for (const auto& [k, v] : c) all.push_back(k + "=" + v);
    load_config(config_file, all);  // throws InputError naming the bad key or value
  }
  make_dir(out_dir);
  const FolderLock lock(out_dir, "sweep");  // one command per folder, until every run has ended
  exit_on_interrupt();  // SIGINT, SIGTERM, SIGHUP: the runs are stopped and waited for, then exit 128+N
  // Before anything in the folder changes: the runs of a Slurm job still queued there read it.
  refuse_if_job_still_runs(out_dir, engine);
  // Resuming is only safe for the same request: the folder remembers what it was made for.
  claim_folder(out_dir, "sweep", run_request(trace, format, config_file, sets) + (skip_bad ? "skip-bad-lines\n" : ""));
  const std::string csv = out_dir + "/sweep.csv";
  std::remove(csv.c_str());

  RunList runs{{"run", "-q", "--trace", trace, "--format", format}, {}, {}};
  if (!config_file.empty()) runs.tail.insert(runs.tail.end(), {"--config", config_file});
  for (const std::string& s : sets) runs.tail.insert(runs.tail.end(), {"--set", s});
  if (skip_bad) runs.tail.push_back("--skip-bad-lines");
  std::vector<std::size_t> which;  // combination of each run
  std::vector<std::string> dirs;
  for (std::size_t i = 0; i < combos.size(); ++i) {
    const std::string dir = out_dir + "/" + run_name(i, combos[i]);
    dirs.push_back(dir);
    if (std::ifstream(dir + "/summary.csv")) continue;  // done by an earlier sweep
    make_dir(dir);
    RunEntry r{dir, {}};
    for (const auto& [k, v] : combos[i]) r.overrides.push_back(k + "=" + v);
    runs.runs.push_back(r);
    which.push_back(i);
  }
  const bool tty = isatty(STDERR_FILENO) && engine.engine == "local";  // the slurm engine shows its own
  std::size_t finished = 0, failed = 0;
  const std::size_t skipped = combos.size() - runs.runs.size();
  auto show = [&] {
    if (tty)
      std::fprintf(stderr, "\r%zu/%zu runs done (%zu skipped, %zu failed)   ", finished + skipped, combos.size(), skipped,
                   failed);
  };
  show();
  const std::optional<std::vector<int>> ran = run_engine(self, runs, engine, out_dir, [&](std::size_t, int st) {
    ++finished;
    failed += st != 0;
    show();
  });
  if (tty) std::fprintf(stderr, "\r\033[K");
  if (!ran) return 0;  // a dry run
  const std::vector<int>& status = *ran;

  // sweep.csv: the varied keys, then every summary column, then the run's status.
  std::vector<std::string> status_of(combos.size(), "ok");
  for (std::size_t r = 0; r < runs.runs.size(); ++r)
    if (status[r] != 0)
      status_of[which[r]] = "failed (" + run_status_text(status[r]) + "): " + first_log_line(runs.log(r));
  AtomicFile file(csv, "--out");
  std::ostream& out = file.out();
  for (const Vary& v : vs) out << v.key << ',';
  for (const ColumnSpec& c : summary_columns()) out << c.name << ',';
  out << "status\n";
  for (std::size_t i = 0; i < combos.size(); ++i) {
    for (const auto& [k, v] : combos[i]) out << v << ',';
    // By header name (a summary of other columns is refused by name); a run that exited 0 without
    // a summary.csv did not complete: failed, with empty figures.
    std::optional<std::map<std::string, std::string>> row;
    if (status_of[i] == "ok" && !(row = read_run_summary(dirs[i] + "/summary.csv")))
      status_of[i] = "failed (no summary.csv): " + first_log_line(dirs[i] + "/log.txt");
    for (const ColumnSpec& c : summary_columns()) out << (row ? row->at(c.name) : "") << ',';
    out << status_of[i] << '\n';
  }
  file.commit();
  failed = static_cast<std::size_t>(
      std::count_if(status_of.begin(), status_of.end(), [](const std::string& st) { return st != "ok"; }));
  std::cout << combos.size() << " runs (" << skipped << " already done, " << failed << " failed); wrote " << csv << '\n';
  return 0;
}

}  // namespace mmusim
