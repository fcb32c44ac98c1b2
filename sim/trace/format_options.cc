#include "trace/format_options.h"

#include "util/input_error.h"

namespace po = boost::program_options;

namespace mmusim {

namespace {

// --format's help: "trace format: auto (default: told by ...), csv (CSV with ...), ...; each may be ...".
std::string format_help() {
  std::string h = "trace format: ";
  const auto& formats = trace_formats();
  for (std::size_t i = 0; i < formats.size(); ++i)
    h += std::string(i ? ", " : "") + formats[i].name + (i ? " (" : " (default: ") + formats[i].help + ")";
  return h + "; each may be gzip, xz or zstd compressed";
}

}  // namespace

void add_trace_format_options(po::options_description& desc, TraceFormatArgs& args) {
  static const std::string help = format_help();
  desc.add_options()("format", po::value(&args.format), help.c_str())(
      "champsim-vm", po::value(&args.champsim_vm), "the vm a ChampSim trace runs in (default 0; other formats name their own)")(
      "champsim-pid", po::value(&args.champsim_pid), "the pid a ChampSim trace runs as (default 0)")(
      "as-host", po::bool_switch(&args.as_host),
      "a lackey or ChampSim trace is a process of the host itself (vm host: shadow and nested mode), not of VM 0");
}

TraceOptions TraceFormatArgs::options() const {
  TraceOptions o(parse_trace_format(format, "--format"));
  if (champsim_vm > 0xffff)
    throw InputError("--champsim-vm", 0, "", std::to_string(champsim_vm) + " is above the largest vm, 65535");
  if (champsim_pid > 0xffffffffu)
    throw InputError("--champsim-pid", 0, "", std::to_string(champsim_pid) + " is above the largest pid, 4294967295");
  o.champsim_vm = static_cast<std::uint16_t>(champsim_vm);
  o.champsim_pid = static_cast<std::uint32_t>(champsim_pid);
  o.as_host = as_host;
  return o;
}

std::vector<std::string> TraceFormatArgs::run_args() const {
  std::vector<std::string> a = {"--format", format};
  if (champsim_vm) a.insert(a.end(), {"--champsim-vm", std::to_string(champsim_vm)});
  if (champsim_pid) a.insert(a.end(), {"--champsim-pid", std::to_string(champsim_pid)});
  if (as_host) a.push_back("--as-host");
  return a;
}

std::string TraceFormatArgs::request_lines() const {
  std::string s;
  if (champsim_vm) s += "champsim-vm " + std::to_string(champsim_vm) + "\n";
  if (champsim_pid) s += "champsim-pid " + std::to_string(champsim_pid) + "\n";
  if (as_host) s += "as-host\n";
  return s;
}

}  // namespace mmusim
