#include "commands/spread_summary.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <map>

#include "util/input_error.h"
#include "os/safe_file.h"

namespace mmusim {

namespace {

const std::string* find(const CsvRow& row, const std::string& column) {
  for (const auto& [name, value] : row)
    if (name == column) return &value;
  return nullptr;
}

bool as_number(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return *end == '\0' && std::isfinite(out);
}

}  // namespace

double t95(std::size_t df) {
  static const double table[] = {0,      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                 2.201,  2.179,  2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080,
                                 2.074,  2.069,  2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return 0;
  if (df <= 30) return table[df];
  if (df < 40) return 2.042;
  if (df < 60) return 2.021;
  if (df < 120) return 2.000;
  if (df == 120) return 1.980;
  return 1.960;
}

Spread spread(const std::vector<double>& v) {
  Spread s;
  s.n = v.size();
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(s.n);
  s.min = *std::min_element(v.begin(), v.end());
  s.max = *std::max_element(v.begin(), v.end());
  if (s.n < 2) return s;
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.half = t95(s.n - 1) * std::sqrt(ss / static_cast<double>(s.n - 1)) / std::sqrt(static_cast<double>(s.n));
  return s;
}

void write_spread_csv(const std::string& path, const std::vector<std::string>& keys,
                      const std::vector<std::string>& columns, const std::vector<CsvRow>& rows) {
  std::vector<std::vector<std::string>> configs;  // in order of first appearance
  std::map<std::vector<std::string>, std::vector<const CsvRow*>> members;
  for (const CsvRow& r : rows) {
    const std::string* status = find(r, "status");
    if (!status || (*status != "ok" && *status != "bound")) continue;
    std::vector<std::string> k;
    for (const std::string& key : keys) k.push_back(find(r, key) ? *find(r, key) : "");
    if (!members.count(k)) configs.push_back(k);
    members[k].push_back(&r);
  }
  AtomicFile file(path, "--out");  // os/safe_file.h: a new file under a temporary name, renamed
  {
    std::ostream& out = file.out();
    for (const std::string& k : keys) out << k << ',';
    out << "column,n,mean,min,max,ci95_low,ci95_high\n";
    out << std::fixed << std::setprecision(3);
    for (const auto& k : configs) {
      for (const std::string& c : columns) {
        std::vector<double> v;
        for (const CsvRow* r : members[k]) {
          double x;
          if (const std::string* s = find(*r, c); s && as_number(*s, x)) v.push_back(x);
        }
        if (v.empty()) continue;
        const Spread s = spread(v);
        for (const std::string& x : k) out << x << ',';
        out << c << ',' << s.n << ',' << s.mean << ',' << s.min << ',' << s.max << ',' << s.mean - s.half << ','
            << s.mean + s.half << '\n';
      }
    }
  }
  file.commit();
}

}  // namespace mmusim
