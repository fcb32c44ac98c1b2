#include "engine/run_results.h"

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "engine/engine.h"
#include "util/input_error.h"
#include "util/printable.h"
#include "stats/summary.h"

namespace mmusim {

namespace {
std::vector<std::string> cells(const std::string& line) {
  std::vector<std::string> v;
  std::stringstream in(line);
  for (std::string x; std::getline(in, x, ',');) v.push_back(x);
  if (!line.empty() && line.back() == ',') v.emplace_back();
  return v;
}
}  // namespace

std::optional<std::map<std::string, std::string>> read_run_summary(const std::string& path) {
  std::ifstream in(path);
  std::string header, row;
  if (!std::getline(in, header) || !std::getline(in, row)) return std::nullopt;
  const std::vector<std::string> names = cells(header), values = cells(row);
  std::set<std::string> known;
  for (const ColumnSpec& c : summary_columns()) known.insert(c.name);
  std::set<std::string> seen;
  for (const std::string& n : names) {
    if (!known.count(n))
      throw InputError(path, 1, printable(n, 100),
                       "not a summary.csv column of this mmusim (`mmusim columns` lists them); the run was made by another "
                       "version: remove its folder to run it again");
    if (!seen.insert(n).second) throw InputError(path, 1, n, "named twice in the header");
  }
  for (const ColumnSpec& c : summary_columns())
    if (!seen.count(c.name))
      throw InputError(path, 1, c.name,
                       "missing from the header (the run was made by another version of mmusim: remove its folder to run it "
                       "again)");
  if (values.size() != names.size())
    throw InputError(path, 2, "", std::to_string(values.size()) + " fields under a header of " + std::to_string(names.size()) +
                                      " columns");
  std::map<std::string, std::string> m;
  for (std::size_t i = 0; i < names.size(); ++i) m[names[i]] = values[i];
  return m;
}

std::string run_status_text(int status) {
  if (status <= kKilledBase) {
    const int sig = kKilledBase - status;
    const char* name = sigabbrev_np(sig);
    return "killed by " + (name ? "SIG" + std::string(name) : "signal " + std::to_string(sig));
  }
  return "exit " + std::to_string(status);
}

}  // namespace mmusim
