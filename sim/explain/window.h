// Which records `mmusim explain` narrates: a whole small trace, or a window of record indices.
#pragma once
#include <cstdint>
#include <string>

#include "trace/reader.h"

namespace mmusim {

// The records [from, to) of a trace of `records` records (`records` may be a lower bound: the
// count stops past what matters) that explain would narrate; throws InputError when the window is
// empty or larger than kExplainMaxRecords, saying to use --from/--to.
struct ExplainWindow {
  std::uint64_t from = 0, to = 0;
};
// Records in `trace`, counted up to `cap` (a trace longer than that reports cap).
std::uint64_t count_records(const std::string& trace, const TraceOptions& how, std::uint64_t cap);

// a + b, or the largest value where that would wrap (windows near 2^64 - 1).
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);

// command: the command named in the messages ("explain", "view").
ExplainWindow explain_window(const std::string& trace, std::uint64_t records, bool has_from, std::uint64_t from,
                             bool has_to, std::uint64_t to, const std::string& command = "explain");

}  // namespace mmusim
