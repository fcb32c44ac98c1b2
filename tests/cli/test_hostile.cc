// Hostile or careless use (issue 22): results folders and files crafted to make mmusim run shell
// commands, write through links, mix results; interrupted commands; unbounded output.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

const std::string kSmall = kSource + "/tests/data/golden_small.csv";

// The environment that puts the fake Slurm commands first on PATH, with a fresh state folder.
std::string fake_slurm() {
  const std::string state = test_dir() + "/fake-slurm";
  fs::remove_all(state);
  fs::create_directories(state);
  return "PATH='" + kSource + "/tests/cli/fake_slurm:/usr/bin:/bin' FAKE_SLURM='" + state + "'";
}

// Every file under `dir` whose name ends in ".tmp" (files come and go meanwhile: an entry that
// vanishes is passed over).
std::vector<std::string> temp_files(const std::string& dir) {
  std::vector<std::string> v;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".tmp") v.push_back(it->path().string());
  return v;
}

// Starts `mmusim ARGS` (split at spaces) in the test's folder, stdout and stderr to files there,
// with the environment variables `env` set; returns its process id.
pid_t start_mmusim(const std::string& args, const std::vector<std::pair<std::string, std::string>>& env = {}) {
  std::vector<std::string> v = {MMUSIM_BIN};
  for (const std::string& a : split(args, ' '))
    if (!a.empty()) v.push_back(a);
  std::vector<char*> argv;
  for (std::string& a : v) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dir = test_dir(), out = dir + "/.stdout", err = dir + "/.stderr";
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(dir.c_str()) != 0) _exit(126);
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// The processes whose parent is `pid`, from /proc.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> v;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = slurp(e.path().string() + "/stat");
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream in(stat.substr(paren + 2));
    char state;
    pid_t ppid = 0;
    in >> state >> ppid;
    if (ppid == pid) v.push_back(std::stoi(name));
  }
  return v;
}

// A process that has ended: gone, or a zombie nobody has reaped yet.
bool ended(pid_t pid) {
  const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  const auto paren = stat.rfind(')');
  return stat.empty() || (paren != std::string::npos && stat.size() > paren + 2 && stat[paren + 2] == 'Z');
}

// Polls `ready` every 20 ms, at most `seconds` (a bound, not a measure: the test fails past it).
template <class F>
bool wait_until(F ready, int seconds = 120) {
  for (int i = 0; i < seconds * 50; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// Runs that take about a minute each (the invariant checker after every record), long enough to be
// interrupted while they run.
const std::string kSlowRuns = "--config " + kSource + "/configs/pressure.cfg --trace " + kSource +
                              "/traces/synthetic/pressure.csv --set sim.check=true --set sim.check_every=1";

// Stops what a test left running (on a failure).
void kill_all(const std::vector<pid_t>& pids) {
  for (pid_t p : pids) kill(p, SIGKILL);
}

}  // namespace

TEST_CASE("a crafted slurm/job-id reaches no shell: it is refused as not a job id", "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string env = fake_slurm();
  fs::create_directories(test_dir() + "/sw/slurm");
  std::ofstream(test_dir() + "/sw/slurm/job-id") << "1;touch${IFS}pwned;#\n";
  for (const std::string engine : {"local", "slurm --poll-seconds 0.05"}) {
    const Result r =
        run_mmusim("sweep --engine " + engine + " --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw", "", env);
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: sw/slurm/job-id:1: '1;touch${IFS}pwned;#' is not a Slurm job id (digits, optionally _digits); "
                   "remove the file if no job of this folder runs\n");
    CHECK_FALSE(fs::exists(test_dir() + "/pwned"));
  }
}

