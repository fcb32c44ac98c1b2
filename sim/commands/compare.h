// `mmusim compare`: the aging policies on the same trace and machine, each run in its own process
// (-j N at a time), gathered into DIR/compare.csv with the offline bounds OPT and exact LRU.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

// argv[0] is the path of the mmusim program (the runs are its `run` command).
int compare_command(const std::string& self, const std::vector<std::string>& args);

}  // namespace mmusim
