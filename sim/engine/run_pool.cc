#include "engine/run_pool.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include "engine/engine.h"
#include "os/interrupt.h"
#include "os/safe_file.h"

namespace mmusim {

namespace {
pid_t spawn(const std::string& self, const ChildRun& run) {
  // Everything the child needs is made before fork: the parent may run another thread (the work
  // done meanwhile), so the child must only call async-signal-safe functions (no malloc).
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(self.c_str()));
  for (const std::string& a : run.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int log = create_fresh_file(run.log, "--out");  // never through a link left in the run's folder
  const pid_t parent = getpid();
  // Interrupts wait until the child is in the interrupt handler's list (os/interrupt.h).
  const InterruptsBlocked blocked;
  const pid_t pid = fork();
  if (pid < 0) {
    close(log);
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    // The child dies with this process, even killed outright (SIGKILL: no handler runs).
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    unblock_interrupts_in_child();
    dup2(log, 1);
    dup2(log, 2);
    execv(self.c_str(), argv.data());
    _exit(127);
  }
  remember_child(pid);
  close(log);
  return pid;
}
}  // namespace

std::vector<int> run_pool(const std::string& self, const std::vector<ChildRun>& runs, unsigned jobs,
                          const std::function<void(std::size_t, int)>& done, const std::function<void()>& meanwhile) {
  std::vector<int> status(runs.size(), -1);
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0;
  // `meanwhile` is work too: it runs on a thread of this process and takes one of the `jobs`
  // slots until it ends (with -j 1 the runs start after it), so -j N never asks for more than N
  // cores; children that end meanwhile are replaced at once.
  std::atomic<bool> meanwhile_running{static_cast<bool>(meanwhile)};
  std::exception_ptr meanwhile_error;
  std::thread worker;
  auto launch = [&] {
    const std::size_t slots = meanwhile_running ? jobs - 1 : jobs;
    while (next < runs.size() && running.size() < slots) {
      running[spawn(self, runs[next])] = next;
      ++next;
    }
  };
  auto reap = [&](pid_t pid, int st) {
    const auto it = running.find(pid);
    if (it == running.end()) return;
    forget_child(pid);
    status[it->second] = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? kKilledBase - WTERMSIG(st) : -1;
    if (done) done(it->second, status[it->second]);
    running.erase(it);
  };
  launch();
  if (meanwhile) {
    const InterruptsBlocked blocked;  // the worker inherits the mask: interrupts are handled on this thread
    worker = std::thread([&] {
      try {
        meanwhile();
      } catch (...) {
        meanwhile_error = std::current_exception();
      }
      meanwhile_running = false;
    });
    std::exception_ptr pool_error;  // fork failing, or `done` throwing: the thread is joined first
    while (meanwhile_running && !pool_error) {  // reap without blocking, so that the end of `meanwhile` is seen
      try {
        int st = 0;
        const pid_t pid = running.empty() ? 0 : waitpid(-1, &st, WNOHANG);
        if (pid > 0) {
          reap(pid, st);
          launch();  // meanwhile_error is read only after the join: a run started now is stopped then
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
      } catch (...) {
        pool_error = std::current_exception();
      }
    }
    worker.join();
    if (meanwhile_error || pool_error) {  // stop the runs already started before reporting the error
      for (const auto& [pid, i] : running) kill(pid, SIGTERM);
      for (const auto& [pid, i] : running) {
        waitpid(pid, nullptr, 0);
        forget_child(pid);
      }
      std::rethrow_exception(meanwhile_error ? meanwhile_error : pool_error);
    }
    launch();
  }
  while (!running.empty()) {
    int st = 0;
    const pid_t pid = wait(&st);
    if (pid < 0) break;
    reap(pid, st);
    launch();
  }
  return status;
}

std::string first_log_line(const std::string& log) {
  std::ifstream in(log);
  std::string first;
  while (std::getline(in, first) && first.rfind("mmusim: skipped", 0) == 0) {  // --skip-bad-lines notes, not why it failed
  }
  for (char& ch : first)
    if (ch == ',') ch = ';';
  return first;
}

}  // namespace mmusim