TEST_CASE("no writes through links: a symlinked config.cfg, summary.csv or log.txt is refused and its target untouched",
          "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string victim = write_test_file("victim.txt", "precious\n");
  fs::create_directories(test_dir() + "/out");
  for (const char* name : {"config.cfg", "summary.csv", "timeline.csv"}) {
    INFO(name);
    fs::remove_all(test_dir() + "/out");
    fs::create_directories(test_dir() + "/out");
    fs::create_symlink(victim, test_dir() + "/out/" + name);
    const Result r = run_mmusim("run -q --trace " + kSmall + " --out out");
    CHECK(r.code == 2);
    CHECK(r.err == std::string("mmusim: out/") + name +
                       ": --out: is a symbolic link; mmusim does not write through links (remove it, or use another folder)\n");
    CHECK(slurp(victim) == "precious\n");
    CHECK(temp_files(test_dir() + "/out").empty());
  }
  // A run's log in a sweep, and a run folder that is a link.
  fs::remove_all(test_dir() + "/sw");
  fs::create_directories(test_dir() + "/sw/run0_tlb.l1d_entries=32");
  fs::create_symlink(victim, test_dir() + "/sw/run0_tlb.l1d_entries=32/log.txt");
  Result r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32 --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw/run0_tlb.l1d_entries=32/log.txt: --out: is a symbolic link; mmusim does not write through "
                 "links (remove it, or use another folder)\n");
  CHECK(slurp(victim) == "precious\n");
  fs::remove_all(test_dir() + "/sw");
  fs::create_directories(test_dir() + "/sw");
  fs::create_directories(test_dir() + "/elsewhere");
  fs::create_directory_symlink(test_dir() + "/elsewhere", test_dir() + "/sw/run0_tlb.l1d_entries=32");
  r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32 --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw/run0_tlb.l1d_entries=32: --out: is a symbolic link; mmusim does not write through links (give "
                 "the folder it names)\n");
  CHECK(fs::is_empty(test_dir() + "/elsewhere"));
  // gen onto a link.
  fs::create_symlink(victim, test_dir() + "/gen.csv");
  r = run_mmusim("gen --pattern seq --accesses 10 --out gen.csv");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: gen.csv: --out: is a symbolic link; mmusim does not write through links (remove it, or use another "
                 "folder)\n");
  CHECK(slurp(victim) == "precious\n");
}

