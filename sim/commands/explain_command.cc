#include "commands/explain_command.h"

#include <algorithm>
#include <boost/program_options.hpp>
#include <iostream>

#include "commands/cli_support.h"
#include "common/errors.h"
#include "explain/explainer.h"
#include "explain/window.h"
#include "util/input_error.h"
#include "sysc/simulation.h"
#include "trace/format_options.h"
#include "commands/vcd_cli.h"

namespace po = boost::program_options;

namespace mmusim {


int explain_command(const std::vector<std::string>& args) {
  std::string config_file, trace, layout = "line", emit = "text";
  TraceFormatArgs format;
  std::vector<std::string> sets;
  std::uint64_t from = 0, to = 0;
  VcdOptions vcd;
  po::options_description desc(
      "mmusim explain: replay a small trace with every event in words (a TLB miss, a walk, a VM exit, a shadow page\n"
      "fault, a host fault, a reclaim decision), each record's line ending with the cycles it was charged");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file, of any --format");
  add_trace_format_options(desc, format);
  desc.add_options()(
      "set", po::value(&sets)->composing(), "override a key: --set tlb.l1d_entries=4 (repeatable)")(
      "from", po::value(&from), "first record to explain: its index in the trace, counting from 0 (the records before "
                                "it are simulated silently)")(
      "to", po::value(&to), "explain records up to this index, excluded; the run stops there")(
      "layout", po::value(&layout), "line (default): a record's steps on one line, joined by ' -> '; steps: one step per line")(
      "emit", po::value(&emit), "text (default): the events in words; jsonl: one JSON object per event (README \"Events\")");
  add_vcd_options(desc, vcd);
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  refuse_read_once_trace(trace, "explain");  // counted, then replayed
  check_vcd_options(vcd, trace);
  if (layout != "line" && layout != "steps")
    throw InputError("", 0, "--layout", "'" + layout + "' is not a layout (line or steps)");
  if (emit != "text" && emit != "jsonl") throw InputError("", 0, "--emit", "'" + emit + "' is not an output (text or jsonl)");
  const Config cfg = load_config(config_file, sets);
  RunRequest req;
  req.cfg = cfg.values();
  req.trace_path = trace;
  req.trace_options = format.options();
  req.vcd = vcd;
  const bool has_from = vm.count("from"), has_to = vm.count("to");
  const std::uint64_t cap = saturating_add(has_from ? from : 0, kExplainMaxRecords + 1);
  const ExplainWindow w =
      explain_window(trace, count_records(trace, req.trace_options, has_to ? std::min(to, cap) : cap), has_from, from, has_to, to);
  const bool jsonl = emit == "jsonl";
  Explainer ex(std::cout, w.from, w.to, static_cast<unsigned>(req.cfg.guest.vms), static_cast<unsigned>(req.cfg.guest.vcpus),
               jsonl ? Explainer::Emit::Jsonl : Explainer::Emit::Text);
  ex.set_one_step_per_line(layout == "steps");
  req.explain = &ex;
  RunSummary s;
  try {
    try {
      s = simulate(req);
    } catch (const std::exception& e) {
      ex.stop(e.what());
      throw;
    }
  } catch (const OutOfMemory& e) {
    const ValueOrigin& o = cfg.origin(e.key);
    throw InputError(o.file, o.line, e.key, e.what());
  } catch (const LimitExceeded& e) {
    const ValueOrigin& o = cfg.origin(e.key);
    throw InputError(o.file, o.line, e.key, e.what());
  }
  if (jsonl) return 0;  // every line is an event
  const SimModeSpec& mode = mode_spec(req.cfg.sim.mode);
  std::cout << "explained records " << w.from << " to " << w.to - 1 << " of " << trace << " (" << mode.name
            << " mode" << (mode.has_aging_policy ? ", kvm.aging = " + req.cfg.kvm.aging : std::string()) << "); "
            << s["accesses"] << " records simulated in " << grouped(s["cycles"]) << " cycles\n";
  return 0;
}

}  // namespace mmusim
