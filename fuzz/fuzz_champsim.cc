// libFuzzer target: the ChampSim trace reader (sim/trace) on arbitrary bytes, forced to that format.
#include "fuzz_trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mmusim::fuzz::read_trace(data, size, mmusim::TraceFormat::Champsim);
}