TEST_CASE("convert refuses an output that is a FIFO or a folder, and leaves no .tmp behind", "[cli][hostile]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir() + "/folder.mtr");
  REQUIRE(mkfifo((test_dir() + "/fifo.mtr").c_str(), 0600) == 0);
  Result r = run_mmusim("convert " + kSmall + " fifo.mtr");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: fifo.mtr: convert: exists and is not a regular file (a FIFO); mmusim writes only regular files\n");
  struct stat st;
  REQUIRE(lstat((test_dir() + "/fifo.mtr").c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  r = run_mmusim("convert " + kSmall + " folder.mtr");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: folder.mtr: convert: exists and is not a regular file (a folder); mmusim writes only regular files\n");
  CHECK(fs::is_directory(test_dir() + "/folder.mtr"));
  // A failure on the way (bad input) leaves nothing either.
  const std::string bad = write_test_file("bad.csv", "op,gva\nR,0x1000\nW,0xzz\n");
  r = run_mmusim("convert bad.csv out.mtr");
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(test_dir() + "/out.mtr"));
  CHECK(temp_files(test_dir()).empty());
}

TEST_CASE("a --vcd naming the trace is refused before anything is written", "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string text = slurp(kSmall);
  write_test_file("t.vcd", text);
  for (const char* cmd : {"run", "explain"}) {
    INFO(cmd);
    const Result r = run_mmusim(std::string(cmd) + " --trace t.vcd --format csv --vcd t.vcd");
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: --vcd: 't.vcd' is the trace; the waveform needs a file of its own\n");
    CHECK(slurp(test_dir() + "/t.vcd") == text);
  }
}

TEST_CASE("one command per folder: a second command into a locked folder names the holder", "[cli][hostile]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir() + "/out");
  // Another command holds the folder (the lock as mmusim takes it, held by this test).
  const int fd = open((test_dir() + "/out/.mmusim-lock").c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(flock(fd, LOCK_EX | LOCK_NB) == 0);
  const std::string holder = "process 4242: mmusim sweep\n";
  REQUIRE(write(fd, holder.data(), holder.size()) == static_cast<ssize_t>(holder.size()));
  std::ofstream(test_dir() + "/out/summary.csv") << "the other command's\n";
  const std::string msg = "mmusim: out: --out: in use by another mmusim command (process 4242: mmusim sweep, lock "
                          "out/.mmusim-lock); wait for it to end, or use another --out folder\n";
  for (const std::string& cmd : {std::string("run -q"), std::string("sweep --vary tlb.l1d_entries=32"),
                                 std::string("compare --policies notifier")}) {
    INFO(cmd);
    const Result r = run_mmusim(cmd + " --trace " + kSmall + " --out out");
    CHECK(r.code == 2);
    CHECK(r.err == msg);
    CHECK(slurp(test_dir() + "/out/summary.csv") == "the other command's\n");
  }
  close(fd);
  // Once the holder has ended, the folder is free.
  const Result r = run_mmusim("run -q --trace " + kSmall + " --out out");
  CHECK(r.code == 0);
  CHECK(slurp(test_dir() + "/out/.mmusim-lock").rfind("process ", 0) == 0);
}

TEST_CASE("a resumed sweep refuses a summary.csv of other columns by name, never shifted", "[cli][hostile]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir() + "/sw/run0_tlb.l1d_entries=32");
  // A run of another mmusim: a column this one does not know, in front.
  std::ofstream(test_dir() + "/sw/run0_tlb.l1d_entries=32/summary.csv") << "old_column,mode,policy\n7,native,-\n";
  const Result r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32,64 --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw/run0_tlb.l1d_entries=32/summary.csv:1: old_column: not a summary.csv column of this mmusim "
                 "(`mmusim columns` lists them); the run was made by another version: remove its folder to run it again\n");
  CHECK_FALSE(fs::exists(test_dir() + "/sw/sweep.csv"));
}

TEST_CASE("run checks its options, config and trace before it touches the previous results", "[cli][hostile]") {
  fs::remove_all(test_dir());
  REQUIRE(run_mmusim("run -q --trace " + kSmall + " --out out").code == 0);
  const std::string summary = slurp(test_dir() + "/out/summary.csv"), config = slurp(test_dir() + "/out/config.cfg");
  for (const std::string& bad : {std::string("--set tlb.l1d_entrys=64"), std::string("--trace missing.csv"),
                                 std::string("--config missing.cfg")}) {
    INFO(bad);
    const Result r = run_mmusim("run -q --trace " + kSmall + " " + bad + " --out out");
    CHECK(r.code == 2);
    CHECK(slurp(test_dir() + "/out/summary.csv") == summary);
    CHECK(slurp(test_dir() + "/out/config.cfg") == config);
  }
}

TEST_CASE("commands that read the trace twice refuse stdin and a FIFO at once, run reads both", "[cli][hostile]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  REQUIRE(mkfifo((test_dir() + "/fifo.csv").c_str(), 0600) == 0);
  const std::string fifo_msg = "fifo.csv: --trace: a FIFO or device can be read only once, and ";
  const std::string stdin_msg = "<stdin>: --trace: standard input can be read only once, and ";
  const std::string why = " reads the trace more than once; save it to a file first (`mmusim run` reads it once)\n";
  for (const std::string cmd : {"compare", "sweep", "explain"}) {
    INFO(cmd);
    const std::string extra = cmd == "sweep" ? " --vary tlb.l1d_entries=32" : "";
    Result r = run_mmusim(cmd + " --trace fifo.csv" + extra);
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: " + fifo_msg + cmd + why);
    r = run_mmusim(cmd + " --trace -" + extra);
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: " + stdin_msg + cmd + why);
  }
  // run reads a FIFO once, as it comes.
  std::thread writer([&] { std::ofstream(test_dir() + "/fifo.csv") << slurp(kSmall); });
  const Result r = run_mmusim("run -q --trace fifo.csv --out out");
  writer.join();
  CHECK(r.code == 0);
  CHECK(read_summary(test_dir() + "/out/summary.csv").at("accesses") == "5");
}

TEST_CASE("SIGTERM to a sweep stops its runs, waits for them, leaves no temporary file nor result, exits 143",
          "[cli][hostile][signals]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  const pid_t sweep = start_mmusim("sweep -j 2 " + kSlowRuns + " --vary tlb.l1d_entries=32,64 --out sw");
  std::vector<pid_t> kids;
  // Both runs have started simulating: each has its timeline.csv under a temporary name.
  const bool running = wait_until([&] {
    kids = children_of(sweep);
    return kids.size() == 2 && fs::exists(test_dir() + "/sw") && temp_files(test_dir() + "/sw").size() == 2;
  });
  CHECK(running);
  REQUIRE(kill(sweep, SIGTERM) == 0);
  int st = 0;
  REQUIRE(waitpid(sweep, &st, 0) == sweep);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 128 + SIGTERM);
  for (pid_t k : kids) CHECK(ended(k));  // waited for by the sweep: gone
  kill_all(kids);
  CHECK(temp_files(test_dir() + "/sw").empty());
  CHECK_FALSE(fs::exists(test_dir() + "/sw/sweep.csv"));
  CHECK_FALSE(fs::exists(test_dir() + "/sw/run0_tlb.l1d_entries=32/summary.csv"));
  CHECK_FALSE(fs::exists(test_dir() + "/sw/run1_tlb.l1d_entries=64/summary.csv"));
}

