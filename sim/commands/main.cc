// The mmusim program: its subcommands are the table kCommands below, from which `mmusim --help`
// and the dispatch are both derived.
// Exit codes: 0 success, 2 bad input (one message naming file, line and key), 3 an invariant
// violation with sim.check_abort, 4 compare or sweep: some of their runs failed (every row is
// written), 1 internal error.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <new>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <systemc>

#include "common/errors.h"
#include "config/config.h"
#include "util/input_error.h"
#include "commands/cli_support.h"
#include "commands/compare.h"
#include "commands/explain_command.h"
#include "commands/view_command.h"
#include "record/record_command.h"
#include "commands/sweep.h"
#include "commands/textbook.h"
#include "sysc/simulation.h"
#include "trace/format_options.h"
#include "trace/generator.h"
#include "trace/mtr_writer.h"
#include "commands/vcd_cli.h"
#include "os/folder_lock.h"
#include "os/interrupt.h"
#include "os/safe_file.h"

namespace po = boost::program_options;
using namespace mmusim;

namespace {

const std::string kSourceDir = MMUSIM_SOURCE_DIR;

int cmd_run(const std::vector<std::string>& args, bool bundled_default) {
  std::string config_file, trace, out_dir = "out";
  TraceFormatArgs format;
  std::vector<std::string> sets;
  bool quiet = false, skip_bad = false;
  po::options_description desc("mmusim run");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file, of any --format");
  add_trace_format_options(desc, format);
  desc.add_options()(
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
  // Options, config and trace are checked before the previous results are touched.
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  check_csv_text(trace, "--trace");
  check_vcd_options(vcd, trace);
  const Config cfg = load_config(config_file, sets);
  RunRequest req;
  req.cfg = cfg.values();
  req.trace_path = trace;
  req.vcd = vcd;
  req.trace_options = format.options();
  req.skip_bad_lines = skip_bad;
  if (is_regular_file(trace)) open_trace(trace, req.trace_options);  // its format and header (stdin and FIFOs: read once)
  make_dir(out_dir);
  const FolderLock lock(out_dir, "run");  // one command per folder
  const std::string summary = out_dir + "/summary.csv";
  for (const char* f : {"/summary.csv", "/timeline.csv", "/config.cfg"}) refuse_special_file(out_dir + f, "--out");
  std::remove(summary.c_str());  // a stale summary must not look like this run's, whatever fails next
  std::remove((out_dir + "/timeline.csv").c_str());
  save_config(out_dir + "/config.cfg", cfg);
  RunSummary s;
  std::unique_ptr<TimelineWriter> timeline;
  if (req.cfg.sim.timeline_interval_cycles)
    timeline = std::make_unique<TimelineWriter>(out_dir + "/timeline.csv", req.cfg.sim.timeline_interval_cycles);
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
    } else if (e.key == "guest.hugetlb_1g_gib") {
      hint = "each process touching the range needs a 1 GiB page for each 1 GiB it touches: raise " +
             std::string(req.cfg.sim.mode == SimMode::Native ? "host.mem_mb" : "guest.mem_mb") + ", or narrow the range";
    } else if (e.key == "reclaim.mglru_min_ttl_ms") {
      hint = "the working set the TTL protects does not fit: lower it, or set 0";
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
  if (s["accesses"] == 0 && req.cfg.sim.warmup_records) {
    const ValueOrigin& o = cfg.origin("sim.warmup_records");
    throw InputError(o.file, o.line, "sim.warmup_records",
                     std::to_string(req.cfg.sim.warmup_records) + " records of warm-up leave none to count: " + trace +
                         " is not longer than its warm-up");
  }
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
    if (bundled_default)
      std::cout << "mmusim with no command runs the bundled default: --config " << config_file << " --trace " << trace
                << " (mmusim --help lists the commands)\n";
    print_summary_table(std::cout, s);
    std::string files = summary;
    if (timeline) files += ", " + out_dir + "/timeline.csv";
    files += ", " + out_dir + "/config.cfg";
    if (!vcd.path.empty()) files += ", " + vcd.path + ", " + VcdProbe::save_file_name(vcd.path);
    std::cout << "  wrote " << files << '\n';
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
    const SimModeSpec& mode = mode_spec(c.values().sim.mode);
    for (const auto& [k, v] : c.effective()) {
      const ValueOrigin& o = c.origin(k);
      std::cout << k << " = " << v << "  # "
                << (o.file.empty() ? "default" : o.file + (o.line ? ":" + std::to_string(o.line) : ""))
                << (mode.uses_key(k) ? "" : std::string(", unused in sim.mode = ") + mode.name)
                << (c.era_value(k) ? ", departs from " + c.era_file() + " (" + *c.era_value(k) + ")" : std::string()) << '\n';
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
  std::string trace;
  TraceFormatArgs format;
  po::options_description desc("mmusim parse");
  desc.add_options()("help,h", "this help")("trace,t", po::value(&trace), "trace file");
  add_trace_format_options(desc, format);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  const auto t0 = std::chrono::steady_clock::now();
  auto reader = open_trace(trace, format.options());
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

// mmusim convert IN OUT: any trace to the binary .mtr format, zstd-compressed if asked.
int cmd_convert(const std::vector<std::string>& args) {
  std::string in, out, compress = "none";
  TraceFormatArgs format;
  po::options_description desc("mmusim convert IN OUT");
  desc.add_options()("help,h", "this help")("in", po::value(&in), "input trace, of any --format")(
      "out", po::value(&out), "output .mtr file (.mtr.zst with --compress zstd)");
  add_trace_format_options(desc, format);
  desc.add_options()(
      "compress", po::value(&compress), "none (default) or zstd: the output compressed by zstd, which every command reads");
  po::positional_options_description pos;
  pos.add("in", 1).add("out", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (in.empty() || out.empty()) throw InputError("", 0, "convert", "usage: mmusim convert IN OUT [--format F] [--compress none|zstd]");
  if (compress != "none" && compress != "zstd") throw InputError("--compress", 0, "", "'" + compress + "' is not none or zstd");
  const TraceOptions how = format.options();
  // Written under a temporary name beside OUT and renamed: no half-written copy is left behind on
  // any failure (the temporary file is removed by AtomicFile, or on SIGINT/SIGTERM). An OUT that
  // is a link, a device (/dev/null), a FIFO or a folder is refused before anything is read.
  AtomicFile file(out, "convert");
  auto reader = open_trace(in, how);
  MtrWriter writer(file.file(), out, compress == "zstd" ? Compression::Zstd : Compression::None);
  std::vector<TraceRecord> buf(4096);
  while (std::size_t n = reader->read(buf.data(), buf.size()))
    for (std::size_t i = 0; i < n; ++i) writer.add(buf[i]);
  writer.close();
  file.commit();
  std::cout << "wrote " << writer.records() << " records to " << out << '\n';
  return 0;
}

// mmusim plot DIR: hands over to the plotting script (Python and Debian's python3-matplotlib,
// whose /usr/bin/python3 comes first: another python3 on PATH may lack matplotlib).
int cmd_plot(const std::string& self, const std::vector<std::string>& args) {
  const std::string script = kSourceDir + "/plot/mmusim_plot.py";
  if (access(script.c_str(), R_OK) != 0) throw InputError(script, 0, "plot", "the plotting script is missing");
  const std::string mmusim = "--mmusim=" + self;
  // argv[0] is the interpreter's path: Python finds its own installation from it.
  std::vector<const char*> argv = {"/usr/bin/python3", script.c_str(), mmusim.c_str()};
  for (const std::string& a : args) argv.push_back(a.c_str());
  argv.push_back(nullptr);
  std::cout.flush();
  execv(argv[0], const_cast<char* const*>(argv.data()));
  argv[0] = "python3";
  execvp(argv[0], const_cast<char* const*>(argv.data()));
  throw InputError("", 0, "plot", std::string("cannot run python3: ") + std::strerror(errno) +
                                      " (apt-get install python3-matplotlib)");
}

// Every subcommand: its name, its usage line, and what runs it (args after the command; argv for
// the two that start runs of this program, or that parse argv themselves).
struct Command {
  const char* name;
  std::string usage;
  int (*run)(const std::vector<std::string>& rest, int argc, char* argv[]);
};

const std::vector<Command>& commands() {
  static const std::vector<Command> c = {
      {"run",
       "--config F --trace T [--format " + trace_format_names("|") +
           "] [--set key=value]... [--out DIR] [--vcd FILE] [--skip-bad-lines]",
       [](const std::vector<std::string>& r, int, char**) { return cmd_run(r, false); }},
      {"explain", "--config F --trace T [--from I] [--to I] [--emit text|jsonl] [--set key=value]... [--vcd FILE]: every event in words or as JSON lines",
       [](const std::vector<std::string>& r, int, char**) { return explain_command(r); }},
      {"view", "--config F --trace T [--from I] [--to I] [--set key=value]... --out view.html: the events replayed in a browser",
       [](const std::vector<std::string>& r, int, char**) { return view_command(r); }},
      {"config", "--list | [--config F] [--set key=value]... --show",
       [](const std::vector<std::string>& r, int, char**) { return cmd_config(r); }},
      {"columns", "list the columns of summary.csv", [](const std::vector<std::string>&, int, char**) { return cmd_columns(); }},
      {"parse", "--trace T [--format F]: read the trace without simulating",
       [](const std::vector<std::string>& r, int, char**) { return cmd_parse(r); }},
      {"gen", "write a synthetic trace (mmusim gen --help)",
       [](const std::vector<std::string>&, int argc, char* argv[]) { return gen_command(argc - 1, argv + 1); }},
      {"compare",
       "--config F --trace T [--trace T2 ...|--traces LIST|--gen \"PATTERN OPTIONS\" --seeds LIST] [--policies a,b,...]\n"
       "                 [--modes m1,m2,...] [-j N] [--set k=v]... [--out DIR]",
       [](const std::vector<std::string>& r, int, char* argv[]) { return compare_command(self_path(argv[0]), r); }},
      {"sweep",
       "--config F --trace T [--trace T2 ...|--traces LIST|--gen \"PATTERN OPTIONS\" --seeds LIST] --vary key=v1,v2,...\n"
       "                 [--vary ...] [-j N] [--set k=v]... [--out DIR]\n"
       "                 (exit code 4 when a run failed, after writing every row)",
       [](const std::vector<std::string>& r, int, char* argv[]) { return sweep_command(self_path(argv[0]), r); }},
      {"convert", "IN OUT [--format F] [--compress none|zstd]: any trace to the binary .mtr format (.mtr.zst)",
       [](const std::vector<std::string>& r, int, char**) { return cmd_convert(r); }},
      {"record", "[--out T.mtr.zst] [--slice-records N] -- PROGRAM ARGS...: a trace of a program and its children",
       [](const std::vector<std::string>& r, int, char**) { return record_command(r); }},
      {"textbook", "--frames N --refs 7,0,1,... [--policies fifo,lru,...] [--csv]: the page-replacement frame table",
       [](const std::vector<std::string>& r, int, char**) { return textbook_command(r); }},
      {"plot", "DIR: figures (PNG, SVG, PDF) of DIR's compare.csv, sweep.csv and timeline.csv files",
       [](const std::vector<std::string>& r, int, char* argv[]) { return cmd_plot(self_path(argv[0]), r); }},
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

// What a command printed must have reached stdout (a full disk, a closed pipe): otherwise exit 2.
int check_stdout(int code) {
  errno = 0;
  std::cout.flush();
  if (std::cout && std::fflush(stdout) == 0 && !std::ferror(stdout)) return code;
  // The failing write may have been long before (buffered): its reason may be gone.
  std::cerr << "mmusim: <stdout>: cannot write"
            << (errno ? std::string(": ") + std::strerror(errno) : std::string(" (a full disk, or a reader that has gone)"))
            << '\n';
  return 2;
}

int sc_main(int argc, char* argv[]) {
  // SIGINT, SIGTERM, SIGHUP: child runs stopped and waited for, temporary files removed, exit 128+N.
  install_interrupt_handlers();
  try {
    return check_stdout(dispatch(argc, argv));
  } catch (const InputError& e) {
    std::cerr << "mmusim: " << e.what() << '\n';
    return 2;
  } catch (const po::error& e) {
    std::cerr << "mmusim: " << e.what() << '\n';
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "mmusim: this machine ran out of memory for the simulation (the model keeps every page-table page the "
                 "simulated kernels allocate, about 4 KiB each: a process needs 4 or more, a page far from the others up "
                 "to 3 more); lower host.mem_mb, guest.mem_mb or guest.vms, or the trace's processes or the spread of its "
                 "addresses\n";
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
