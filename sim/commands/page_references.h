// The reference string behind compare's OPT and exact-LRU bounds (models/bounds/bounds.h): the
// guest data pages a trace touches, in order, numbered densely.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "trace/reader.h"

namespace mmusim {

struct PageReferences {
  std::uint64_t records = 0;     // trace records read
  std::uint64_t references = 0;  // translated 4 KiB pages, one per page of each record's range
  // The page of each reference, ids in order of first touch, with a reference to the same page
  // as the one before it left out: under OPT and LRU alike it is a hit that changes nothing
  // (bounds.h), and real traces have many (several accesses to one page in a row).
  std::vector<std::uint32_t> pages;
  std::uint32_t page_count = 0;   // distinct pages: the ids are 0 .. page_count - 1
  std::uint64_t table_pages = 0;  // guest page-table pages the touched pages need (roots to PTs)
};

// Reads `trace` with the checks of `limits`, which must include the canonical address check
// (machine_limits), and numbers the pages of every record, each (vm, pid) its own space.
// --skip-bad-lines: `skip_bad`, the first skipped records named on stderr.
PageReferences page_references(const std::string& trace, const TraceOptions& how, const RecordLimits& limits, bool skip_bad);

}  // namespace mmusim
