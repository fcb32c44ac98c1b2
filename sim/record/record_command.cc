// mmusim record: valgrind lackey on a program and all its children, one trace out.
//
// valgrind runs with --trace-children=yes and --log-file=DIR/%p: each process writes its own log,
// named by its pid, in a private temporary folder. Each log is opened and unlinked the moment it
// appears (inotify), so a process that execs another program starts a new log (a new address
// space: a new trace pid) instead of truncating its old one, and nothing is left on disk. The logs
// are read as they grow and interleaved as a round-robin scheduler with a time slice of N records
// would run them: the processes in the order their logs appeared (a new one joins at the end of
// the round), each in turn giving its next N records, or fewer if it ends or blocks first. A
// process blocks when its log does not grow for kBlockedMs while it is its turn (under valgrind a
// running process writes a line every few instructions; one that waits for a child, a pipe or
// the terminal writes nothing). Trace pid k is the k-th log to appear. Which of two processes
// started at the same moment comes first, and where a blocked process's slice ends, depend on the
// run, as on a real system; the trace file, once written, replays the same every time.
#include "record/record_command.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "util/input_error.h"
#include "record/lackey_log.h"
#include "trace/mtr_writer.h"

extern char** environ;

namespace mmusim {

namespace po = boost::program_options;

namespace {

// Where execvp would find `prog` (searching PATH unless it has a '/'), or "" with `why` set.
std::string find_program(const std::string& prog, std::string& why) {
  auto executable = [&](const std::string& p) {
    struct stat st;
    if (::stat(p.c_str(), &st) != 0) return why = std::strerror(errno), false;
    if (!S_ISREG(st.st_mode) || ::access(p.c_str(), X_OK) != 0) return why = "not an executable file", false;
    return true;
  };
  if (prog.find('/') != std::string::npos) return executable(prog) ? prog : "";
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  for (std::size_t i = 0; i <= dirs.size();) {
    std::size_t j = dirs.find(':', i);
    if (j == std::string::npos) j = dirs.size();
    const std::string d = j > i ? dirs.substr(i, j - i) : ".";
    if (executable(d + "/" + prog)) return d + "/" + prog;
    i = j + 1;
  }
  why = "not found in PATH";
  return "";
}

// Whether process `pid` has ended (gone, or a zombie waiting for its parent).
bool process_ended(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return true;
  const std::size_t p = stat.rfind(')');
  return p == std::string::npos || p + 2 >= stat.size() || stat[p + 2] == 'Z' || stat[p + 2] == 'X';
}

class Recorder {
 public:
  Recorder(std::string dir, pid_t child, int inotify) : dir_(std::move(dir)), child_(child), inotify_(inotify) {}

  // Interleaves the logs into `out` until the program and its logs have ended; returns the
  // program's wait status.
  int run(MtrWriter& out, std::uint64_t slice);
  // One line per process, by trace pid.
  std::vector<std::string> summary() const {
    std::vector<std::string> lines;
    for (const auto& [pid, line] : summary_) lines.push_back(line);
    return lines;
  }
  std::size_t processes() const { return next_pid_; }
  // Stops the recording: kills valgrind and every process it traces (each has a log), also those
  // forked meanwhile, and reaps valgrind.
  void kill_all();

 private:
  struct Log {
    std::unique_ptr<LackeyLog> log;
    bool superseded = false;  // the process exec'd another program: a new log took over
  };
  void discover();
  bool ended(const Log& l) const {
    return l.log->exit_seen() || l.superseded || child_done_ || process_ended(l.log->os_pid());
  }
  void wait_a_little() {
    pollfd p{inotify_, POLLIN, 0};
    ::poll(&p, 1, 2);
  }
  void retire(const Log& l) {
    summary_.emplace(l.log->trace_pid(), "pid " + std::to_string(l.log->trace_pid()) + ": " + std::to_string(l.log->records()) +
                       " records, process " + std::to_string(l.log->os_pid()) +
                       (l.log->command().empty() ? std::string() : ", " + l.log->command()));
  }

  std::string dir_;
  pid_t child_;
  int inotify_;
  bool child_done_ = false;
  int status_ = 0;
  std::vector<Log> logs_;  // the running ones, in the order they appeared
  std::uint32_t next_pid_ = 0;
  std::map<std::uint32_t, std::string> summary_;
};

void Recorder::discover() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    const ssize_t n = ::read(inotify_, buf, sizeof buf);
    if (n <= 0) return;
    for (ssize_t i = 0; i < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + i);
      i += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (!(ev->mask & IN_CREATE) || ev->len == 0) continue;
      const std::string name = ev->name;
      const pid_t pid = static_cast<pid_t>(std::atol(name.c_str()));
      for (Log& l : logs_)
        if (l.log->os_pid() == pid) l.superseded = true;
      logs_.push_back(Log{std::make_unique<LackeyLog>(dir_ + "/" + name, pid, next_pid_++)});
    }
  }
}

