// The trace options of every command that reads a trace (run, explain, compare, sweep, parse,
// convert): --format, whose help lists every format the readers accept (trace_formats(), one
// list), and --champsim-vm, --champsim-pid: the vm and pid ChampSim's records run in, as they
// carry neither (0 and 0 unless given).
#pragma once
#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "trace/reader.h"

namespace mmusim {

struct TraceFormatArgs {
  std::string format = "auto";
  std::uint64_t champsim_vm = 0, champsim_pid = 0;
  bool as_host = false;  // --as-host: a lackey or ChampSim trace is a process of the host

  // Checked: the format's name and the ids' ranges (InputError naming the option).
  TraceOptions options() const;
  // The same options as `mmusim run` arguments, for the runs compare and sweep start: --format,
  // and the ids when they are not 0.
  std::vector<std::string> run_args() const;
  // The ids, for what a folder's runs share (engine/request.h): "" when they are 0.
  std::string request_lines() const;
};

void add_trace_format_options(boost::program_options::options_description& desc, TraceFormatArgs& args);

}  // namespace mmusim
