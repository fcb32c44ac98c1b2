// The waveform options that `run` and `explain` share: --vcd FILE and its sampling interval and
// window, in cycles.
#pragma once
#include <boost/program_options.hpp>

#include "sysc/vcd_probe.h"

namespace mmusim {

void add_vcd_options(boost::program_options::options_description& desc, VcdOptions& opt);
// Refuses a file name without .vcd, the trace itself, a link, a special file or a file that cannot
// be written, a zero interval and an empty window (InputError naming the option), before anything
// is opened for writing.
void check_vcd_options(const VcdOptions& opt, const std::string& trace);

}  // namespace mmusim