TEST_CASE("SIGTERM or SIGINT to a slurm sweep or compare cancels the job it submitted (scancel), exits 128 + N",
          "[cli][hostile][signals][slurm]") {
  // The fake Slurm (tests/cli/fake_slurm) runs the job's tasks here in a process group of their
  // own; its scancel records the request and stops them, as Slurm would.
  const std::vector<std::pair<int, std::string>> cases = {
      {SIGTERM, "sweep " + kSlowRuns + " --vary tlb.l1d_entries=32,64"},
      {SIGINT, "compare " + kSlowRuns + " --policies notifier,young"}};
  for (const auto& [sig, command] : cases) {
    INFO(command);
    fs::remove_all(test_dir());
    const std::string state = test_dir() + "/fake-slurm";
    fs::create_directories(state);
    const pid_t cmd = start_mmusim(command + " --engine slurm --poll-seconds 0.05 --out sw",
                                   {{"PATH", kSource + "/tests/cli/fake_slurm:/usr/bin:/bin"}, {"FAKE_SLURM", state}});
    // The job's first run is simulating: its timeline.csv is there under a temporary name.
    const bool running = wait_until([&] {
      return fs::exists(test_dir() + "/sw/slurm/job-id") && fs::exists(test_dir() + "/sw") &&
             !temp_files(test_dir() + "/sw").empty();
    });
    CHECK(running);
    REQUIRE(kill(cmd, sig) == 0);
    int st = 0;
    REQUIRE(waitpid(cmd, &st, 0) == cmd);
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 128 + sig);
    CHECK(slurp(state + "/scancel") == "42\n");
    CHECK(slurp(test_dir() + "/.stderr").find("mmusim: interrupted: scancel 42 (the Slurm job of this command); the same "
                                              "command again submits the runs that have no result\n") != std::string::npos);
    // The job's tasks have stopped (SIGTERM: the run removes its temporary files), and no result.
    const pid_t job = static_cast<pid_t>(std::stol(slurp(state + "/42.pgid")));
    CHECK(wait_until([&] { return kill(-job, 0) != 0 && errno == ESRCH; }, 30));
    kill(-job, SIGKILL);  // without the cancel the job would go on for minutes
    CHECK(temp_files(test_dir() + "/sw").empty());
    CHECK_FALSE(fs::exists(test_dir() + "/sw/sweep.csv"));
    CHECK_FALSE(fs::exists(test_dir() + "/sw/compare.csv"));
  }
}

TEST_CASE("the runs of a sweep killed outright (SIGKILL) die with it and remove their temporary files",
          "[cli][hostile][signals]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  const pid_t sweep = start_mmusim("sweep -j 2 " + kSlowRuns + " --vary tlb.l1d_entries=32,64 --out sw");
  std::vector<pid_t> kids;
  CHECK(wait_until([&] {
    kids = children_of(sweep);
    return kids.size() == 2 && fs::exists(test_dir() + "/sw") && temp_files(test_dir() + "/sw").size() == 2;
  }));
  REQUIRE(kill(sweep, SIGKILL) == 0);
  int st = 0;
  REQUIRE(waitpid(sweep, &st, 0) == sweep);
  const bool all_ended = wait_until([&] { return std::all_of(kids.begin(), kids.end(), ended); }, 30);
  CHECK(all_ended);
  kill_all(kids);
  CHECK(wait_until([&] { return temp_files(test_dir() + "/sw").empty(); }, 30));
}

