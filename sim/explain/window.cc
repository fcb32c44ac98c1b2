#include "explain/window.h"

#include <algorithm>

#include "explain/explainer.h"
#include "input_error.h"

namespace mmusim {

ExplainWindow explain_window(const std::string& trace, std::uint64_t records, bool has_from, std::uint64_t from,
                             bool has_to, std::uint64_t to) {
  const std::string limit = grouped(kExplainMaxRecords);
  const std::string hint = "explain at most " + limit + " records: choose a window of record indices with --from/--to, e.g. --from " +
                           std::to_string(has_from ? from : 0) + " --to " +
                           std::to_string((has_from ? from : 0) + 1000);
  ExplainWindow w;
  w.from = has_from ? from : 0;
  w.to = has_to ? std::min(to, records) : records;
  if (has_to && to <= w.from)
    throw InputError("--to", 0, "", "the window [" + std::to_string(w.from) + ", " + std::to_string(to) + ") is empty");
  if (w.from >= records)
    throw InputError(trace, 0, "--from", "the trace has only " + std::to_string(records) + " records (indices 0 to " +
                                             std::to_string(records ? records - 1 : 0) + ")");
  if (w.to - w.from > kExplainMaxRecords) {
    if (!has_from && !has_to)
      throw InputError(trace, 0, "", "more than " + limit + " records, too large to explain whole; " + hint);
    throw InputError("--from/--to", 0, "", "a window of " + std::to_string(w.to - w.from) + (has_to ? "" : " or more") +
                                               " records is too large; " + hint);
  }
  return w;
}

}  // namespace mmusim
