// The mmusim program: its subcommands are the table kCommands below, from which `mmusim --help`
// and the dispatch are both derived.
// Exit codes: 0 success, 2 bad input (one message naming file, line and key), 3 an invariant
// violation with sim.check_abort, 1 internal error.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <new>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <systemc>

#include "common/errors.h"
#include "config/config.h"
#include "input_error.h"
#include "cli_support.h"
#include "compare.h"
#include "explain_command.h"
#include "sweep.h"
#include "textbook.h"
#include "simulation.h"
#include "trace/generator.h"
#include "trace/mtr_writer.h"
#include "vcd_cli.h"

namespace po = boost::program_options;
using namespace mmusim;

namespace {

const std::string kSourceDir = MMUSIM_SOURCE_DIR;

int cmd_run(const std::vector<std::string>& args, bool bundled_default) {
  std::string config_file, trace, out_dir = "out", format = "auto";
  std::vector<std::string> sets;
  bool quiet = false, skip_bad = false;
  po::options_description desc("mmusim run");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file (CSV, valgrind lackey or .mtr)")(
      "format", po::value(&format), "trace format: auto (default), csv, lackey, mtr")(
      "set", po::value(&sets)->composing(), "override a key: --set tlb.l1d_entries=32 (repeatable)")(
      "out,o", po::value(&out_dir), "output directory (default ./out)")("quiet,q", po::bool_switch(&quiet),
                                                                       "no table on stdout")(
      "skip-bad-lines", po::bool_switch(&skip_bad),
      "skip malformed trace records instead of stopping, count them (summary.csv skipped_records) and name the first on stderr");
  VcdOptions vcd;
  add_vcd_options(desc, vcd);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (bundled_default) {
    config_file = kSourceDir + "/configs/default.cfg";
    trace = kSourceDir + "/traces/lackey/quicksort.lackey";
  }
  make_dir(out_dir);
  const std::string summary = out_dir + "/summary.csv";
  std::remove(summary.c_str());  // a stale summary must not look like this run's, whatever fails next
  std::remove((out_dir + "/timeline.csv").c_str());
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  check_csv_text(trace, "--trace");
  check_vcd_options(vcd);
  const Config cfg = load_config(config_file, sets);
  RunRequest req;
  req.cfg = cfg.values();
  req.trace_path = trace;
  req.vcd = vcd;
  req.format = parse_trace_format(format, "--format");
  req.skip_bad_lines = skip_bad;
  save_config(out_dir + "/config.cfg", cfg);
  RunSummary s;
  std::unique_ptr<TimelineWriter> timeline;
  if (req.cfg.sim.timeline_interval_cycles) timeline = std::make_unique<TimelineWriter>(out_dir + "/timeline.csv");
  try {
    s = simulate(req, timeline.get());
  } catch (const OutOfMemory& e) {
    // Name the key that sized the memory that ran out, where it was set.
    const ValueOrigin& o = cfg.origin(e.key);
    std::string hint;
    if (e.key == "guest.mem_mb") {
      hint = "the trace needs more memory than guest.mem_mb = " + std::to_string(req.cfg.guest.mem_mb) +
             " MiB, and the guest OS does not swap";
    } else if (e.key == "swap.mb") {
      hint = "the guests need more than host.mem_mb + swap.mb = " +
             std::to_string(req.cfg.host.mem_mb + req.cfg.swap.mb) + " MiB: raise swap.mb";
    } else {
      hint = mode_spec(req.cfg.sim.mode).out_of_memory_hint(req.cfg);
    }
    throw InputError(o.file, o.line, e.key, std::string(e.what()) + "; " + hint);
  } catch (const LimitExceeded& e) {
    const ValueOrigin& o = cfg.origin(e.key);
    throw InputError(o.file, o.line, e.key, e.what());
  }
  // A trace of nothing (a header alone, a lackey log of no accesses, binary read as text, every
  // record skipped) gives figures that are all 0 and look like a result: refuse it.
  if (s["accesses"] == 0)
    throw InputError(trace, 0, "", s["skipped_records"] ? "no records to replay: all " + std::to_string(s["skipped_records"]) +
                                                           " were malformed and skipped (--skip-bad-lines)"
                                                     : "no records to replay (a CSV trace needs rows after its header "
                                                       "row, a lackey trace 'I', ' L', ' S' or ' M' lines)");
  if (timeline) timeline->finish();
  write_summary_csv(summary, {s});
  if (s["skipped_records"])
    std::cerr << "mmusim: skipped " << s["skipped_records"] << " malformed record" << (s["skipped_records"] == 1 ? "" : "s")
              << " of " << trace << " (--skip-bad-lines; summary.csv skipped_records)\n";
  if (!quiet) {
    print_summary_table(std::cout, s);
    std::cout << "  wrote " << summary << '\n';
  }
  return 0;
}

