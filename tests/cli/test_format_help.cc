// Every command that reads a trace says in its --help which formats --format takes, all of them,
// from the one list the readers parse --format with (issue 20: compare, sweep and explain listed
// fewer than run).
#include <catch2/catch.hpp>
#include <regex>

#include "cli_util.h"

using namespace mmusim::test;

namespace {

// The formats --format accepts, as the message refusing another one lists them
// ("'x' is not a trace format (auto, csv, lackey, mtr or champsim)").
std::vector<std::string> accepted_formats() {
  const Result r = run_mmusim("parse --trace none.csv --format x");
  std::smatch m;
  REQUIRE(std::regex_search(r.err, m, std::regex(R"(is not a trace format \((.*)\))")));
  std::vector<std::string> names;
  for (std::string n : split(std::regex_replace(m[1].str(), std::regex(" or "), ", "), ','))
    names.push_back(n.substr(n.find_first_not_of(' ')));
  return names;
}

// The text of option `option` in `help` (Boost's table: its lines up to the next option), its
// line breaks and indentation made single spaces.
std::string option_text(const std::string& help, const std::string& option) {
  const std::size_t at = help.find("  " + option + " ");
  if (at == std::string::npos) return "";
  std::size_t end = help.find("\n  -", at);
  const std::string text = help.substr(at, end == std::string::npos ? std::string::npos : end - at);
  return std::regex_replace(text, std::regex(R"(\s+)"), " ");
}

}  // namespace

TEST_CASE("every command that reads traces lists in its --help every format --format accepts", "[cli][format]") {
  const std::vector<std::string> formats = accepted_formats();
  CHECK(formats == std::vector<std::string>{"auto", "csv", "lackey", "mtr", "champsim"});
  for (const char* command : {"run", "explain", "compare", "sweep", "parse", "convert"}) {
    INFO(command);
    const Result r = run_mmusim(std::string(command) + " --help");
    REQUIRE(r.code == 0);
    const std::string text = option_text(r.out, "--format");
    REQUIRE_FALSE(text.empty());
    for (const std::string& f : formats) {
      INFO(f);
      CHECK(text.find(" " + f + " (") != std::string::npos);
    }
    // The ids of ChampSim's records, beside it.
    CHECK_FALSE(option_text(r.out, "--champsim-vm").empty());
    CHECK_FALSE(option_text(r.out, "--champsim-pid").empty());
  }
  // The usage line of run, from the same list.
  std::string joined;
  for (const std::string& f : formats) joined += (joined.empty() ? "" : "|") + f;
  CHECK(run_mmusim("--help").out.find("  run            --config F --trace T [--format " + joined + "] ") != std::string::npos);
}
