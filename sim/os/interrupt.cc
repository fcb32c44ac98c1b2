#include "os/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace mmusim {

namespace {

constexpr int kTempSlots = 64;
constexpr std::size_t kPathBytes = 4096;
char temp_paths[kTempSlots][kPathBytes];
std::atomic<int> temp_used[kTempSlots];  // 0 free, 1 being written, 2 a path to remove

constexpr int kChildSlots = 4096;
std::atomic<pid_t> children[kChildSlots];  // 0: free

std::atomic<bool> exit_with_code{false};

void on_interrupt(int sig) {
  const int saved = errno;
  for (auto& c : children) {
    const pid_t pid = c.load();
    if (pid > 0) kill(pid, sig);
  }
  for (auto& c : children) {
    const pid_t pid = c.load();
    if (pid <= 0) continue;
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  for (int i = 0; i < kTempSlots; ++i)
    if (temp_used[i].load() == 2) unlink(temp_paths[i]);
  errno = saved;
  if (!exit_with_code.load()) {  // die of the signal itself, as the parent expects of a run
    signal(sig, SIG_DFL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_UNBLOCK, &s, nullptr);
    raise(sig);
  }
  _exit(128 + sig);
}

sigset_t interrupt_set() {
  sigset_t s;
  sigemptyset(&s);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&s, sig);
  return s;
}

}  // namespace

void install_interrupt_handlers() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sa.sa_mask = interrupt_set();  // one interruption at a time
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old;
    // A signal ignored when the program started (nohup, a shell's background job) stays ignored.
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    sigaction(sig, &sa, nullptr);
  }
}

void exit_on_interrupt() { exit_with_code = true; }

int remember_temp_file(const std::string& path) {
  if (path.size() >= kPathBytes) return -1;
  for (int i = 0; i < kTempSlots; ++i) {
    int expected = 0;
    if (!temp_used[i].compare_exchange_strong(expected, 1)) continue;
    std::memcpy(temp_paths[i], path.c_str(), path.size() + 1);
    temp_used[i].store(2);
    return i;
  }
  return -1;
}

void forget_temp_file(int slot) {
  if (slot >= 0 && slot < kTempSlots) temp_used[slot].store(0);
}

void remember_child(pid_t pid) {
  for (auto& c : children) {
    pid_t expected = 0;
    if (c.compare_exchange_strong(expected, pid)) return;
  }
}

void forget_child(pid_t pid) {
  for (auto& c : children) {
    pid_t expected = pid;
    if (c.compare_exchange_strong(expected, 0)) return;
  }
}

InterruptsBlocked::InterruptsBlocked() {
  static_assert(sizeof(sigset_t) <= sizeof old_, "sigset_t is larger than expected");
  const sigset_t s = interrupt_set();
  pthread_sigmask(SIG_BLOCK, &s, reinterpret_cast<sigset_t*>(old_));
}

InterruptsBlocked::~InterruptsBlocked() { pthread_sigmask(SIG_SETMASK, reinterpret_cast<sigset_t*>(old_), nullptr); }

void unblock_interrupts_in_child() {
  // The child is this program until it execs: the parent's handler, and its tables, are not its
  // own. A signal pending from the parent's handler then ends the child at once.
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old;
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler != SIG_IGN) signal(sig, SIG_DFL);
  }
  const sigset_t s = interrupt_set();
  sigprocmask(SIG_UNBLOCK, &s, nullptr);
}

}  // namespace mmusim
