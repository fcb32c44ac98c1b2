// sim.mode as a type: the paging modes the simulator runs, each with its name, its help line and
// what differs per mode outside the memory system (the summary table's lines, the name of the
// entry the walker reads, whether kvm.aging applies, checks of the configuration). The memory
// system of each mode is built by make_memory_system (sysc/memory_factory.cc). A new mode is
// one entry in sim_modes() (sim_mode.cc) and one case in that factory.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace mmusim {

enum class SimMode { Native, Shadow, Nested };

class Config;
struct RunSummary;
struct SimConfig;
using SummaryRow = std::function<void(const std::string& label, const std::string& value)>;
// The readable summary's line on 1 GiB hugetlbfs pages, in every mode (only when some were mapped).
void hugetlb_1g_row(const RunSummary& s, const SummaryRow& row);

struct SimModeSpec {
  SimMode mode;
  const char* name;         // the value of sim.mode
  const char* help;         // one line for `mmusim config --list`
  const char* walk_entry;   // what the hardware walker reads, for explain mode ("pte", "spte")
  bool has_aging_policy;    // kvm.aging applies (the summary's policy column, compare's runs)
  bool has_host;            // a host beside the guests, whose own processes (vm host) may run (host.cpus)
  // The mode's lines of the readable summary table (print_summary_table): row(label, value) for each.
  void (*summary_rows)(const RunSummary& s, const SummaryRow& row);
  // What the "frames used" line adds after the page-table pages (the guests' frames).
  std::string (*frames_detail)(const RunSummary& s);
  // Checks of the configuration that only this mode needs (InputError naming file, line, key).
  void (*validate)(const Config& cfg);
  // Why host memory ran out (OutOfMemory on host.mem_mb), for the message of `mmusim run`.
  std::string (*out_of_memory_hint)(const SimConfig& cfg);
  // Whether the configuration key `key` (section.name) changes a run of this mode (`mmusim
  // config --show` marks the others unused).
  bool (*uses_key)(const std::string& key);
};

// Every mode, in the order the documentation lists them.
const std::vector<SimModeSpec>& sim_modes();
const SimModeSpec& mode_spec(SimMode m);
// The mode named `name`; std::invalid_argument listing the names if there is none.
SimMode parse_sim_mode(const std::string& name);
const char* mode_name(SimMode m);
std::vector<std::string> sim_mode_names();

}  // namespace mmusim