int cmd_config(const std::vector<std::string>& args) {
  std::string config_file;
  std::vector<std::string> sets;
  po::options_description desc("mmusim config");
  desc.add_options()("help,h", "this help")("list", "every key with its default, unit and help")(
      "show", "the effective values after --config and --set")("config,c", po::value(&config_file), "INI file")(
      "set", po::value(&sets)->composing(), "override a key (repeatable)");
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (vm.count("show")) {
    const Config c = load_config(config_file, sets);
    for (const auto& [k, v] : c.effective()) {
      const ValueOrigin& o = c.origin(k);
      std::cout << k << " = " << v << "  # "
                << (o.file.empty() ? "default" : o.file + (o.line ? ":" + std::to_string(o.line) : "")) << '\n';
    }
    return 0;
  }
  if (!vm.count("list")) {
    std::cerr << desc;
    return 2;
  }
  std::cout << std::left << std::setw(32) << "key" << std::setw(10) << "default" << std::setw(10) << "unit"
            << "help\n";
  for (const KeySpec& k : config_keys()) {
    std::string help = k.help;
    if (k.type == KeyType::UInt) help += " [" + std::to_string(k.min) + ".." + std::to_string(k.max) + "]";
    if (k.type == KeyType::Choice) {
      help += " [";
      for (std::size_t i = 0; i < k.choices.size(); ++i) help += (i ? "|" : "") + k.choices[i];
      help += "]";
    }
    if (k.type == KeyType::Bool) help += " [true|false]";
    std::cout << std::setw(32) << k.name << std::setw(10) << k.default_value << std::setw(10)
              << (k.unit.empty() ? "-" : k.unit) << help << '\n';
  }
  return 0;
}

int cmd_columns() {
  std::cout << std::left << std::setw(28) << "column" << std::setw(14) << "unit" << "meaning\n";
  for (const ColumnSpec& c : summary_columns())
    std::cout << std::setw(28) << c.name << std::setw(14) << (c.unit.empty() ? "-" : c.unit) << c.help << '\n';
  return 0;
}