TEST_CASE("a run killed by a signal is the row 'failed (killed by SIGKILL)'", "[cli][hostile][signals]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  // Run 0 checks after every record (slow), run 1 hardly ever (fast).
  const pid_t sweep = start_mmusim("sweep -j 2 " + kSlowRuns + " --vary sim.check_every=1,1000000 --out sw");
  std::vector<pid_t> kids;
  CHECK(wait_until([&] {
    kids = children_of(sweep);
    return kids.size() == 1 && fs::exists(test_dir() + "/sw/run1_sim.check_every=1000000/summary.csv");
  }));
  REQUIRE(kids.size() == 1);
  REQUIRE(kill(kids[0], SIGKILL) == 0);
  int st = 0;
  REQUIRE(waitpid(sweep, &st, 0) == sweep);
  std::ifstream in(test_dir() + "/sw/sweep.csv");
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(line);
  REQUIRE(rows.size() == 5);  // the header, the two runs, then the opt and lru-exact rows of their one machine
  CHECK(rows[1].substr(rows[1].rfind(",failed")) == ",failed (killed by SIGKILL): ");
  CHECK(rows[2].substr(rows[2].size() - 3) == ",ok");
}

TEST_CASE("run and convert remove their temporary files on SIGINT and SIGTERM", "[cli][hostile][signals]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  const pid_t run = start_mmusim("run -q " + kSlowRuns + " --out out");
  CHECK(wait_until([&] { return fs::exists(test_dir() + "/out") && temp_files(test_dir() + "/out").size() == 1; }));
  REQUIRE(kill(run, SIGINT) == 0);
  int st = 0;
  REQUIRE(waitpid(run, &st, 0) == run);
  CHECK(WIFSIGNALED(st));
  CHECK(WTERMSIG(st) == SIGINT);
  CHECK(temp_files(test_dir() + "/out").empty());
  CHECK_FALSE(fs::exists(test_dir() + "/out/summary.csv"));
  // convert, reading a FIFO that this test holds open: it waits for more records with OUT's
  // temporary file made.
  REQUIRE(mkfifo((test_dir() + "/in.csv").c_str(), 0600) == 0);
  const int fifo = open((test_dir() + "/in.csv").c_str(), O_RDWR);
  REQUIRE(fifo >= 0);
  const std::string head = "op,gva\nR,0x1000\n";
  REQUIRE(write(fifo, head.data(), head.size()) == static_cast<ssize_t>(head.size()));
  fs::create_directories(test_dir() + "/c");
  const pid_t convert = start_mmusim("convert in.csv c/out.mtr");
  CHECK(wait_until([&] { return temp_files(test_dir() + "/c").size() == 1; }));
  REQUIRE(kill(convert, SIGTERM) == 0);
  REQUIRE(waitpid(convert, &st, 0) == convert);
  close(fifo);
  CHECK(WIFSIGNALED(st));
  CHECK(temp_files(test_dir() + "/c").empty());
  CHECK_FALSE(fs::exists(test_dir() + "/c/out.mtr"));
}

TEST_CASE("a trace of long gaps keeps a small timeline: rows merge past the limit, said on stderr", "[cli][hostile][bounds]") {
  fs::remove_all(test_dir());
  // 6 records 2^32 cycles apart: 2.6e10 cycles, 257,698 intervals of 100,000 cycles.
  std::string t = "op,gva,gap\n";
  for (int i = 0; i < 6; ++i) t += "R,0x" + std::to_string(i + 1) + "000,4294967296\n";
  write_test_file("gaps.csv", t);
  const Result r = run_mmusim("run -q --trace gaps.csv --set sim.timeline_interval_cycles=100000 --out out");
  REQUIRE(r.code == 0);
  const std::string widened = "rows every 1600000 cycles (16 x sim.timeline_interval_cycles = 100000), to stay within 20000 rows";
  CHECK(r.err == "mmusim: out/timeline.csv: " + widened + "\n");
  // The file says it too, on a first line that CSV readers and mmusim plot take as a comment.
  std::ifstream in(test_dir() + "/out/timeline.csv");
  std::string line;
  std::getline(in, line);
  CHECK(line == "# " + widened);
  std::getline(in, line);
  CHECK(line.rfind("time_cycles,", 0) == 0);
  std::uint64_t rows = 0, accesses = 0;
  for (; std::getline(in, line); ++rows) accesses += std::stoull(split(line)[1]);
  CHECK(rows <= 20000);
  CHECK(rows > 10000);
  CHECK(accesses == 6);
  CHECK(fs::file_size(test_dir() + "/out/timeline.csv") < 1000000);
  const Result plot = run_mmusim("plot out");
  CHECK(plot.code == 0);
  CHECK(plot.out.find("wrote out/timeline.png\n") != std::string::npos);
}

