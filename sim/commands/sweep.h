// `mmusim sweep`: the cartesian product of --vary key=v1,v2,... lists, each combination a run in
// its own process (-j N at a time), gathered into DIR/sweep.csv with one column per varied key.
// Resumable: a combination whose summary.csv exists is not run again.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

int sweep_command(const std::string& self, const std::vector<std::string>& args);

}  // namespace mmusim
