#include "commands/view_command.h"

#include <boost/program_options.hpp>
#include <iostream>
#include <sstream>

#include "commands/cli_support.h"
#include "common/errors.h"
#include "explain/explainer.h"
#include "explain/window.h"
#include "util/input_error.h"
#include "os/safe_file.h"
#include "sysc/simulation.h"
#include "trace/format_options.h"
#include "view/view_page.h"

namespace po = boost::program_options;

namespace mmusim {

int view_command(const std::vector<std::string>& args) {
  std::string config_file, trace, out;
  TraceFormatArgs format;
  std::vector<std::string> sets;
  std::uint64_t from = 0, to = 0;
  po::options_description desc(
      "mmusim view: replay a small trace (or a window of a large one) in the browser: one self-contained HTML file\n"
      "(no server, no network) that steps through the events of `mmusim explain` and draws the TLBs, the page\n"
      "tables with the walk's path, the shadow or EPT entries and rmap, the host's LRU lists, swap and the figures");
  desc.add_options()("help,h", "this help")("config,c", po::value(&config_file), "INI configuration file")(
      "trace,t", po::value(&trace), "trace file, of any --format");
  add_trace_format_options(desc, format);
  desc.add_options()("set", po::value(&sets)->composing(), "override a key: --set tlb.l1d_entries=4 (repeatable)")(
      "from", po::value(&from), "first record to show: its index in the trace, counting from 0 (the records before it are "
                                "simulated silently)")(
      "to", po::value(&to), "show records up to this index, excluded; the run stops there")(
      "out,o", po::value(&out), "the HTML file to write, e.g. view.html");
  po::variables_map vm;
  if (!parse_args(args, desc, vm)) return 0;
  if (trace.empty()) throw InputError("", 0, "--trace", "a trace file is required");
  if (out.empty()) throw InputError("", 0, "--out", "an output file is required, e.g. --out view.html");
  refuse_read_once_trace(trace, "view");  // counted, then replayed
  const Config cfg = load_config(config_file, sets);
  RunRequest req;
  req.cfg = cfg.values();
  req.trace_path = trace;
  req.trace_options = format.options();
  const unsigned vms = static_cast<unsigned>(req.cfg.guest.vms), vcpus = static_cast<unsigned>(req.cfg.guest.vcpus);
  if (vms * vcpus > kViewMaxCpus) {
    const ValueOrigin& o = cfg.origin("guest.vcpus");
    throw InputError(o.file, o.line, "guest.vcpus", "the view draws at most " + std::to_string(kViewMaxCpus) +
                                                        " CPUs; this machine has " + std::to_string(vms * vcpus) +
                                                        " (guest.vms x guest.vcpus): use mmusim explain, or fewer vCPUs");
  }
  const bool has_from = vm.count("from"), has_to = vm.count("to");
  const std::uint64_t cap = saturating_add(has_from ? from : 0, kExplainMaxRecords + 1);
  const ExplainWindow w = explain_window(trace, count_records(trace, req.trace_options, has_to ? std::min(to, cap) : cap),
                                         has_from, from, has_to, to, "view");
  AtomicFile file(out, "--out");  // a path that cannot be written is refused before the run
  std::ostringstream events;
  Explainer ex(events, w.from, w.to, vms, vcpus, Explainer::Emit::Jsonl);
  ex.set_with_text(true);
  req.explain = &ex;
  try {
    simulate(req);
  } catch (const OutOfMemory& e) {
    const ValueOrigin& o = cfg.origin(e.key);
    throw InputError(o.file, o.line, e.key, e.what());
  } catch (const LimitExceeded& e) {
    const ValueOrigin& o = cfg.origin(e.key);
    throw InputError(o.file, o.line, e.key, e.what());
  }
  ViewInfo info;
  info.trace = trace;
  info.mode = mode_spec(req.cfg.sim.mode).name;
  info.aging = mode_spec(req.cfg.sim.mode).has_aging_policy ? req.cfg.kvm.aging : "";
  info.from = w.from, info.to = w.to;
  info.vms = vms, info.vcpus = vcpus;
  info.tlb = {req.cfg.tlb.l1i_entries, req.cfg.tlb.l1i_ways, req.cfg.tlb.l1d_entries,
              req.cfg.tlb.l1d_ways,    req.cfg.tlb.stlb_entries, req.cfg.tlb.stlb_ways};
  info.host_frames = req.cfg.host.mem_mb << (20 - 12);
  info.swap_slots = req.cfg.swap.mb << (20 - 12);
  write_view_page(file.out(), info, events.str());
  file.commit();
  std::cout << "wrote " << out << ": records " << w.from << " to " << w.to - 1 << " of " << trace << " (" << info.mode
            << " mode" << (info.aging.empty() ? std::string() : ", kvm.aging = " + info.aging) << "), " << ex.events()
            << " events; open it in a browser\n";
  return 0;
}

}  // namespace mmusim
