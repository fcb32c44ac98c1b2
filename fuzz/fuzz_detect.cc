// libFuzzer target: format detection (open_trace with --format auto) and whichever reader it picks.
#include "fuzz_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mmusim::fuzz::read_trace(data, size, mmusim::TraceFormat::Auto);
}
