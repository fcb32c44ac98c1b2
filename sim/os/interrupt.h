// What SIGINT, SIGTERM and SIGHUP do to an mmusim command: stop the child runs it started (the
// same signal, then wait for them), remove its temporary files, and exit with 128 + the signal.
// Everything the handler touches is registered here beforehand in fixed arrays, so that it calls
// only async-signal-safe functions (kill, waitpid, unlink, _exit).
#pragma once
#include <sys/types.h>

#include <string>

namespace mmusim {

// Installs the handler for SIGINT, SIGTERM and SIGHUP (once, at the start of the program). By
// default the program then dies of the signal itself (its parent sees it killed by the signal).
void install_interrupt_handlers();
// After this, the handler exits with code 128 + the signal instead (compare, sweep: after waiting
// for their children).
void exit_on_interrupt();

// A temporary file to remove if the program is interrupted: returns a slot for forget_temp_file
// (-1 if the table is full: the file is then only removed by its owner).
int remember_temp_file(const std::string& path);
void forget_temp_file(int slot);

// A child process to pass the signal to, and to wait for, before exiting.
void remember_child(pid_t pid);
void forget_child(pid_t pid);

// Blocks SIGINT, SIGTERM and SIGHUP in the calling thread while alive (a thread started meanwhile
// inherits the mask: the handler then runs only on threads that did not block them).
class InterruptsBlocked {
 public:
  InterruptsBlocked();
  ~InterruptsBlocked();
  InterruptsBlocked(const InterruptsBlocked&) = delete;
  InterruptsBlocked& operator=(const InterruptsBlocked&) = delete;

 private:
  unsigned long old_[16];  // the previous sigset_t (128 bytes)
};

// In a child process after fork, before exec: the three signals back to their default action
// (unless ignored), then unblocked (it inherits the parent's mask).
void unblock_interrupts_in_child();

}  // namespace mmusim
