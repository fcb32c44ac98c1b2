// compare-summary.csv and sweep-summary.csv: each configuration's figures over the traces it ran
// on (several --trace), as mean, min, max and the 95% confidence interval of the mean.
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mmusim {

using CsvRow = std::vector<std::pair<std::string, std::string>>;  // column -> value, in file order

struct Spread {
  std::size_t n = 0;
  double mean = 0, min = 0, max = 0;
  double half = 0;  // half-width of the 95% interval: t(0.975, n - 1) x sd / sqrt(n); 0 for n < 2
};

// The two-sided 95% quantile of Student's t with `df` degrees of freedom (df >= 1): exact to 3
// decimals up to 30, then the next lower tabulated df's (40, 60, 120: a slightly wider interval),
// 1.960 past 120.
double t95(std::size_t df);
Spread spread(const std::vector<double>& values);

// Writes `path` atomically: one row per configuration (the values of `keys`, rows in the order
// their configuration first appears) and per numeric column of `columns`, over the rows of that
// configuration whose status is ok or bound and whose value is a number: the key values, then
// column,n,mean,min,max,ci95_low,ci95_high. Throws InputError naming `path` if it cannot be written.
void write_spread_csv(const std::string& path, const std::vector<std::string>& keys,
                      const std::vector<std::string>& columns, const std::vector<CsvRow>& rows);

}  // namespace mmusim
