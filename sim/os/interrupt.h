// What SIGINT, SIGTERM and SIGHUP do to an mmusim command: stop the child runs it started (the
// same signal, then wait for them), cancel the Slurm job it submitted (set_interrupt_command),
// remove its temporary files, and exit with 128 + the signal.
// Everything the handler touches is registered here beforehand in fixed arrays, so that it calls
// only async-signal-safe functions (kill, waitpid, unlink, write, _Fork, execve, _exit).
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

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

// A program for the handler to run once the children have stopped, before it exits: the Slurm
// engine's `scancel JOB` of the job the command submitted. `argv[0]` is the program's path
// (os/process.h's find_on_path), started with this argument vector (no shell) and waited for;
// `note` is written to stderr first. An empty `argv`: the note alone. One at a time; more than 16
// arguments or 8 KiB in all (the handler's table) are not registered.
void set_interrupt_command(const std::vector<std::string>& argv, const std::string& note);
void forget_interrupt_command();

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
