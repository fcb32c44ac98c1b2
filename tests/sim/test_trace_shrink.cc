// A trace file cut while it is read (a copy still being written, a file rewritten in place) ends
// before the size it had when opened: an error naming both sizes, never a shorter run that looks
// complete.
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "util/input_error.h"
#include "temp_file.h"
#include "trace/mtr_writer.h"

using namespace mmusim;

TEST_CASE("a trace that shrinks while it is read is an error naming both sizes", "[trace][hostile]") {
  const std::string path = mmusim::test::temp_file("shrink.mtr", "");
  {
    MtrWriter w(path);
    TraceRecord r;
    for (std::uint64_t i = 0; i < 200000; ++i) {
      r.gva = 0x1000 + 4096 * (i % 512);
      w.add(r);
    }
    w.close();
  }
  const std::uint64_t size = 32 + 24 * 200000;
  auto reader = open_trace(path, TraceFormat::Auto);
  std::vector<TraceRecord> buf(1000);
  REQUIRE(reader->read(buf.data(), buf.size()) == 1000);
  REQUIRE(truncate(path.c_str(), 0) == 0);
  std::string message;
  try {
    while (reader->read(buf.data(), buf.size()) > 0) {
    }
  } catch (const InputError& e) {
    message = e.what();
  }
  // The .mtr reader names the record it was reading (path:RECORD:).
  CHECK_THAT(message, Catch::StartsWith(path + ":") && Catch::Contains(": the trace ended after "));
  CHECK_THAT(message, Catch::EndsWith(" bytes, before the " + std::to_string(size) +
                                      " bytes it had when opened (was it changed while being read?)"));
}
