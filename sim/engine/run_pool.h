// Running `mmusim run` as child processes, at most `jobs` at a time (compare, sweep): each child
// writes its own folder and a log; the pool reports each one's exit status.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace mmusim {

struct ChildRun {
  std::vector<std::string> args;  // after the program name: "run", ...
  std::string log;                // stdout and stderr of the run
};

// Runs them all; `done(i, status)` is called as each finishes (status: exit code, -1 if killed).
// `meanwhile` runs on a thread of this process after the first children have started, and takes
// one of the `jobs` slots while it runs (jobs 1: it runs first, then the children one at a time);
// `done` is called on the calling thread.
std::vector<int> run_pool(const std::string& self, const std::vector<ChildRun>& runs, unsigned jobs,
                          const std::function<void(std::size_t, int)>& done = {},
                          const std::function<void()>& meanwhile = {});

// The first line of a failed run's log that is not a --skip-bad-lines note, commas made semicolons (for a CSV cell).
std::string first_log_line(const std::string& log);

}  // namespace mmusim
