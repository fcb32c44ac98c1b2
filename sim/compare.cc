#include "compare.h"

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "input_error.h"
#include "os/folder_lock.h"
#include "os/interrupt.h"
#include "os/safe_file.h"
#include "kvm/aging/aging_policy.h"
#include "reclaim/bounds.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "page_references.h"
#include "printable.h"
#include "run_pool.h"
#include "run_results.h"
#include "stats/summary.h"
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

std::string ratio(std::uint64_t a, std::uint64_t b) {
  if (b == 0) return a == 0 ? "1.000" : "inf";
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << static_cast<double>(a) / static_cast<double>(b);
  return s.str();
}

}  // namespace

int compare_command(const std::string& self, const std::vector<std::string>& args) {
  std::string config_file, trace, out_dir = "out", format = "auto", policies_arg;
  std::vector<std::string> sets;
  EngineOptions engine;
  unsigned& jobs = engine.jobs;
  bool skip_bad = false;
  po::options_description desc("mmusim compare");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file")("format", po::value(&format), "auto, csv, lackey")(
      "set", po::value(&sets)->composing(), "override a key (repeatable)")(
      "policies,p", po::value(&policies_arg), "kvm.aging policies, comma-separated (default: all five)")(
      "jobs,j", po::value(&jobs), "runs in parallel (default 1)")("out,o", po::value(&out_dir), "output directory")(
      "skip-bad-lines", po::bool_switch(&skip_bad), "skip and count malformed trace records (mmusim run --skip-bad-lines)");
  add_engine_options(desc, engine);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  check_engine_options(engine, vm);

  // Everything is checked before any run starts.
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  if (jobs == 0) throw InputError("--jobs", 0, "", "must be at least 1");
  std::vector<std::string> policies = vm.count("policies") ? split_list(policies_arg) : aging_policy_names();
  if (policies.empty())
    throw InputError("--policies", 0, "kvm.aging",
                     "'" + printable(policies_arg, 200) + "' names no policy (leave --policies out for all five)");
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const auto& known = aging_policy_names();
    if (std::find(known.begin(), known.end(), policies[i]) == known.end())
      throw InputError("--policies", 0, "kvm.aging", "unknown policy '" + policies[i] + "'");
    if (std::find(policies.begin(), policies.begin() + i, policies[i]) != policies.begin() + i)
      throw InputError("--policies", 0, "kvm.aging", "'" + policies[i] + "' named twice");
  }
  check_csv_text(trace, "--trace");
  refuse_read_once_trace(trace, "compare");  // every run reads it, and the bounds
  std::vector<std::string> run_sets = sets;
  run_sets.push_back("sim.mode=shadow");  // policies are about shadow paging
  const Config cfg = load_config(config_file, run_sets);
  const TraceFormat fmt = parse_trace_format(format, "--format");
  open_trace(trace, fmt);  // opens it, tells its format, reads a CSV header: bad input stops before any run
  make_dir(out_dir);
  const FolderLock lock(out_dir, "compare");  // one command per folder, until every run has ended
  exit_on_interrupt();  // SIGINT, SIGTERM, SIGHUP: the runs are stopped and waited for, then exit 128+N
  // Before anything in the folder changes: the runs of a Slurm job still queued there read it.
  refuse_if_job_still_runs(out_dir, engine);
  // On Slurm a rerun skips the finished policies (a task may be preempted): only in a folder of
  // the same request.
  // The local engine redoes every policy, so the folder becomes this request's whatever it held.
  const bool resume = engine.engine == "slurm";
  const std::string request = run_request(trace, format, config_file, run_sets) + (skip_bad ? "skip-bad-lines\n" : "");
  if (resume) claim_folder(out_dir, "compare", request);
  else record_request(out_dir, "compare", request);
  const std::string csv = out_dir + "/compare.csv";
  std::remove(csv.c_str());

  // The runs, -j at a time; the bounds are computed meanwhile.
  RunList runs{{"run", "-q", "--trace", trace, "--format", format}, {}, {}};
  if (!config_file.empty()) runs.tail.insert(runs.tail.end(), {"--config", config_file});
  for (const std::string& s : run_sets) runs.tail.insert(runs.tail.end(), {"--set", s});
  if (skip_bad) runs.tail.push_back("--skip-bad-lines");
  std::vector<std::size_t> which;  // policy of each run
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const std::string dir = out_dir + "/" + policies[i];
    if (resume && std::ifstream(dir + "/summary.csv")) continue;  // done by an earlier submission
    make_dir(dir);
    runs.runs.push_back({dir, {"kvm.aging=" + policies[i]}});
    which.push_back(i);
  }
  PageReferences refs;
  std::uint64_t capacity = 0;
  BoundResult opt, lru;
  const std::optional<std::vector<int>> ran = run_engine(self, runs, engine, out_dir, {}, [&] {
    const SimConfig& c = cfg.values();
    const RecordLimits limits = machine_limits(static_cast<std::uint32_t>(c.guest.vms), static_cast<std::uint32_t>(c.guest.vcpus));
    refs = page_references(trace, fmt, limits, skip_bad);
    // The frames any run had for guest data pages, at most: host memory less the guest page
    // tables (also backed by host frames). Host page tables, shadow pages and the free reserve are
    // left in, so the bounds are never above what a policy could do with the same host.
    const std::uint64_t frames = c.host.mem_mb * 256;
    capacity = frames > refs.table_pages ? frames - refs.table_pages : 1;
    lru = lru_bound(refs.pages, refs.page_count, capacity);
    opt = opt_bound(std::move(refs.pages), refs.page_count, capacity);
  });
  if (!ran) return 0;  // a dry run
  std::vector<int> status(policies.size(), 0);
  for (std::size_t r = 0; r < which.size(); ++r) status[which[r]] = (*ran)[r];
  // A run that fails (pinned out of memory, say) is a result too: its row says why. A run that
  // exited 0 without a summary.csv did not complete: failed too, never a row of zeros.
  using Row = std::map<std::string, std::string>;
  std::map<std::string, std::string> outcome;
  std::vector<Row> rows;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const std::string dir = out_dir + "/" + policies[i];
    std::optional<Row> row = status[i] == 0 ? read_run_summary(dir + "/summary.csv") : std::nullopt;
    outcome[policies[i]] = row                ? "ok"
                           : status[i] == 0 ? "failed (no summary.csv): " + first_log_line(dir + "/log.txt")
                                            : "failed (" + run_status_text(status[i]) + "): " + first_log_line(dir + "/log.txt");
    // A failed run's row names it; its figures are empty, not zeros.
    rows.push_back(row ? *row : Row{{"mode", "shadow"}, {"policy", policies[i]}, {"trace", trace}});
  }

  // compare.csv: every summary column plus swap_ins_vs_opt; then the bounds' rows.
  std::vector<std::string> columns;
  for (const ColumnSpec& c : summary_columns()) columns.push_back(c.name);
  AtomicFile file(csv, "--out");
  std::ostream& out = file.out();
  for (const std::string& c : columns) out << c << ',';
  out << "swap_ins_vs_opt,status\n";
  auto value = [](const Row& row, const std::string& k, const char* missing = "0") {
    const auto it = row.find(k);
    return it == row.end() ? std::string(missing) : it->second;
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool ok = outcome[policies[i]] == "ok";
    for (const std::string& c : columns) out << value(rows[i], c, ok ? "0" : "") << ',';
    out << (ok ? ratio(std::stoull(value(rows[i], "swap_ins")), opt.swap_ins) : "") << ',' << outcome[policies[i]] << '\n';
  }
  for (const auto& [name, b] : {std::pair<std::string, BoundResult>{"opt", opt}, {"lru-exact", lru}}) {
    const Row row = {
        {"mode", "shadow"}, {"policy", name}, {"trace", trace}, {"accesses", std::to_string(refs.records)},
        {"translations", std::to_string(refs.references)}, {"swap_ins", std::to_string(b.swap_ins)},
        {"swap_outs", std::to_string(b.evictions)}};
    for (const std::string& c : columns) out << value(row, c) << ',';
    out << ratio(b.swap_ins, opt.swap_ins) << ",bound\n";
  }
  file.commit();

  std::cout << "mmusim compare on " << trace << " (host " << cfg.values().host.mem_mb << " MiB; bounds with "
            << capacity << " frames for " << opt.distinct_pages << " guest pages)\n";
  std::cout << std::left << std::setw(14) << "policy" << std::right << std::setw(10) << "swap_ins" << std::setw(9)
            << "vs OPT" << std::setw(10) << "vmexits" << std::setw(16) << "cycles" << '\n';
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::cout << std::left << std::setw(14) << policies[i] << std::right;
    if (outcome[policies[i]] != "ok") {
      std::cout << "  " << outcome[policies[i]] << '\n';
      continue;
    }
    std::cout << std::setw(10) << value(rows[i], "swap_ins") << std::setw(9)
              << ratio(std::stoull(value(rows[i], "swap_ins")), opt.swap_ins) << std::setw(10) << value(rows[i], "vmexits")
              << std::setw(16) << value(rows[i], "cycles") << '\n';
  }
  std::cout << std::left << std::setw(14) << "opt" << std::right << std::setw(10) << opt.swap_ins << std::setw(9) << "1.000"
            << '\n';
  std::cout << std::left << std::setw(14) << "lru-exact" << std::right << std::setw(10) << lru.swap_ins << std::setw(9)
            << ratio(lru.swap_ins, opt.swap_ins) << '\n';
  std::cout << "  wrote " << csv << '\n';
  return 0;
}

}  // namespace mmusim