TEST_CASE("a sweep of too many combinations is refused before anything is built, naming the product", "[cli][hostile][bounds]") {
  fs::remove_all(test_dir());
  std::string a = "tlb.l1d_entries=", b = "walk.ref_cycles=";
  for (int i = 1; i <= 200; ++i) {
    a += (i > 1 ? "," : "") + std::to_string(64 * i);
    b += (i > 1 ? "," : "") + (i < 200 ? std::to_string(i) : std::string("x"));  // refused later, if ever
  }
  const Result r = run_mmusim("sweep --trace " + kSmall + " --vary " + a + " --vary " + b + " --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: --vary: 200 x 200 = 40000 combinations, more than the limit of 10000 runs in one sweep; split it "
                 "over several --out folders\n");
  CHECK_FALSE(fs::exists(test_dir() + "/sw"));
}

TEST_CASE("a resumed sweep refuses results made from other contents of the trace", "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string t = write_test_file("t.csv", slurp(kSmall));
  REQUIRE(run_mmusim("sweep --trace t.csv --vary tlb.l1d_entries=32,64 --out sw").code == 0);
  write_test_file("t.csv", slurp(kSmall) + "R,0x9000\n");  // the same name, another trace
  const Result r = run_mmusim("sweep --trace t.csv --vary tlb.l1d_entries=32,64 --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw: --out: holds a sweep of another trace, config or --set, or of other contents of them "
                 "(sw/sweep-request.txt: size and modification time); use another --out folder\n");
}

TEST_CASE("a write error on stdout is exit 2 with a message, for every command that prints", "[cli][hostile]") {
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  const std::vector<std::string> commands = {"explain --trace " + kSmall, "textbook --frames 3 --refs 1,2,3,4,1",
                                             "parse --trace " + kSmall,        "config --list",
                                             "columns",                        "run --trace " + kSmall + " --out out",
                                             "gen --pattern seq --accesses 10"};
  for (const std::string& args : commands) {
    INFO(args);
    const std::string err = test_dir() + "/.stderr";
    const int st = std::system(("cd '" + test_dir() + "' && " + MMUSIM_BIN + " " + args + " >/dev/full 2>'" + err + "'").c_str());
    CHECK(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 2);
    const std::string message = slurp(err);
    CHECK_THAT(message, Catch::StartsWith("mmusim: <stdout>: cannot write"));
    CHECK(std::count(message.begin(), message.end(), '\n') == 1);
  }
}

TEST_CASE("a write error on the VCD (a file size limit, as a full disk) is exit 2 naming it, no cut file left",
          "[cli][hostile][vcd]") {
  // The same run under file size limits of 6 to 44 blocks of 512 bytes (the whole VCD is about
  // 22,600 bytes, every other file fits from 4): SystemC's writes stop at the limit, at a line's
  // end or inside one. SIGXFSZ is ignored so that the writes fail with EFBIG, as they fail with
  // ENOSPC on a full disk. Before the check, limits 23 and 25 gave exit 0 and a cut VCD.
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  const std::string t = kSource + "/traces/teaching/loop.csv";
  for (int blocks = 6; blocks <= 44; ++blocks) {
    INFO("ulimit -f " << blocks);
    const std::string err = test_dir() + "/.stderr";
    const std::string cmd = "cd '" + test_dir() + "' && sh -c \"trap '' XFSZ; ulimit -f " + std::to_string(blocks) +
                            "; exec " + MMUSIM_BIN + " run -q --out out --trace " + t +
                            " --set sim.cpu_mhz=1000 --vcd w.vcd --vcd-interval-cycles 10\" 2>'" + err + "'";
    const int st = std::system(cmd.c_str());
    REQUIRE(WIFEXITED(st));
    CHECK(WEXITSTATUS(st) == 2);
    const std::string message = slurp(err);
    CHECK_THAT(message, Catch::StartsWith("mmusim: w.vcd: --vcd: cannot write: "));
    CHECK(std::count(message.begin(), message.end(), '\n') == 1);
    CHECK_FALSE(fs::exists(test_dir() + "/w.vcd"));
    CHECK_FALSE(fs::exists(test_dir() + "/out/summary.csv"));
    CHECK(temp_files(test_dir()).empty());
  }
}