constexpr auto kBlocked = std::chrono::milliseconds(20);  // kBlockedMs above

void Recorder::kill_all() {
  ::kill(child_, SIGKILL);
  for (int round = 0; round < 100; ++round) {  // until a round finds nothing left running (1 s at most)
    try {
      discover();
    } catch (const InputError&) {  // a log that vanished: its process is gone
    }
    bool running = false;
    for (const Log& l : logs_)
      if (!process_ended(l.log->os_pid())) ::kill(l.log->os_pid(), SIGKILL), running = true;
    if (!running && round > 0) break;
    pollfd p{inotify_, POLLIN, 0};
    ::poll(&p, 1, 10);
  }
  if (!child_done_) ::waitpid(child_, &status_, 0);
}

// Ctrl-C or a kill: the recording stops, and the unfinished trace is removed.
volatile std::sig_atomic_t g_stop = 0;
extern "C" void on_stop_signal(int) { g_stop = 1; }

int Recorder::run(MtrWriter& out, std::uint64_t slice) {
  std::vector<TraceRecord> buf(static_cast<std::size_t>(std::min<std::uint64_t>(slice, 1 << 16)));
  const bool tty = ::isatty(2);
  auto last = std::chrono::steady_clock::now();
  unsigned shown_pids = 0;      // the processes and logs the progress line last showed
  std::size_t shown_logs = 0;
  std::size_t cur = 0;
  std::uint64_t in_slice = 0;
  auto idle_since = std::chrono::steady_clock::time_point::max();  // the current process has written nothing new since
  for (;;) {
    if (g_stop) throw InputError("", 0, "record", "interrupted: no trace written");
    discover();
    if (!child_done_) {
      const pid_t w = ::waitpid(child_, &status_, WNOHANG);
      if (w == child_ || (w < 0 && errno == ECHILD)) child_done_ = true;
    }
    // The line is drawn when a process starts or ends and every 500 ms in between.
    if (tty && (next_pid_ != shown_pids || logs_.size() != shown_logs ||
                std::chrono::steady_clock::now() - last > std::chrono::milliseconds(500))) {
      last = std::chrono::steady_clock::now();
      shown_pids = next_pid_, shown_logs = logs_.size();
      std::fprintf(stderr, "\rrecording: %llu records of %u processes (%zu running)   ",
                   static_cast<unsigned long long>(out.records()), next_pid_, logs_.size());
    }
    if (logs_.empty()) {
      if (child_done_) break;
      wait_a_little();
      continue;
    }
    if (cur >= logs_.size()) cur = 0;
    Log& l = logs_[cur];
    const bool end = ended(l);  // before reading: what it wrote before it ended is then all there
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(slice - in_slice, buf.size()));
    const std::size_t got = l.log->take(buf.data(), want);
    for (std::size_t i = 0; i < got; ++i) out.add(buf[i]);
    in_slice += got;
    const auto now = std::chrono::steady_clock::now();
    if (got > 0) idle_since = std::chrono::steady_clock::time_point::max();
    if (in_slice == slice) {  // its slice is used up: the next process
      in_slice = 0, idle_since = std::chrono::steady_clock::time_point::max();
      ++cur;
    } else if (got < want && end && l.log->drained()) {  // it ended: the next one takes its place
      retire(l);
      logs_.erase(logs_.begin() + static_cast<std::ptrdiff_t>(cur));
      in_slice = 0, idle_since = std::chrono::steady_clock::time_point::max();
    } else if (got == 0) {
      if (idle_since == std::chrono::steady_clock::time_point::max()) idle_since = now;
      if (now - idle_since >= kBlocked && logs_.size() > 1) {  // it blocks: the next process
        in_slice = 0, idle_since = std::chrono::steady_clock::time_point::max();
        ++cur;
      } else {
        wait_a_little();  // its next records are not written yet
      }
    }
  }
  if (tty) std::fprintf(stderr, "\r%70s\r", "");
  return status_;
}

