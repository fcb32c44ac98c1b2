// mmusim record: a real two-program shell pipeline under valgrind gives one trace with a pid per
// process, interleaved in time slices of at most N records, that replays; bad calls are exit code
// 2 with one line and no trace left behind.
#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "cli_util.h"

using namespace mmusim::test;
namespace fs = std::filesystem;

namespace {

// The pid of every record of the .mtr file at `path` (header checked).
std::vector<std::uint32_t> pids_of(const std::string& path) {
  const std::string b = slurp(path);
  REQUIRE(b.size() >= 32);
  REQUIRE(b.compare(0, 8, "MMUSIMTR") == 0);
  REQUIRE((b.size() - 32) % 24 == 0);
  std::vector<std::uint32_t> pids;
  for (std::size_t off = 32; off < b.size(); off += 24) {
    std::uint32_t p = 0;
    for (int i = 3; i >= 0; --i) p = (p << 8) | static_cast<unsigned char>(b[off + 12 + i]);
    pids.push_back(p);
  }
  return pids;
}

}  // namespace

TEST_CASE("record: a shell pipeline of two programs is one trace of several pids in time slices, and replays", "[cli][record]") {
  // seq writes into the pipe while wc reads it: two processes that run at the same time.
  const Result r = run_mmusim("record --out p.mtr.zst --slice-records 20000 -- sh -c 'seq 1 3000 | wc -l'");
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("sh exited with status 0\n") != std::string::npos);
  std::smatch m;
  REQUIRE(std::regex_search(r.out, m, std::regex("wrote (\\d+) records of (\\d+) processes to p.mtr.zst \\(time slices of 20000 records\\)")));
  const std::uint64_t records = std::stoull(m[1]), processes = std::stoull(m[2]);
  CHECK(processes == 5);  // sh; two forks of it, each execs a program: seq, wc
  CHECK(r.out.find(", /usr/bin/seq 1 3000\n") != std::string::npos);
  CHECK(r.out.find(", /usr/bin/wc -l\n") != std::string::npos);
  // What the per-process lines count adds up.
  std::map<std::uint32_t, std::uint64_t> said;
  std::map<std::string, std::uint32_t> pid_of;  // the command line of each process
  const std::regex line("  pid (\\d+): (\\d+) records, process \\d+, ([^\n]*)");
  for (auto it = std::sregex_iterator(r.out.begin(), r.out.end(), line); it != std::sregex_iterator(); ++it) {
    said[static_cast<std::uint32_t>(std::stoul((*it)[1]))] = std::stoull((*it)[2]);
    pid_of[(*it)[3]] = static_cast<std::uint32_t>(std::stoul((*it)[1]));
  }
  CHECK(said.size() == processes);

  // The file: zstd -dc gives the .mtr, whose records are those the lines count; the two programs
  // of the pipe take turns: each runs in many pieces.
  REQUIRE(std::system(("cd '" + test_dir() + "' && zstd -q -d -c p.mtr.zst > p.mtr").c_str()) == 0);
  const auto pids = pids_of(test_dir() + "/p.mtr");
  CHECK(pids.size() == records);
  std::map<std::uint32_t, std::uint64_t> count, pieces;
  for (std::size_t i = 0; i < pids.size();) {
    std::size_t j = i;
    while (j < pids.size() && pids[j] == pids[i]) ++j;
    count[pids[i]] += j - i;
    ++pieces[pids[i]];
    i = j;
  }
  CHECK(count == said);
  REQUIRE(pid_of.count("/usr/bin/seq 1 3000"));
  REQUIRE(pid_of.count("/usr/bin/wc -l"));
  CHECK(pieces[pid_of["/usr/bin/seq 1 3000"]] >= 5);
  CHECK(pieces[pid_of["/usr/bin/wc -l"]] >= 5);

  // It replays: in a guest, every pid an address space of its own.
  const Result run = run_mmusim("run -q --trace p.mtr.zst --set sim.mode=shadow --out out");
  REQUIRE(run.code == 0);
  const auto s = read_summary(test_dir() + "/out/summary.csv");
  CHECK(u(s, "accesses") == records);
  CHECK(u(s, "processes") == processes);
  CHECK(u(s, "context_switches") > 0);
}

