// Progress of a long run on stderr, only when stderr is a terminal: records done, rate and the
// estimated time left (from the bytes of the trace read so far).
#pragma once
#include <chrono>
#include <cstdint>

namespace mmusim {

class Progress {
 public:
  Progress();  // enabled iff stderr is a terminal
  void update(std::uint64_t records, std::uint64_t bytes_done, std::uint64_t bytes_total);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace mmusim
