#include "os/interrupt.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace mmusim {

namespace {

constexpr int kTempSlots = 64;
constexpr std::size_t kPathBytes = 4096;
char temp_paths[kTempSlots][kPathBytes];
std::atomic<int> temp_used[kTempSlots];  // 0 free, 1 being written, 2 a path to remove

constexpr int kChildSlots = 4096;
std::atomic<pid_t> children[kChildSlots];  // 0: free

std::atomic<bool> exit_with_code{false};

// set_interrupt_command's program: its arguments, each ending in '\0', then the note.
constexpr int kCommandArgs = 16;
constexpr std::size_t kCommandBytes = 8192;
char command_text[kCommandBytes];
char* command_argv[kCommandArgs + 1];
std::size_t command_note_at = 0, command_note_bytes = 0;
std::atomic<bool> command_set{false};

void run_interrupt_command() {
  if (!command_set.load()) return;
  [[maybe_unused]] const ssize_t said = write(STDERR_FILENO, command_text + command_note_at, command_note_bytes);
  if (!command_argv[0]) return;
  // _Fork, not fork: no atfork handlers and no locks taken (glibc 2.34), so it is safe here even
  // if the signal came in the middle of malloc.
  const pid_t pid = _Fork();
  if (pid == 0) {
    unblock_interrupts_in_child();
    execve(command_argv[0], command_argv, environ);
    _exit(127);
  }
  if (pid > 0)
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

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
  run_interrupt_command();
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

void set_interrupt_command(const std::vector<std::string>& argv, const std::string& note) {
  command_set = false;
  std::size_t bytes = note.size();
  for (const std::string& a : argv) bytes += a.size() + 1;
  if (argv.size() > kCommandArgs || bytes > kCommandBytes) return;
  char* p = command_text;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::memcpy(p, argv[i].c_str(), argv[i].size() + 1);
    command_argv[i] = p;
    p += argv[i].size() + 1;
  }
  command_argv[argv.size()] = nullptr;
  std::memcpy(p, note.data(), note.size());
  command_note_at = static_cast<std::size_t>(p - command_text);
  command_note_bytes = note.size();
  command_set = true;
}

void forget_interrupt_command() { command_set = false; }

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
