// Streaming trace readers: memory does not grow with trace length.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "trace/record.h"

namespace mmusim {

enum class TraceFormat { Auto, Csv, Lackey };

// "auto", "csv", "lackey" -> TraceFormat; throws InputError naming `option` otherwise.
TraceFormat parse_trace_format(const std::string& s, const std::string& option);
const char* trace_format_name(TraceFormat f);

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  // Fills out[0..n) with the next records in file order and returns how many; 0 means the end.
  // A malformed line throws InputError naming the file, the line and the column.
  virtual std::size_t read(TraceRecord* out, std::size_t n) = 0;
  // For progress: bytes consumed so far and the file's size (0 if unknown).
  virtual std::uint64_t bytes_done() const = 0;
  virtual std::uint64_t bytes_total() const = 0;
  virtual TraceFormat format() const = 0;
};

// Opens `path`; with TraceFormat::Auto the format is detected from the first lines (a header row
// naming columns `op` and `gva` is CSV; `==`, `I `, ` L`, ` S`, ` M` lines are lackey).
// A missing, unreadable or empty file, or one of no known format, throws InputError.
std::unique_ptr<TraceReader> open_trace(const std::string& path, TraceFormat format);

}  // namespace mmusim
