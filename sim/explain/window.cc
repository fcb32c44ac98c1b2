#include "explain/window.h"

#include <algorithm>
#include <vector>

#include "explain/explainer.h"
#include "util/input_error.h"

namespace mmusim {

std::uint64_t count_records(const std::string& trace, const TraceOptions& how, std::uint64_t cap) {
  auto reader = open_trace(trace, how);
  std::vector<TraceRecord> buf(4096);
  std::uint64_t n = 0;
  while (n < cap) {
    const std::size_t got = reader->read(buf.data(), buf.size());
    if (!got) break;
    n += got;
  }
  return std::min(n, cap);
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) { return a > ~b ? ~std::uint64_t{0} : a + b; }

ExplainWindow explain_window(const std::string& trace, std::uint64_t records, bool has_from, std::uint64_t from,
                             bool has_to, std::uint64_t to, const std::string& command) {
  const std::string limit = grouped(kExplainMaxRecords);
  const std::uint64_t first = has_from ? from : 0;
  const std::string hint = command + " at most " + limit + " records: choose a window of record indices with --from/--to, e.g. --from " +
                           std::to_string(first) + " --to " + std::to_string(saturating_add(first, 1000));
  ExplainWindow w;
  w.from = has_from ? from : 0;
  w.to = has_to ? std::min(to, records) : records;
  if (has_to && to <= w.from)
    throw InputError("--to", 0, "", "the window [" + std::to_string(w.from) + ", " + std::to_string(to) + ") is empty");
  if (records == 0) throw InputError(trace, 0, "", "the trace has no records");
  if (w.from >= records)
    throw InputError(trace, 0, "--from", "the trace has only " + std::to_string(records) + " records (indices 0 to " +
                                             std::to_string(records - 1) + ")");
  if (w.to - w.from > kExplainMaxRecords) {  // `records` stops counting just past the limit
    if (!has_from && !has_to)
      throw InputError(trace, 0, "", "more than " + limit + " records, too large to " + command + " whole; " + hint);
    throw InputError("--from/--to", 0, "", "the window [" + std::to_string(w.from) + ", " +
                                               (has_to ? std::to_string(to) : std::string("end")) + ") holds more than " +
                                               limit + " records; " + hint);
  }
  return w;
}

}  // namespace mmusim
