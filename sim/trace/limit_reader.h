// sim.warmup_records + sim.max_records: a trace cut after its first N records.
#pragma once
#include <cstdint>
#include <memory>

#include "trace/reader.h"

namespace mmusim {

// Hands over the first `limit` records of `inner` in file order, then reports the end.
std::unique_ptr<TraceReader> limit_records(std::unique_ptr<TraceReader> inner, std::uint64_t limit);

}  // namespace mmusim
