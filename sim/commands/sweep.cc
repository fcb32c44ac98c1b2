#include "commands/sweep.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "commands/cli_support.h"
#include "util/input_error.h"
#include "os/folder_lock.h"
#include "os/interrupt.h"
#include "os/safe_file.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "commands/machine_bounds.h"
#include "commands/seeded_traces.h"
#include "commands/spread_summary.h"
#include "engine/run_pool.h"
#include "engine/run_results.h"
#include "stats/summary.h"
#include "trace/format_options.h"
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
  std::string config_file, out_dir = "out", trace_list;
  TraceFormatArgs format;
  std::vector<std::string> traces, sets, varies;
  EngineOptions engine;
  SeedOptions seed_options;
  unsigned& jobs = engine.jobs;
  bool skip_bad = false;
  po::options_description desc("mmusim sweep");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&traces)->composing(),
      "trace file; repeat it for several traces (sweep-summary.csv then gives each configuration's mean and 95% "
      "confidence interval over them)")("traces", po::value(&trace_list),
                                         "a file naming traces, one a line, as --trace repeated");
  add_trace_format_options(desc, format);
  desc.add_options()(
      "set", po::value(&sets)->composing(), "override a key for every run (repeatable)")(
      "vary", po::value(&varies)->composing(), "key=v1,v2,...: one run per value (repeatable: the product)")(
      "jobs,j", po::value(&jobs), "runs in parallel (default 1)")("out,o", po::value(&out_dir), "output directory")(
      "skip-bad-lines", po::bool_switch(&skip_bad),
      "skip and count malformed trace records (mmusim run --skip-bad-lines; each run's log.txt names the first)");
  add_seed_options(desc, seed_options);
  add_engine_options(desc, engine);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  check_engine_options(engine, vm);

  // Everything is checked before any run starts: keys, every value of every combination.
  if (!trace_list.empty()) add_trace_list(trace_list, traces);
  const std::optional<SeededTraces> seeded = plan_seeded_traces(seed_options, vm, out_dir, !traces.empty());
  if (seeded) traces = seeded->paths;  // written once the folder is this command's
  if (traces.empty()) throw InputError("", 0, "--trace", "a trace file is required (or --gen and --seeds)");
  if (varies.empty()) throw InputError("", 0, "--vary", "at least one --vary key=v1,v2,... is required");
  if (jobs == 0) throw InputError("--jobs", 0, "", "must be at least 1");
  std::vector<Vary> vs;
  for (const std::string& v : varies) {
    vs.push_back(parse_vary(v));
    for (std::size_t i = 0; i + 1 < vs.size(); ++i)
      if (vs[i].key == vs.back().key) throw InputError("--vary", 0, vs.back().key, "varied twice");
    for (const std::string& x : vs.back().values) check_csv_text(x, "--vary");
  }
  const TraceOptions how = format.options();
  check_seeded_format(seeded, how.format);
  for (std::size_t i = 0; !seeded && i < traces.size(); ++i) {
    check_csv_text(traces[i], "--trace");
    refuse_read_once_trace(traces[i], "sweep");  // every run reads it
    open_trace(traces[i], how);  // opens it, tells its format, reads a CSV header
    for (std::size_t j = 0; j < i; ++j)
      if (traces[j] == traces[i]) throw InputError("--trace", 0, "", "'" + traces[i] + "' named twice");
  }
  // The number of runs is checked before anything is built (a product of long lists is huge).
  std::uint64_t product = traces.size();
  bool overflow = false;
  std::string factors = traces.size() > 1 ? std::to_string(traces.size()) + " traces" : "";
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
  // The bounds of each distinct machine (bound_keys): its index by combination.
  std::vector<std::size_t> machine_of;
  std::vector<std::pair<std::vector<std::string>, SimConfig>> machines;
  for (const auto& c : combos) {
    std::vector<std::string> all = sets;
    for (const auto& [k, v] : c) all.push_back(k + "=" + v);
    const Config cfg = load_config(config_file, all);  // throws InputError naming the bad key or value
    std::vector<std::string> m;
    for (const std::string& k : bound_keys())
      for (const auto& [name, value] : cfg.effective())
        if (name == k) m.push_back(value);
    std::size_t i = 0;
    while (i < machines.size() && machines[i].first != m) ++i;
    if (i == machines.size()) machines.emplace_back(m, cfg.values());
    machine_of.push_back(i);
  }
  make_dir(out_dir);
  const FolderLock lock(out_dir, "sweep");  // one command per folder, until every run has ended
  exit_on_interrupt();  // SIGINT, SIGTERM, SIGHUP: the runs are stopped and waited for, then exit 128+N
  // Before anything in the folder changes: the runs of a Slurm job still queued there read it.
  refuse_if_job_still_runs(out_dir, engine);
  // A sweep resumes: the folder's traces must be of the same workload (before the request, which
  // names the traces' sizes and modification times).
  if (seeded) write_seeded_traces(*seeded, true);
  // Resuming is only safe for the same request: the folder remembers what it was made for.
  std::string request;
  for (const std::string& t : traces) request += run_request(t, format.format, config_file, sets);
  claim_folder(out_dir, "sweep", request + format.request_lines() + (skip_bad ? "skip-bad-lines\n" : ""));
  const std::string csv = out_dir + "/sweep.csv", summary_csv = out_dir + "/sweep-summary.csv";
  std::remove(csv.c_str());
  std::remove(summary_csv.c_str());

  const bool tty = isatty(STDERR_FILENO) && engine.engine == "local";  // the slurm engine shows its own
  const std::size_t total = combos.size() * traces.size();
  std::size_t finished = 0, failed = 0, skipped = 0;
  auto show = [&] {
    if (tty)
      std::fprintf(stderr, "\r%zu/%zu runs done (%zu skipped, %zu failed)   ", finished + skipped, total, skipped, failed);
  };
  // Per trace: each combination's folder and status, and each machine's bounds.
  std::vector<std::vector<std::string>> dirs(traces.size()), status_of(traces.size());
  std::vector<std::vector<MachineBounds>> bounds(traces.size());
  std::vector<std::string> failed_logs;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const std::string tdir = trace_folder(out_dir, traces, t);
    make_dir(tdir);
    RunList runs{{"run", "-q", "--trace", traces[t]}, {}, {}};
    for (const std::string& a : format.run_args()) runs.head.push_back(a);
    if (!config_file.empty()) runs.tail.insert(runs.tail.end(), {"--config", config_file});
    for (const std::string& s : sets) runs.tail.insert(runs.tail.end(), {"--set", s});
    if (skip_bad) runs.tail.push_back("--skip-bad-lines");
    std::vector<std::size_t> which;  // combination of each run
    for (std::size_t i = 0; i < combos.size(); ++i) {
      const std::string dir = tdir + "/" + run_name(i, combos[i]);
      dirs[t].push_back(dir);
      if (std::ifstream(dir + "/summary.csv")) {  // done by an earlier sweep
        ++skipped;
        continue;
      }
      make_dir(dir);
      RunEntry r{dir, {}};
      for (const auto& [k, v] : combos[i]) r.overrides.push_back(k + "=" + v);
      runs.runs.push_back(r);
      which.push_back(i);
    }
    show();
    // The bounds, once per distinct machine, while the runs go.
    const std::optional<std::vector<int>> ran = run_engine(
        self, runs, engine, tdir,
        [&](std::size_t, int st) {
          ++finished;
          failed += st != 0;
          show();
        },
        [&] {
          for (const auto& m : machines) bounds[t].push_back(machine_bounds(traces[t], how, m.second, skip_bad));
        });
    if (!ran) {  // a dry run
      if (tty) std::fprintf(stderr, "\r\033[K");
      return 0;
    }
    status_of[t].assign(combos.size(), "ok");
    for (std::size_t r = 0; r < runs.runs.size(); ++r)
      if ((*ran)[r] != 0) {
        status_of[t][which[r]] = "failed (" + run_status_text((*ran)[r]) + "): " + first_log_line(runs.log(r));
        failed_logs.push_back(runs.log(r));
      }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");

  // sweep.csv: the varied keys, then every summary column, swap_reads_vs_opt (swap_reads, readahead
  // included, against the OPT of
  // the row's machine and trace) and the run's status; after each trace's runs, the bounds of each
  // machine, with the varied keys that do not choose the machine left empty.
  std::vector<std::string> columns;
  for (const ColumnSpec& c : summary_columns()) columns.push_back(c.name);
  std::vector<CsvRow> rows;
  for (std::size_t t = 0; t < traces.size(); ++t) {
    for (std::size_t i = 0; i < combos.size(); ++i) {
      CsvRow row;
      for (const auto& [k, v] : combos[i]) row.emplace_back(k, v);
      // By header name (a summary of other columns is refused by name); a run that exited 0 without
      // a summary.csv did not complete: failed, with empty figures.
      std::optional<std::map<std::string, std::string>> values;
      if (status_of[t][i] == "ok" && !(values = read_run_summary(dirs[t][i] + "/summary.csv"))) {
        status_of[t][i] = "failed (no summary.csv): " + first_log_line(dirs[t][i] + "/log.txt");
        failed_logs.push_back(dirs[t][i] + "/log.txt");
      }
      for (const std::string& c : columns) row.emplace_back(c, values ? values->at(c) : "");
      const std::string vs_opt = values ? ratio(std::stoull(values->at("swap_reads")), bounds[t][machine_of[i]].opt.swap_ins) : "";
      row.emplace_back("swap_reads_vs_opt", vs_opt);
      row.emplace_back("status", status_of[t][i]);
      rows.push_back(row);
    }
    for (std::size_t m = 0; m < machines.size(); ++m) {
      const MachineBounds& b = bounds[t][m];
      for (const auto& [name, result] : {std::pair<std::string, BoundResult>{"opt", b.opt}, {"lru-exact", b.lru}}) {
        CsvRow row;
        for (const Vary& v : vs) {
          const auto k = std::find(bound_keys().begin(), bound_keys().end(), v.key);
          row.emplace_back(v.key, k == bound_keys().end() ? "" : machines[m].first[k - bound_keys().begin()]);
        }
        const CsvRow values = bound_row(name, result, b, traces[t]);
        for (const std::string& c : columns) {
          std::string x = "0";
          for (const auto& [n, v] : values)
            if (n == c) x = v;
          row.emplace_back(c, x);
        }
        row.emplace_back("swap_reads_vs_opt", ratio(result.swap_ins, b.opt.swap_ins));
        row.emplace_back("status", "bound");
        rows.push_back(row);
      }
    }
  }
  AtomicFile file(csv, "--out");
  std::ostream& out = file.out();
  for (std::size_t i = 0; i < rows.front().size(); ++i) out << (i ? "," : "") << rows.front()[i].first;
  out << '\n';
  for (const CsvRow& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) out << (i ? "," : "") << r[i].second;
    out << '\n';
  }
  file.commit();
  std::vector<std::string> keys;
  for (const Vary& v : vs) keys.push_back(v.key);
  keys.push_back("policy");  // tells the bounds' rows apart
  if (traces.size() > 1) {
    columns.push_back("swap_reads_vs_opt");
    write_spread_csv(summary_csv, keys, columns, rows);
  }
  std::cout << total << " runs (" << skipped << " already done, " << failed_logs.size() << " failed); wrote " << csv
            << (traces.size() > 1 ? " and " + summary_csv : "") << '\n';
  if (failed_logs.empty()) return 0;
  std::cerr << "mmusim: " << failed_logs.size() << " of " << total << " runs failed; their logs:";
  for (const std::string& l : failed_logs) std::cerr << ' ' << l;
  std::cerr << '\n';
  return kExitRunsFailed;
}

}  // namespace mmusim