TEST_CASE("messages: extra arguments, negative counts, an empty policy list, long values", "[cli][hostile][messages]") {
  fs::remove_all(test_dir());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"run --trace " + kSmall + " extra", "unexpected argument 'extra' (options start with --; `mmusim COMMAND --help` lists them)"},
      {"compare -j -1 --trace " + kSmall, "--jobs: '-1' is negative; it must be a whole number from 0"},
      {"sweep -j -2 --vary tlb.l1d_entries=32 --trace " + kSmall, "--jobs: '-2' is negative; it must be a whole number from 0"},
      {"explain --from -1 --trace " + kSmall, "--from: '-1' is negative; it must be a whole number from 0"},
      {"explain --to=-5 --trace " + kSmall, "--to: '-5' is negative; it must be a whole number from 0"},
      {"compare --policies , --trace " + kSmall, "--policies: kvm.aging: ',' names no policy (leave --policies out for all five)"},
      {"run --trace " + kSmall + " --set tlb.l1d_entries=" + std::string(1000, '9'),
       "--set: tlb.l1d_entries: '" + std::string(200, '9') + "...' is out of range [1, 65536]"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    const Result r = run_mmusim(args);
    CHECK(r.code == 2);
    CHECK(r.err == "mmusim: " + message + "\n");
  }
}

TEST_CASE("a config with a UTF-8 BOM and '[ tlb ]' is read, other section errors name the line", "[cli][hostile][messages]") {
  fs::remove_all(test_dir());
  write_test_file("bom.cfg", "\xEF\xBB\xBF[ tlb ]\nl1d_entries = 32\n");
  Result r = run_mmusim("config --config bom.cfg --show");
  CHECK(r.code == 0);
  CHECK(r.out.find("tlb.l1d_entries = 32  # bom.cfg:2\n") != std::string::npos);
  write_test_file("bad.cfg", "[tlb]\nl1d_entries = 32\n[ ]\n");
  r = run_mmusim("config --config bad.cfg --show");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: bad.cfg:3: bad section header '[ ]'\n");
}

TEST_CASE("CSV: an uppercase header is read, a NUL is named at its line and column", "[cli][hostile][messages]") {
  fs::remove_all(test_dir());
  write_test_file("up.csv", "OP,Gva\nR,0x1000\nW,0x1008\n");
  Result r = run_mmusim("run -q --trace up.csv --out out");
  CHECK(r.code == 0);
  CHECK(read_summary(test_dir() + "/out/summary.csv").at("accesses") == "2");
  write_test_file("nul.csv", std::string("op,gva\nR,0x1000\nW,0x1\0" "008\n", 23));
  r = run_mmusim("run -q --trace nul.csv --out out");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: nul.csv:3: '\\x00' at column 6 (a NUL byte: a CSV trace is text)\n");
}

TEST_CASE("the time-overflow message names the key whose cost made time overflow", "[cli][hostile][messages]") {
  fs::remove_all(test_dir());
  std::string t = "op,gva\n";
  for (int i = 1; i <= 20; ++i) t += "R,0x" + std::to_string(i) + "000\n";  // 20 page faults
  write_test_file("faults.csv", t);
  write_test_file("c.cfg", "[sim]\ncpu_mhz = 1\n[cost]\nhost_minor_fault_cycles = 1099511627776\n");
  Result r = run_mmusim("run -q --config c.cfg --trace faults.csv --out out");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("mmusim: c.cfg:4: cost.host_minor_fault_cycles: simulated time passes 2^64 ps (about 213 "
                                      "days): "));
  CHECK_THAT(r.err, Catch::EndsWith(" come from cost.host_minor_fault_cycles, which is too large\n"));
  // Long gaps name the trace's column.
  std::string g = "op,gva,gap\n";
  for (int i = 0; i < 5000; ++i) g += "R,0x1000,4294967296\n";  // 2.1e13 cycles, 2^64 ps at 1 MHz is 1.8e13
  write_test_file("gaps.csv", g);
  r = run_mmusim("run -q --set sim.cpu_mhz=1 --set sim.timeline_interval_cycles=0 --trace gaps.csv --out out");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::StartsWith("mmusim: gap: simulated time passes 2^64 ps"));
  CHECK_THAT(r.err, Catch::EndsWith(" come from the trace's gaps, which are too long\n"));
}