// mkdtemp under TMPDIR, removed with whatever is left in it (logs are unlinked as they appear).
struct TempDir {
  std::string path;
  TempDir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/mmusim-record-XXXXXX";
    if (!::mkdtemp(&tmpl[0])) throw InputError(tmpl, 0, "", std::string("cannot make a temporary folder: ") + std::strerror(errno));
    path = tmpl;
  }
  ~TempDir() {
    if (DIR* d = ::opendir(path.c_str())) {
      while (const dirent* e = ::readdir(d))
        if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) ::unlinkat(::dirfd(d), e->d_name, 0);
      ::closedir(d);
    }
    ::rmdir(path.c_str());
  }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "ended with wait status " + std::to_string(status);
}

const char* kUsage = "usage: mmusim record [--out T.mtr.zst] [--slice-records N] -- PROGRAM ARGS...";

}  // namespace

int record_command(const std::vector<std::string>& args) {
  std::string out = "trace.mtr.zst";
  std::uint64_t slice = 100000;
  std::vector<std::string> program;
  po::options_description desc(
      "mmusim record [--out T.mtr.zst] [--slice-records N] -- PROGRAM ARGS...\n"
      "Runs PROGRAM under valgrind lackey, its child processes too, and writes one trace (.mtr, zstd-compressed\n"
      "if OUT ends in .zst) in which every process (and every program a process execs) is its own pid, in the\n"
      "order they started; the processes are interleaved as a round-robin scheduler with a time slice of N\n"
      "records would run them");
  desc.add_options()("help,h", "this help")("out,o", po::value(&out), "output trace (default trace.mtr.zst)")(
      "slice-records", po::value(&slice), "records of one process between two context switches (default 100000)")(
      "program", po::value(&program), "the program and its arguments, after --");
  po::positional_options_description pos;
  pos.add("program", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << desc;
    return 0;
  }
  if (program.empty()) throw InputError("", 0, "record", std::string("no program to record; ") + kUsage);
  if (slice == 0) throw InputError("--slice-records", 0, "", "must be at least 1");
  std::string why;
  const std::string valgrind = find_program("valgrind", why);
  if (valgrind.empty())
    throw InputError("", 0, "record", "cannot run valgrind (" + why + "); install it (Debian: apt-get install valgrind)");
  if (find_program(program[0], why).empty()) throw InputError("", 0, "record", "cannot start '" + program[0] + "': " + why);

  TempDir dir;
  const int inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify < 0 || ::inotify_add_watch(inotify, dir.path.c_str(), IN_CREATE) < 0)
    throw InputError(dir.path, 0, "", std::string("cannot watch the folder of the logs: ") + std::strerror(errno));
  const std::string tmp = out + ".tmp";
  int status = 0;
  std::unique_ptr<Recorder> rec;
  std::uint64_t records = 0;
  try {
    MtrWriter writer(tmp, out.size() > 4 && out.compare(out.size() - 4, 4, ".zst") == 0 ? Compression::Zstd : Compression::None);
    std::vector<std::string> argv_s = {valgrind, "--tool=lackey", "--trace-mem=yes", "--trace-children=yes",
                                       "--log-file=" + dir.path + "/%p"};
    argv_s.insert(argv_s.end(), program.begin(), program.end());
    std::vector<char*> argv;
    for (std::string& a : argv_s) argv.push_back(&a[0]);
    argv.push_back(nullptr);
    pid_t child;
    const int err = ::posix_spawn(&child, valgrind.c_str(), nullptr, nullptr, argv.data(), environ);
    if (err != 0) throw InputError("", 0, "record", "cannot run " + valgrind + ": " + std::strerror(err));
    rec = std::make_unique<Recorder>(dir.path, child, inotify);
    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    try {
      status = rec->run(writer, slice);
    } catch (...) {
      rec->kill_all();
      throw;
    }
    records = writer.records();
    if (records == 0)
      throw InputError("", 0, "record", "no records: '" + program[0] + "' " + describe_status(status) +
                                            " before valgrind traced any access (valgrind's own messages are above)");
    writer.close();
  } catch (...) {
    ::close(inotify);
    std::remove(tmp.c_str());
    throw;
  }
  ::close(inotify);
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw InputError(out, 0, "", std::string("cannot write: ") + std::strerror(errno));
  }
  std::cout << "wrote " << records << " records of " << rec->processes() << " process" << (rec->processes() == 1 ? "" : "es")
            << " to " << out << " (time slices of " << slice << " records)\n";
  for (const std::string& s : rec->summary()) std::cout << "  " << s << '\n';
  std::cout << program[0] << ' ' << describe_status(status) << '\n';
  return 0;
}

}  // namespace mmusim
