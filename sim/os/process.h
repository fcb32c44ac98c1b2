// Starting external programs (sbatch, squeue, scancel, ...) with an argument vector: nothing
// read from a file, a trace, a config or an argument ever reaches a shell.
#pragma once
#include <string>
#include <vector>

namespace mmusim {

struct Captured {
  int code = -1;    // exit code; -1 if it could not be started or was killed by a signal
  std::string out;  // stdout and stderr together
};

// Runs argv[0] (looked up on PATH) with the arguments argv[1..], stdin /dev/null, and returns
// its exit code and output. No shell is involved: every argument reaches the program as is. The
// program starts with no signal blocked, even when called with interrupts blocked (os/interrupt.h).
Captured run_capture(const std::vector<std::string>& argv);

// The path of the executable file `name` in the first folder of PATH that has one, as execvp
// would find it; "" if none.
std::string find_on_path(const std::string& name);
// True if `name` is an executable file in a folder of PATH.
bool on_path(const std::string& name);

}  // namespace mmusim
