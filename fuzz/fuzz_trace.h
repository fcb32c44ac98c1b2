// The body of the three trace reader targets (fuzz_csv.cc, fuzz_lackey.cc, fuzz_mtr.cc): open the
// input with the given format (Auto: detection), read every record; InputError is the only
// acceptable failure.
#pragma once
#include <memory>
#include <vector>

#include "fuzz_input.h"
#include "util/input_error.h"
#include "trace/prefetch_reader.h"
#include "trace/reader.h"

namespace mmusim::fuzz {

inline int read_trace(const std::uint8_t* data, std::size_t size, TraceFormat format) {
  static MemFile file;
  const std::string path = file.write(data, size);
  const unsigned v = variant(size);
  try {
    std::unique_ptr<TraceReader> reader = open_trace(path, format);
    if (v & 2) reader->set_limits(machine_limits(2, 2));
    reader->set_skip_bad(v & 1, /*quiet=*/true);
    if (v & 4) reader = std::make_unique<PrefetchReader>(std::move(reader), 64, 2);
    std::vector<TraceRecord> buf(100);
    while (std::size_t n = reader->read(buf.data(), buf.size())) {
      if (n > buf.size()) std::abort();
      for (std::size_t i = 0; i < n; ++i)  // every record delivered is one the limits allow
        if (static_cast<unsigned>(buf[i].op) > 3 || ((v & 2) && (buf[i].vm >= 2 || buf[i].vcpu >= 2))) std::abort();
    }
    if (!(v & 1) && reader->skipped() != 0) std::abort();  // nothing skipped unless asked
  } catch (const InputError&) {
  }
  return 0;
}

}  // namespace mmusim::fuzz
