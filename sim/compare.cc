#include "compare.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "cli_support.h"
#include "input_error.h"
#include "kvm/aging/aging_policy.h"
#include "reclaim/bounds.h"
#include "engine/engine.h"
#include "engine/request.h"
#include "page_references.h"
#include "run_pool.h"
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

// summary.csv of a finished run: column -> value, in file order.
std::vector<std::pair<std::string, std::string>> read_row(const std::string& path) {
  std::ifstream in(path);
  std::string header, row;
  if (!std::getline(in, header) || !std::getline(in, row)) return {};
  const auto h = split_list(header), r = split_list(row);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < h.size() && i < r.size(); ++i) out.emplace_back(h[i], r[i]);
  return out;
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
  std::string every_policy;
  for (const std::string& name : aging_policy_names()) every_policy += (every_policy.empty() ? "" : ", ") + name;
  const std::string policies_help = "kvm.aging policies, comma-separated (default: every one, " + every_policy + ")";
  po::options_description desc("mmusim compare");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file")("format", po::value(&format), "auto, csv, lackey")(
      "set", po::value(&sets)->composing(), "override a key (repeatable)")(
      "policies,p", po::value(&policies_arg), policies_help.c_str())(
      "jobs,j", po::value(&jobs), "runs in parallel (default 1)")("out,o", po::value(&out_dir), "output directory")(
      "skip-bad-lines", po::bool_switch(&skip_bad), "skip and count malformed trace records (mmusim run --skip-bad-lines)");
  add_engine_options(desc, engine);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  check_engine_options(engine, vm);

  // Everything is checked before any run starts.
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  if (jobs == 0) throw InputError("--jobs", 0, "", "must be at least 1");
  // Policies are about shadow paging: the mode is shadow unless a --set names another.
  std::vector<std::string> run_sets = sets;
  const bool mode_set = std::any_of(sets.begin(), sets.end(), [](const std::string& s) {
    const auto eq = s.find('=');
    std::string key = s.substr(0, eq);
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    return key == "sim.mode";
  });
  if (!mode_set) run_sets.push_back("sim.mode=shadow");
  const Config cfg = load_config(config_file, run_sets);
  const SimModeSpec& mode = mode_spec(cfg.values().sim.mode);
  // A mode without aging policies (native) is one run, its policy column "none".
  if (!mode.has_aging_policy && !policies_arg.empty())
    throw InputError("--policies", 0, "kvm.aging", std::string("sim.mode = ") + mode.name + " has no kvm.aging policies");
  std::vector<std::string> policies = !mode.has_aging_policy ? std::vector<std::string>{"none"}
                                      : policies_arg.empty() ? aging_policy_names()
                                                             : split_list(policies_arg);
  for (std::size_t i = 0; mode.has_aging_policy && i < policies.size(); ++i) {
    const auto& known = aging_policy_names();
    if (std::find(known.begin(), known.end(), policies[i]) == known.end())
      throw InputError("--policies", 0, "kvm.aging", "unknown policy '" + policies[i] + "'");
    if (std::find(policies.begin(), policies.begin() + i, policies[i]) != policies.begin() + i)
      throw InputError("--policies", 0, "kvm.aging", "'" + policies[i] + "' named twice");
  }
  check_csv_text(trace, "--trace");
  const TraceFormat fmt = parse_trace_format(format, "--format");
  open_trace(trace, fmt);  // opens it, tells its format, reads a CSV header: bad input stops before any run
  make_dir(out_dir);
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
    runs.runs.push_back({dir, mode.has_aging_policy ? std::vector<std::string>{"kvm.aging=" + policies[i]}
                                                    : std::vector<std::string>{}});
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
  // A run that fails (pinned out of memory, say) is a result too: its row says why.
  std::map<std::string, std::string> outcome;
  for (std::size_t i = 0; i < policies.size(); ++i) {
    const std::string log = out_dir + "/" + policies[i] + "/log.txt";
    outcome[policies[i]] = status[i] == 0 ? "ok" : "failed (exit " + std::to_string(status[i]) + "): " + first_log_line(log);
  }

  // compare.csv: every summary column plus swap_ins_vs_opt; then the bounds' rows.
  std::vector<std::string> columns;
  for (const ColumnSpec& c : summary_columns()) columns.push_back(c.name);
  std::ofstream out(csv + ".tmp");
  for (const std::string& c : columns) out << c << ',';
  out << "swap_ins_vs_opt,status\n";
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
  for (const std::string& p : policies)
    rows.push_back(outcome[p] == "ok" ? read_row(out_dir + "/" + p + "/summary.csv")
                                      : std::vector<std::pair<std::string, std::string>>{
                                            {"mode", mode.name}, {"policy", p}, {"trace", trace}});
  auto value = [](const std::vector<std::pair<std::string, std::string>>& row, const std::string& k) {
    for (const auto& [name, v] : row)
      if (name == k) return v;
    return std::string("0");
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const std::string& c : columns) out << value(rows[i], c) << ',';
    const bool ok = outcome[policies[i]] == "ok";
    out << (ok ? ratio(std::stoull(value(rows[i], "swap_ins")), opt.swap_ins) : "") << ',' << outcome[policies[i]] << '\n';
  }
  for (const auto& [name, b] : {std::pair<std::string, BoundResult>{"opt", opt}, {"lru-exact", lru}}) {
    std::vector<std::pair<std::string, std::string>> row = {
        {"mode", mode.name}, {"policy", name}, {"trace", trace}, {"accesses", std::to_string(refs.records)},
        {"translations", std::to_string(refs.references)}, {"swap_ins", std::to_string(b.swap_ins)},
        {"swap_outs", std::to_string(b.evictions)}};
    for (const std::string& c : columns) out << value(row, c) << ',';
    out << ratio(b.swap_ins, opt.swap_ins) << ",bound\n";
  }
  out.close();
  if (!out || std::rename((csv + ".tmp").c_str(), csv.c_str()) != 0) throw InputError(csv, 0, "--out", "cannot write");

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
