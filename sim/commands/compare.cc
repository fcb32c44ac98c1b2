#include "commands/compare.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "commands/cli_support.h"
#include "util/input_error.h"
#include "os/folder_lock.h"
#include "os/interrupt.h"
#include "os/safe_file.h"
#include "kvm/aging/aging_policy.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "commands/machine_bounds.h"
#include "commands/seeded_traces.h"
#include "commands/spread_summary.h"
#include "util/printable.h"
#include "engine/run_pool.h"
#include "engine/run_results.h"
#include "stats/summary.h"
#include "trace/format_options.h"
#include "trace/reader.h"

namespace po = boost::program_options;

namespace mmusim {

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ',');)
    if (!x.empty()) v.push_back(x);
  return v;
}

}  // namespace

int compare_command(const std::string& self, const std::vector<std::string>& args) {
  std::string config_file, out_dir = "out", policies_arg, trace_list, modes_arg;
  TraceFormatArgs format;
  std::vector<std::string> traces, sets;
  EngineOptions engine;
  SeedOptions seed_options;
  unsigned& jobs = engine.jobs;
  bool skip_bad = false;
  std::string every_policy;
  for (const std::string& name : aging_policy_names()) every_policy += (every_policy.empty() ? "" : ", ") + name;
  const std::string policies_help = "kvm.aging policies, comma-separated (default: every one, " + every_policy + ")";
  std::string every_mode;
  for (const std::string& name : sim_mode_names()) every_mode += (every_mode.empty() ? "" : ",") + name;
  const std::string modes_help = "sim.mode values, comma-separated (" + every_mode +
                                 "): the trace in each mode side by side, under the policies of --policies (default: "
                                 "the configuration's kvm.aging); a mode without policies runs once";
  po::options_description desc("mmusim compare");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&traces)->composing(),
      "trace file; repeat it for several traces (compare-summary.csv then gives each policy's mean and 95% "
      "confidence interval over them)")("traces", po::value(&trace_list),
                                         "a file naming traces, one a line, as --trace repeated");
  add_trace_format_options(desc, format);
  desc.add_options()(
      "set", po::value(&sets)->composing(), "override a key (repeatable)")(
      "policies,p", po::value(&policies_arg), policies_help.c_str())(
      "modes,m", po::value(&modes_arg), modes_help.c_str())(
      "jobs,j", po::value(&jobs), "runs in parallel (default 1)")("out,o", po::value(&out_dir), "output directory")(
      "skip-bad-lines", po::bool_switch(&skip_bad), "skip and count malformed trace records (mmusim run --skip-bad-lines)");
  add_seed_options(desc, seed_options);
  add_engine_options(desc, engine);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  check_engine_options(engine, vm);

  // Everything is checked before any run starts.
  if (!trace_list.empty()) add_trace_list(trace_list, traces);
  const std::optional<SeededTraces> seeded = plan_seeded_traces(seed_options, vm, out_dir, !traces.empty());
  if (seeded) traces = seeded->paths;  // written once the folder is this command's
  if (traces.empty()) throw InputError("", 0, "--trace", "a trace file is required (or --gen and --seeds)");
  if (jobs == 0) throw InputError("--jobs", 0, "", "must be at least 1");
  // Policies are about the guests' paging: the mode is shadow unless a --set or --modes names others.
  std::vector<std::string> run_sets = sets;
  const bool mode_set = std::any_of(sets.begin(), sets.end(), [](const std::string& s) {
    const auto eq = s.find('=');
    std::string key = s.substr(0, eq);
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    return key == "sim.mode";
  });
  const bool several_modes = vm.count("modes") > 0;
  if (several_modes && mode_set) throw InputError("--modes", 0, "sim.mode", "--modes and --set sim.mode both name the mode: give one");
  std::vector<std::string> modes;
  for (const std::string& m : split_list(modes_arg)) {
    try {
      parse_sim_mode(m);
    } catch (const std::invalid_argument& e) {
      throw InputError("--modes", 0, "sim.mode", e.what());
    }
    if (std::find(modes.begin(), modes.end(), m) != modes.end()) throw InputError("--modes", 0, "sim.mode", "'" + m + "' named twice");
    modes.push_back(m);
  }
  if (several_modes && modes.empty()) throw InputError("--modes", 0, "sim.mode", "'" + printable(modes_arg, 200) + "' names no mode");
  if (!mode_set && !several_modes) run_sets.push_back("sim.mode=shadow");
  const Config cfg = load_config(config_file, run_sets);
  if (!several_modes) modes = {mode_name(cfg.values().sim.mode)};
  for (const std::string& m : several_modes ? modes : std::vector<std::string>{}) {  // each mode's checks, before any run
    std::vector<std::string> with_mode = run_sets;
    with_mode.push_back("sim.mode=" + m);
    load_config(config_file, with_mode);
  }
  const bool any_aging = std::any_of(modes.begin(), modes.end(), [](const std::string& m) {
    return mode_spec(parse_sim_mode(m)).has_aging_policy;
  });
  // A mode without aging policies (native) is one run, its policy column "none".
  if (!any_aging && vm.count("policies"))
    throw InputError("--policies", 0, "kvm.aging", "sim.mode = " + modes.front() + " has no kvm.aging policies");
  std::vector<std::string> policies = !any_aging             ? std::vector<std::string>{"none"}
                                      : vm.count("policies") ? split_list(policies_arg)
                                      : several_modes        ? std::vector<std::string>{cfg.values().kvm.aging}
                                                             : aging_policy_names();
  if (policies.empty())
    throw InputError("--policies", 0, "kvm.aging",
                     "'" + printable(policies_arg, 200) + "' names no policy (leave --policies out for all five)");
  for (std::size_t i = 0; any_aging && i < policies.size(); ++i) {
    const auto& known = aging_policy_names();
    if (std::find(known.begin(), known.end(), policies[i]) == known.end())
      throw InputError("--policies", 0, "kvm.aging", "unknown policy '" + policies[i] + "'");
    if (std::find(policies.begin(), policies.begin() + i, policies[i]) != policies.begin() + i)
      throw InputError("--policies", 0, "kvm.aging", "'" + policies[i] + "' named twice");
  }
  // The runs of each trace: every mode, and in a mode with aging policies every policy. One mode:
  // a run's folder is its policy; several: mode-policy (native: native-none).
  struct Case {
    std::string mode, policy, folder;
    std::vector<std::string> sets;
  };
  std::vector<Case> cases;
  for (const std::string& m : modes) {
    const bool aging = mode_spec(parse_sim_mode(m)).has_aging_policy;
    for (const std::string& p : aging ? policies : std::vector<std::string>{"none"}) {
      Case c{m, p, several_modes ? m + "-" + p : p, {}};
      if (several_modes) c.sets.push_back("sim.mode=" + m);
      if (aging) c.sets.push_back("kvm.aging=" + p);
      cases.push_back(c);
    }
  }
  const TraceOptions how = format.options();
  check_seeded_format(seeded, how.format);
  for (std::size_t i = 0; !seeded && i < traces.size(); ++i) {
    check_csv_text(traces[i], "--trace");
    refuse_read_once_trace(traces[i], "compare");  // every run reads it, and the bounds
    open_trace(traces[i], how);  // opens it, tells its format, reads a CSV header: bad input stops before any run
    for (std::size_t j = 0; j < i; ++j)
      if (traces[j] == traces[i]) throw InputError("--trace", 0, "", "'" + traces[i] + "' named twice");
  }
  make_dir(out_dir);
  const FolderLock lock(out_dir, "compare");  // one command per folder, until every run has ended
  exit_on_interrupt();  // SIGINT, SIGTERM, SIGHUP: the runs are stopped and waited for, then exit 128+N
  // Before anything in the folder changes: the runs of a Slurm job still queued there read it.
  refuse_if_job_still_runs(out_dir, engine);
  // On Slurm a rerun resumes (below): the folder's traces must be of the same workload.
  if (seeded) write_seeded_traces(*seeded, engine.engine == "slurm");
  const std::string csv = out_dir + "/compare.csv", summary_csv = out_dir + "/compare-summary.csv";
  std::remove(csv.c_str());
  std::remove(summary_csv.c_str());

  std::vector<std::string> columns;
  for (const ColumnSpec& c : summary_columns()) columns.push_back(c.name);
  std::vector<CsvRow> rows;         // compare.csv, every trace
  std::vector<std::string> failed;  // logs of the failed runs
  std::ostringstream table;         // stdout, a table per trace
  for (std::size_t t = 0; t < traces.size(); ++t) {
    const std::string& trace = traces[t];
    const std::string tdir = trace_folder(out_dir, traces, t);
    make_dir(tdir);
    // On Slurm a rerun skips the finished policies (a task may be preempted): only in a folder of
    // the same request.
    // The local engine redoes every policy, so the folder becomes this request's whatever it held.
    const bool resume = engine.engine == "slurm";
    const std::string request = run_request(trace, format.format, config_file, run_sets) + format.request_lines() +
                                (skip_bad ? "skip-bad-lines\n" : "") + (several_modes ? "modes " + modes_arg + "\n" : "");
    if (resume) claim_folder(tdir, "compare", request);
    else record_request(tdir, "compare", request);

    // The runs, -j at a time; the bounds are computed meanwhile.
    RunList runs{{"run", "-q", "--trace", trace}, {}, {}};
    for (const std::string& a : format.run_args()) runs.head.push_back(a);
    if (!config_file.empty()) runs.tail.insert(runs.tail.end(), {"--config", config_file});
    for (const std::string& s : run_sets) runs.tail.insert(runs.tail.end(), {"--set", s});
    if (skip_bad) runs.tail.push_back("--skip-bad-lines");
    std::vector<std::size_t> which;  // case of each run
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string dir = tdir + "/" + cases[i].folder;
      if (resume && std::ifstream(dir + "/summary.csv")) continue;  // done by an earlier submission
      make_dir(dir);
      runs.runs.push_back({dir, cases[i].sets});
      which.push_back(i);
    }
    MachineBounds b;
    const std::optional<std::vector<int>> ran =
        run_engine(self, runs, engine, tdir, {}, [&] { b = machine_bounds(trace, how, cfg.values(), skip_bad); });
    if (!ran) return 0;  // a dry run
    std::vector<int> status(cases.size(), 0);
    for (std::size_t r = 0; r < which.size(); ++r) status[which[r]] = (*ran)[r];
    // A run that fails (pinned out of memory, say) is a result too: its row says why. A run that
    // exited 0 without a summary.csv did not complete: failed too, never a row of zeros. Figures
    // are taken by header name (a summary of other columns is refused by name).
    std::vector<std::string> outcome;
    std::vector<CsvRow> runs_rows;
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const std::string dir = tdir + "/" + cases[i].folder, log = dir + "/log.txt";
      const auto row = status[i] == 0 ? read_run_summary(dir + "/summary.csv") : std::nullopt;
      outcome.push_back(row              ? "ok"
                        : status[i] == 0 ? "failed (no summary.csv): " + first_log_line(log)
                                         : "failed (" + run_status_text(status[i]) + "): " + first_log_line(log));
      if (!row) failed.push_back(log);
      // A failed run's row names it; its figures are empty, not zeros.
      runs_rows.push_back(row ? CsvRow(row->begin(), row->end())
                              : CsvRow{{"mode", cases[i].mode}, {"policy", cases[i].policy}, {"trace", trace}});
    }

    // compare.csv: every summary column plus swap_reads_vs_opt (pages fetched from swap, readahead
    // included, against OPT's misses: no policy, prefetching or not, fetches fewer); then the
    // bounds' rows, whose swap-ins are their fetches.
    auto value = [](const CsvRow& row, const std::string& k, const char* missing = "0") {
      for (const auto& [name, v] : row)
        if (name == k) return v;
      return std::string(missing);
    };
    auto add = [&](const CsvRow& from, const std::string& vs_opt, const std::string& st) {
      CsvRow row;
      for (const std::string& c : columns) row.emplace_back(c, value(from, c, st == "ok" || st == "bound" ? "0" : ""));
      row.emplace_back("swap_reads_vs_opt", vs_opt);
      row.emplace_back("status", st);
      rows.push_back(row);
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const bool ok = outcome[i] == "ok";
      add(runs_rows[i], ok ? ratio(std::stoull(value(runs_rows[i], "swap_reads")), b.opt.swap_ins) : "", outcome[i]);
    }
    for (const auto& [name, r] : {std::pair<std::string, BoundResult>{"opt", b.opt}, {"lru-exact", b.lru}})
      add(bound_row(name, r, b, trace, several_modes ? "any" : modes.front()), ratio(r.swap_ins, b.opt.swap_ins), "bound");

    table << "mmusim compare on " << trace << " (host " << cfg.values().host.mem_mb << " MiB; bounds with " << b.capacity
          << " frames for " << b.opt.distinct_pages << " guest pages)\n";
    const int label = several_modes ? 28 : 14;  // "mode-policy" with several modes
    table << std::left << std::setw(label) << (several_modes ? "mode-policy" : "policy") << std::right << std::setw(10)
          << "swap_reads" << std::setw(9) << "vs OPT" << std::setw(10) << "vmexits" << std::setw(16) << "cycles";
    if (several_modes) table << std::setw(12) << "walk_refs";
    table << '\n';
    for (std::size_t i = 0; i < cases.size(); ++i) {
      table << std::left << std::setw(label) << cases[i].folder << std::right;
      if (outcome[i] != "ok") {
        table << "  " << outcome[i] << '\n';
        continue;
      }
      table << std::setw(10) << value(runs_rows[i], "swap_reads") << std::setw(9)
            << ratio(std::stoull(value(runs_rows[i], "swap_reads")), b.opt.swap_ins) << std::setw(10)
            << value(runs_rows[i], "vmexits") << std::setw(16) << value(runs_rows[i], "cycles");
      if (several_modes) table << std::setw(12) << value(runs_rows[i], "walk_refs");
      table << '\n';
    }
    table << std::left << std::setw(label) << "opt" << std::right << std::setw(10) << b.opt.swap_ins << std::setw(9)
          << "1.000" << '\n';
    table << std::left << std::setw(label) << "lru-exact" << std::right << std::setw(10) << b.lru.swap_ins << std::setw(9)
          << ratio(b.lru.swap_ins, b.opt.swap_ins) << '\n';
  }

  AtomicFile file(csv, "--out");
  std::ostream& out = file.out();
  for (std::size_t i = 0; i < rows.front().size(); ++i) out << rows.front()[i].first << (i + 1 < rows.front().size() ? "," : "\n");
  for (const CsvRow& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) out << r[i].second << (i + 1 < r.size() ? "," : "\n");
  file.commit();
  if (traces.size() > 1) {
    columns.push_back("swap_reads_vs_opt");
    write_spread_csv(summary_csv, several_modes ? std::vector<std::string>{"mode", "policy"} : std::vector<std::string>{"policy"},
                     columns, rows);
  }
  std::cout << table.str() << "  wrote " << csv << (traces.size() > 1 ? " and " + summary_csv : "") << '\n';
  if (failed.empty()) return 0;
  std::cout.flush();
  std::cerr << "mmusim: " << failed.size() << " of " << cases.size() * traces.size() << " runs failed; their logs:";
  for (const std::string& l : failed) std::cerr << ' ' << l;
  std::cerr << '\n';
  return kExitRunsFailed;
}

}  // namespace mmusim
