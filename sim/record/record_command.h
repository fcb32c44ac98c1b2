// mmusim record [--out T.mtr.zst] [--slice-records N] -- PROGRAM ARGS...: runs PROGRAM under
// valgrind lackey, its child processes too, and writes one trace in which every process is its
// own pid (record_command.cc).
#pragma once
#include <string>
#include <vector>

namespace mmusim {

int record_command(const std::vector<std::string>& args);

}  // namespace mmusim
