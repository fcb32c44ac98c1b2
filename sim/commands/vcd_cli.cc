#include "commands/vcd_cli.h"

#include <sys/stat.h>

#include "util/input_error.h"
#include "os/safe_file.h"

namespace po = boost::program_options;

namespace mmusim {

void add_vcd_options(po::options_description& desc, VcdOptions& opt) {
  desc.add_options()("vcd", po::value(&opt.path),
                     "write the figures over simulated time to this .vcd file (GTKWave): free pages, LRU lists, VM exits, "
                     "TLB misses, kswapd running, swap requests in flight")(
      "vcd-interval-cycles", po::value(&opt.interval_cycles)->default_value(opt.interval_cycles),
      "cycles of simulated time between two samples")(
      "vcd-from-cycles", po::value(&opt.from_cycles)->default_value(opt.from_cycles),
      "first sample at this cycle")("vcd-to-cycles", po::value(&opt.to_cycles)->default_value(opt.to_cycles),
                                    "no sample after this cycle (0: to the end of the run)");
}

namespace {
bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return a == b || (stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}
}  // namespace

void check_vcd_options(const VcdOptions& opt, const std::string& trace) {
  if (opt.path.empty()) return;
  if (!trace.empty() && trace != "-" && same_file(opt.path, trace))
    throw InputError("--vcd", 0, "", "'" + opt.path + "' is the trace; the waveform needs a file of its own");
  refuse_special_file(opt.path, "--vcd");
  vcd_stem(opt.path, "--vcd");
  if (opt.interval_cycles == 0) throw InputError("--vcd-interval-cycles", 0, "", "the interval must be at least 1 cycle");
  if (opt.to_cycles && opt.to_cycles < opt.from_cycles)
    throw InputError("--vcd-to-cycles", 0, "", "the window ends (" + std::to_string(opt.to_cycles) +
                                                   ") before it starts (--vcd-from-cycles " +
                                                   std::to_string(opt.from_cycles) + ")");
}

}  // namespace mmusim
