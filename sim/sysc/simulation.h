// One simulation run: builds the SystemC design from the configuration, replays the trace and
// gathers the figures. SystemC allows one design per process, so call simulate() once.
#pragma once
#include <string>

#include "config/config.h"
#include "mmu/mmu.h"
#include "stats/summary.h"
#include "stats/timeline.h"
#include "sysc/vcd_probe.h"
#include "trace/reader.h"

namespace mmusim {

class Explainer;

struct RunRequest {
  SimConfig cfg;
  std::string trace_path;
  TraceOptions trace_options;  // format, and the ids of ChampSim's records
  bool skip_bad_lines = false;  // --skip-bad-lines: skip and count malformed records (TraceReader::set_skip_bad)
  Explainer* explain = nullptr;  // explain mode: the models narrate into it
  VcdOptions vcd;                // waveforms, when vcd.path is set
};

// Throws InputError on bad input (trace records, memory the trace cannot fit in). With
// `timeline`, the figures every sim.timeline_interval_cycles and at the end are written to it.
RunSummary simulate(const RunRequest& req, TimelineWriter* timeline = nullptr);

// The TLB and walk part of a configuration, as the MMU model takes it (also bench/naive).
MmuConfig mmu_config(const SimConfig& c);

}  // namespace mmusim
