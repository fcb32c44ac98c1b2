// Private to sim/trace: constructors of the concrete readers, used by open_trace (reader.cc).
#pragma once
#include <memory>

#include "util/input_error.h"
#include "trace/input_file.h"
#include "trace/reader.h"

namespace mmusim {
namespace trace_detail {

// CSV with a header row (csv_reader.cc). Throws InputError on a bad header.
std::unique_ptr<TraceReader> make_csv_reader(std::unique_ptr<InputFile> file);
// valgrind --tool=lackey --trace-mem=yes output (lackey_reader.cc).
// `vm`: the vm of every record (0, or kHostVm with --as-host).
std::unique_ptr<TraceReader> make_lackey_reader(std::unique_ptr<InputFile> file, std::uint16_t vm = 0);
// The binary .mtr format (mtr_format.h, mtr_reader.cc).
std::unique_ptr<TraceReader> make_mtr_reader(std::unique_ptr<InputFile> file);
// ChampSim's 64-byte instruction records (champsim_reader.cc), every access in `vm` and `pid`.
std::unique_ptr<TraceReader> make_champsim_reader(std::unique_ptr<InputFile> file, std::uint16_t vm, std::uint32_t pid);

// `e`, an error of the file as a whole (a compressed stream that is corrupt or cut short), as the
// error of `where` (the line or record the reader was reading when the stream broke).
inline InputError at_record(const InputError& e, std::uint64_t where) {
  std::string what = e.what();
  const std::string prefix = e.file() + ": ";
  if (what.compare(0, prefix.size(), prefix) == 0) what.erase(0, prefix.size());
  return InputError(e.file(), where, e.key(), what);
}

// Block size the lackey reader reads with; a line longer than this is skipped if it is not a
// record, and rejected if it is.
constexpr std::size_t kLackeyBlockBytes = std::size_t(1) << 20;

}  // namespace trace_detail
}  // namespace mmusim