TEST_CASE("a sparse trace whose page tables pass the machine's memory stops with the message naming the cause",
          "[cli][hostile][bounds]") {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  WARN("not under AddressSanitizer: it needs terabytes of address space, which the limit below forbids");
  return;
#endif
#endif
  fs::remove_all(test_dir());
  fs::create_directories(test_dir());
  // 20,000 pages 1 GiB apart: a new page directory and page table for each, about 250 MB of model
  // memory, in 200 MB of address space.
  REQUIRE(run_mmusim("gen --pattern stride --stride-bytes 1073741824 --accesses 20000 --footprint-pages 5242880000 "
                     "--out sparse.csv")
              .code == 0);
  const std::string cmd = "cd '" + test_dir() + "' && (ulimit -v 200000 && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " + MMUSIM_BIN +
                          " run -q --trace sparse.csv --set sim.timeline_interval_cycles=0 --out out) > out.txt 2> err.txt";
  const int status = std::system(cmd.c_str());
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 2);
  CHECK(slurp(test_dir() + "/err.txt") ==
        "mmusim: this machine ran out of memory for the simulation (the model keeps every page-table page the simulated "
        "kernels allocate, about 4 KiB each: a process needs 4 or more, a page far from the others up to 3 more); lower "
        "host.mem_mb, guest.mem_mb or guest.vms, or the trace's processes or the spread of its addresses\n");
  CHECK_FALSE(fs::exists(test_dir() + "/out/summary.csv"));
}

TEST_CASE("compare shows a run whose summary.csv has no row as failed, never as a perfect policy of zeros",
          "[cli][hostile][compare]") {
  fs::remove_all(test_dir());
  // A resumed Slurm compare takes a policy whose summary.csv exists as done: here one cut after its
  // header (a run that never finished writing it, by another means than mmusim's rename).
  fs::create_directories(test_dir() + "/cs/notifier");
  std::ofstream(test_dir() + "/cs/notifier/summary.csv") << "mode,policy\n";
  const Result r = run_mmusim("compare --policies notifier,young --trace " + kSource +
                                  "/traces/synthetic/hotcold-small.csv --set host.mem_mb=2 --engine slurm --poll-seconds 0.05 "
                                  "--out cs",
                              "", fake_slurm());
  REQUIRE(r.code == 4);  // a run failed: every row written, then exit code 4
  std::ifstream in(test_dir() + "/cs/compare.csv");
  std::string header, notifier;
  std::getline(in, header);
  std::getline(in, notifier);
  CHECK(notifier.find(",notifier,") != std::string::npos);
  CHECK_THAT(notifier, Catch::EndsWith(",,failed (no summary.csv): "));  // no swap_reads_vs_opt either
  CHECK(notifier.find(",0,") == std::string::npos);  // empty figures, not zeros
  CHECK(r.out.find("notifier        failed (no summary.csv): \n") != std::string::npos);
}

TEST_CASE("request and Slurm files that are links are refused, their targets untouched", "[cli][hostile]") {
  fs::remove_all(test_dir());
  const std::string victim = write_test_file("victim.txt", "precious\n");
  fs::create_directories(test_dir() + "/sw/slurm");
  fs::create_symlink(victim, test_dir() + "/sw/sweep-request.txt");
  Result r = run_mmusim("sweep --trace " + kSmall + " --vary tlb.l1d_entries=32 --out sw");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw: --out: holds a sweep of another trace, config or --set, or of other contents of them "
                 "(sw/sweep-request.txt: size and modification time); use another --out folder\n");
  fs::remove(test_dir() + "/sw/sweep-request.txt");
  fs::create_symlink(victim, test_dir() + "/sw/slurm/job.sh");
  r = run_mmusim("sweep --engine slurm --dry-run --trace " + kSmall + " --vary tlb.l1d_entries=32 --out sw", "",
                 "PATH=/nonexistent");
  CHECK(r.code == 2);
  CHECK(r.err == "mmusim: sw/slurm/job.sh: --out: is a symbolic link; mmusim does not write through links (remove it, or use "
                 "another folder)\n");
  CHECK(slurp(victim) == "precious\n");
}