TEST_CASE("record: no program, a program that cannot start, valgrind missing: one line, exit 2, no trace", "[cli][record][bad-input]") {
  auto fails_with = [](const std::string& args, const std::string& message, const std::string& env = "") {
    INFO(args);
    fs::remove(test_dir() + "/t.mtr.zst");
    const Result r = run_mmusim("record --out t.mtr.zst " + args, "", env);
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err == "mmusim: " + message + "\n");
    CHECK_FALSE(fs::exists(test_dir() + "/t.mtr.zst"));
    CHECK_FALSE(fs::exists(test_dir() + "/t.mtr.zst.tmp"));
  };
  fails_with("", "record: no program to record; usage: mmusim record [--out T.mtr.zst] [--slice-records N] -- PROGRAM ARGS...");
  fails_with("-- no-such-program-here", "record: cannot start 'no-such-program-here': not found in PATH");
  fails_with("-- ./missing", "record: cannot start './missing': No such file or directory");
  write_test_file("plain.txt", "not a program\n");
  fs::permissions(test_dir() + "/plain.txt", fs::perms::owner_read | fs::perms::owner_write);
  fails_with("-- ./plain.txt", "record: cannot start './plain.txt': not an executable file");
  fails_with("-- /bin/true", "record: cannot run valgrind (not found in PATH); install it (Debian: apt-get install valgrind)",
             "PATH=/nonexistent");
  fails_with("--slice-records 0 -- /bin/true", "--slice-records: must be at least 1");
}

TEST_CASE("record: a progress line on a terminal, none otherwise", "[cli][record][progress]") {
  std::filesystem::create_directories(test_dir());
  // `script` gives mmusim a terminal; the progress line is drawn when a process's log appears
  // (its process then counts as running) and ends, and every 500 ms in between.
  const std::string cmd = "cd '" + test_dir() + "' && script -qec \"" + std::string(MMUSIM_BIN) +
                          " record --out tty.mtr.zst -- /bin/true\" /dev/null > tty.txt";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string tty = slurp(test_dir() + "/tty.txt");
  CHECK(tty.find("\rrecording: ") != std::string::npos);  // "\rrecording: 93417 records of 1 processes (1 running)"
  CHECK(tty.find(" records of 1 processes (1 running)") != std::string::npos);
  CHECK(tty.find("/bin/true exited with status 0") != std::string::npos);
  const Result plain = run_mmusim("record --out plain.mtr.zst -- /bin/true");
  REQUIRE(plain.code == 0);
  CHECK(plain.err.empty());
}

TEST_CASE("record: interrupted, it kills valgrind, says so and leaves no trace", "[cli][record][bad-input]") {
  std::filesystem::create_directories(test_dir());
  // The program runs for many seconds under valgrind; SIGINT comes 2 s after the start.
  const std::string cmd = "cd '" + test_dir() + "' && { " + std::string(MMUSIM_BIN) +
                          " record --out i.mtr.zst -- sh -c 'seq 1 1000000 | wc -l' >out.txt 2>err.txt & p=$!; sleep 2; "
                          "kill -INT $p; wait $p; echo $? > code.txt; }";
  REQUIRE(std::system(cmd.c_str()) == 0);
  CHECK(slurp(test_dir() + "/code.txt") == "2\n");
  CHECK(slurp(test_dir() + "/err.txt") == "mmusim: record: interrupted: no trace written\n");
  CHECK_FALSE(fs::exists(test_dir() + "/i.mtr.zst"));
  CHECK_FALSE(fs::exists(test_dir() + "/i.mtr.zst.tmp"));
  // Every traced process was killed too: none is left to run on (and to complain, on stderr
  // above, that its log folder is gone).
  REQUIRE(std::system(("cd '" + test_dir() + "' && sleep 1 && ! pgrep -f 'lackey.*[s]eq 1 1000000' > /dev/null").c_str()) == 0);
}
