// Running the mmusim program from tests: exit code, stdout, stderr, and summary.csv as a map.
#pragma once
#include <sys/wait.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmusim::test {

struct Result {
  int code = -1;
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The working directory of the running test case (tests may run in parallel), in this build's
// folder for test files (tests/CMakeLists.txt).
inline std::string test_dir() {
  std::string name = Catch::getResultCapture().getCurrentTestName();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return std::string(MMUSIM_TEST_TMP) + "/cli/" + name;
}

// Writes `text` as file `name` in the test's own directory and returns its path.
inline std::string write_test_file(const std::string& name, const std::string& text) {
  std::filesystem::create_directories(test_dir());
  const std::string path = test_dir() + "/" + name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

// Runs `mmusim ARGS` in directory `cwd` (created if needed; default: the test's own), with the
// environment variables `env` ("NAME=value ...") added.
inline Result run_mmusim(const std::string& args, std::string cwd = "", const std::string& env = "") {
  if (cwd.empty()) cwd = test_dir();
  std::filesystem::create_directories(cwd);
  const std::string out = cwd + "/.stdout", err = cwd + "/.stderr";
  const std::string cmd = "cd '" + cwd + "' && SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 " + env + " " + MMUSIM_BIN + " " + args +
                          " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline std::vector<std::string> split(const std::string& line, char sep = ',') {
  std::vector<std::string> v;
  std::stringstream s(line);
  for (std::string f; std::getline(s, f, sep);) v.push_back(f);
  return v;
}

// summary.csv's header and first row as column -> value.
inline std::map<std::string, std::string> read_summary(const std::string& path) {
  std::ifstream in(path);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  const auto h = split(header), r = split(row);
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i < h.size() && i < r.size(); ++i) m[h[i]] = r[i];
  return m;
}

inline std::uint64_t u(const std::map<std::string, std::string>& m, const std::string& k) {
  return std::stoull(m.at(k));
}

inline const std::string kSource = MMUSIM_SOURCE_DIR;

// The choices of configuration key `key` as `mmusim config --list` prints them ("[a|b|c]"): a
// test that runs "every policy" or "every mode" takes them from the program's registry, so that a
// new one is never left out.
inline std::vector<std::string> config_choices(const std::string& key) {
  const Result r = run_mmusim("config --list");
  std::stringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, key.size() + 1, key + " ") != 0) continue;
    const auto open = line.rfind('['), close = line.rfind(']');
    if (open == std::string::npos || close < open) break;
    return split(line.substr(open + 1, close - open - 1), '|');
  }
  throw std::runtime_error("mmusim config --list has no choices for " + key);
}

}  // namespace mmusim::test
