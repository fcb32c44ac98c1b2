// Helpers of the trace tests: input files in a per-process temporary folder, reading a whole
// trace in small batches, and the message a bad trace raises.
#pragma once
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/input_error.h"
#include "trace/reader.h"

namespace mmusim::test {

inline std::string temp_file(const std::string& name, const std::string& content) {
  auto dir = std::filesystem::path(MMUSIM_TEST_TMP) / ("sim_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto p = dir / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  return p.string();
}

// Reads the whole trace in batches of `batch` records (small and odd: exercises the batch
// boundaries), and checks that it stays at the end.
inline std::vector<TraceRecord> read_all(const std::string& path, const TraceOptions& f = TraceFormat::Auto,
                                         std::size_t batch = 7) {
  auto r = open_trace(path, f);
  std::vector<TraceRecord> v, buf(batch);
  while (std::size_t n = r->read(buf.data(), batch)) v.insert(v.end(), buf.begin(), buf.begin() + n);
  CHECK(r->read(buf.data(), batch) == 0);
  return v;
}

// The message of the InputError that reading `content` as a trace of format `f` throws.
inline std::string trace_error(const std::string& name, const std::string& content, TraceFormat f) {
  const std::string path = temp_file(name, content);
  try {
    read_all(path, f);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace mmusim::test
