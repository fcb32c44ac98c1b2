// The helpers of sim/os: files created beside their final name and renamed, never through a link;
// external programs started with an argument vector, never through a shell.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/input_error.h"
#include "os/process.h"
#include "os/safe_file.h"
#include "temp_file.h"

using namespace mmusim;
namespace fs = std::filesystem;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_regular_file() || e.is_symlink();
  return n;
}
}  // namespace

TEST_CASE("AtomicFile: the file appears whole at commit, nothing is left without it", "[os]") {
  const fs::path dir = fs::path(mmusim::test::temp_file("atomic/x", "")).parent_path();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "a.csv").string();
  {
    AtomicFile f(path, "--out");
    f.out() << "one\n";
    CHECK_FALSE(fs::exists(path));  // only under its temporary name so far
    CHECK(files_in(dir) == 1);
  }
  CHECK(files_in(dir) == 0);  // never committed: removed
  AtomicFile f(path, "--out");
  f.out() << "two\n";
  f.commit();
  CHECK(slurp(path) == "two\n");
  CHECK(files_in(dir) == 1);
  // A link in its place is refused, its target untouched.
  const std::string target = (dir / "target").string(), link = (dir / "link.csv").string();
  std::ofstream(target) << "precious\n";
  fs::create_symlink(target, link);
  CHECK_THROWS_WITH(AtomicFile(link, "--out"),
                    link + ": --out: is a symbolic link; mmusim does not write through links (remove it, or use another folder)");
  CHECK(slurp(target) == "precious\n");
}

TEST_CASE("run_capture passes every argument as is: no shell reads it", "[os]") {
  const fs::path dir = fs::path(mmusim::test::temp_file("capture/x", "")).parent_path();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string evil = "$(touch " + (dir / "a").string() + "); touch " + (dir / "b").string() + " `touch c`";
  const Captured c = run_capture({"printf", "%s|", evil, "two words"});
  CHECK(c.code == 0);
  CHECK(c.out == evil + "|two words|");
  CHECK(files_in(dir) == 0);
  const Captured missing = run_capture({"mmusim-no-such-program"});
  CHECK(missing.code == -1);
  CHECK(missing.out == "mmusim-no-such-program: cannot start");
}
