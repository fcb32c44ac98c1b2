// The reference string behind compare's OPT and exact-LRU bounds (models/reclaim/bounds.h): the
// guest data pages a trace touches, in order, numbered densely.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trace/reader.h"

namespace mmusim {

struct PageReferences {
  std::uint64_t records = 0;         // trace records read
  std::vector<std::uint32_t> pages;  // one id per translated 4 KiB page, ids in order of first touch
  std::uint64_t table_pages = 0;     // guest page-table pages the touched pages need (roots to PTs)
};

// Reads `trace` with the checks of `limits` (--skip-bad-lines: `skip_bad`, the first skipped
// records named on stderr) and numbers the pages of every record, each (vm, pid) its own space.
PageReferences page_references(const std::string& trace, TraceFormat format, const RecordLimits& limits, bool skip_bad);

}  // namespace mmusim