int cmd_parse(const std::vector<std::string>& args) {
  std::string trace, format = "auto";
  po::options_description desc("mmusim parse");
  desc.add_options()("help,h", "this help")("trace,t", po::value(&trace), "trace file")(
      "format", po::value(&format), "auto, csv, lackey");
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  const auto t0 = std::chrono::steady_clock::now();
  auto reader = open_trace(trace, parse_trace_format(format, "--format"));
  std::vector<TraceRecord> buf(4096);
  std::uint64_t n = 0, check = 0;
  while (std::size_t got = reader->read(buf.data(), buf.size())) {
    n += got;
    for (std::size_t i = 0; i < got; ++i) check += buf[i].gva >> 12;  // keep the reads observable
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "records," << n << "\nwall_seconds," << std::fixed << std::setprecision(3) << secs
            << "\nrecords_per_second," << std::setprecision(0) << (secs > 0 ? n / secs : 0) << "\nvpn_sum," << check
            << '\n';
  return 0;
}

// This program's own path, for the runs compare starts.
std::string self_path(const char* argv0) {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string(argv0);
}

// mmusim convert IN OUT: any trace to the binary .mtr format.
int cmd_convert(const std::vector<std::string>& args) {
  std::string in, out, format = "auto";
  po::options_description desc("mmusim convert IN OUT");
  desc.add_options()("help,h", "this help")("in", po::value(&in), "input trace (CSV, lackey or .mtr)")(
      "out", po::value(&out), "output .mtr file")("format", po::value(&format), "input format: auto, csv, lackey, mtr");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (in.empty() || out.empty()) throw InputError("", 0, "convert", "usage: mmusim convert IN OUT [--format F]");
  auto reader = open_trace(in, parse_trace_format(format, "--format"));
  MtrWriter writer(out + ".tmp");
  try {
    std::vector<TraceRecord> buf(4096);
    while (std::size_t n = reader->read(buf.data(), buf.size()))
      for (std::size_t i = 0; i < n; ++i) writer.add(buf[i]);
    writer.close();
  } catch (...) {  // no half-written copy left behind
    std::remove((out + ".tmp").c_str());
    throw;
  }
  if (std::rename((out + ".tmp").c_str(), out.c_str()) != 0) throw InputError(out, 0, "", "cannot write");
  std::cout << "wrote " << writer.records() << " records to " << out << '\n';
  return 0;
}

// Every subcommand: its name, its usage line, and what runs it (args after the command; argv for
// the two that start runs of this program, or that parse argv themselves).
struct Command {
  const char* name;
  const char* usage;
  int (*run)(const std::vector<std::string>& rest, int argc, char* argv[]);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> c = {
      {"run", "--config F --trace T [--format auto|csv|lackey] [--set key=value]... [--out DIR] [--vcd FILE] [--skip-bad-lines]",
       [](const std::vector<std::string>& r, int, char**) { return cmd_run(r, false); }},
      {"explain", "--config F --trace T [--from I] [--to I] [--set key=value]... [--vcd FILE]: every event in words",
       [](const std::vector<std::string>& r, int, char**) { return explain_command(r); }},
      {"config", "--list | [--config F] [--set key=value]... --show",
       [](const std::vector<std::string>& r, int, char**) { return cmd_config(r); }},
      {"columns", "list the columns of summary.csv", [](const std::vector<std::string>&, int, char**) { return cmd_columns(); }},
      {"parse", "--trace T [--format F]: read the trace without simulating",
       [](const std::vector<std::string>& r, int, char**) { return cmd_parse(r); }},
      {"gen", "write a synthetic trace (mmusim gen --help)",
       [](const std::vector<std::string>&, int argc, char* argv[]) { return gen_command(argc - 1, argv + 1); }},
      {"compare", "--config F --trace T [--policies a,b,...] [-j N] [--set k=v]... [--out DIR]",
       [](const std::vector<std::string>& r, int, char* argv[]) { return compare_command(self_path(argv[0]), r); }},
      {"sweep", "--config F --trace T --vary key=v1,v2,... [--vary ...] [-j N] [--set k=v]... [--out DIR]",
       [](const std::vector<std::string>& r, int, char* argv[]) { return sweep_command(self_path(argv[0]), r); }},
      {"convert", "IN OUT [--format F]: any trace to the binary .mtr format",
       [](const std::vector<std::string>& r, int, char**) { return cmd_convert(r); }},
      {"textbook", "--frames N --refs 7,0,1,... [--policies fifo,lru,...] [--csv]: the page-replacement frame table",
       [](const std::vector<std::string>& r, int, char**) { return textbook_command(r); }},
  };
  return c;
}

std::string usage() {
  std::string u = "usage: mmusim [COMMAND] [OPTIONS]\n"
                  "  (no command)   run the bundled default (configs/default.cfg on traces/lackey/quicksort.lackey) into ./out\n";
  for (const Command& c : commands()) {
    std::string name = c.name;
    name.resize(15, ' ');
    u += "  " + name + c.usage + "\n";
  }
  u += "  compare and sweep take --engine slurm [--partition P] [--time T] [--mem M] [--cpus-per-task N]\n"
       "                 [--max-parallel N] [--dry-run]: the runs as one Slurm job array instead of -j local processes\n";
  return u;
}

int dispatch(int argc, char* argv[]) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return cmd_run({}, true);
  const std::string cmd = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  for (const Command& c : commands())
    if (cmd == c.name) return c.run(rest, argc, argv);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage();
    return 0;
  }
  std::cerr << "mmusim: unknown command '" << cmd << "'\n" << usage();
  return 2;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  try {
    return dispatch(argc, argv);
  } catch (const InputError& e) {
    std::cerr << "mmusim: " << e.what() << '\n';
    return 2;
  } catch (const po::error& e) {
    std::cerr << "mmusim: " << e.what() << '\n';
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "mmusim: this machine ran out of memory for the simulation; lower host.mem_mb, guest.mem_mb, "
                 "guest.vms or the number of processes in the trace\n";
    return 2;
  } catch (const sc_core::sc_report& e) {
    // SystemC could not allocate a thread's stack: as bad_alloc, the machine is too small for the run.
    if (std::strcmp(e.get_msg_type(), sc_core::SC_ID_STACK_SETUP_FAILED_) != 0) {
      std::cerr << "mmusim: internal error: " << e.what() << '\n';
      return 1;
    }
    std::cerr << "mmusim: this machine ran out of memory for the stacks of the simulation's threads (one per vCPU: "
                 "guest.vms x guest.vcpus); lower guest.vms or guest.vcpus\n";
    return 2;
  } catch (const InvariantViolation& e) {
    std::cerr << "mmusim: invariant violation " << e.what() << " (sim.check_abort)\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "mmusim: internal error: " << e.what() << '\n';
    return 1;
  }
}

// Our own main() (it takes precedence over libsystemc.so's) silences the SystemC banner before
// the kernel starts, then lets SystemC call sc_main as usual.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
