// TraceReader::bad_record: how --skip-bad-lines skips a malformed record (reader.h).
#include <iostream>

#include "util/input_error.h"
#include "trace/reader.h"

namespace mmusim {

void TraceReader::bad_record(const InputError& e, std::uint64_t records) {
  if (!skip_bad_) throw e;
  const std::uint64_t before = skipped_.fetch_add(records, std::memory_order_relaxed);
  if (skip_quiet_ || before >= kNamedSkips) return;
  // One write per message: the reader may run on its own thread while the main thread prints.
  std::cerr << std::string("mmusim: skipped (--skip-bad-lines) ") + e.what() + "\n";
}

}  // namespace mmusim
