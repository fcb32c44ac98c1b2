#include "util/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mmusim {

Progress::Progress() : enabled_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()), last_(start_) {}

void Progress::update(std::uint64_t records, std::uint64_t bytes_done, std::uint64_t bytes_total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::milliseconds(500)) return;
  last_ = now;
  const double secs = std::chrono::duration<double>(now - start_).count();
  const double rate = secs > 0 ? records / secs : 0;
  std::fprintf(stderr, "\r%llu records, %.1f M/s", static_cast<unsigned long long>(records), rate / 1e6);
  if (bytes_total > 0 && bytes_done > 0) {
    const double left = secs * (static_cast<double>(bytes_total) / bytes_done - 1);
    std::fprintf(stderr, ", %.0f%%, %.0f s left   ", 100.0 * bytes_done / bytes_total, left);
  }
  drawn_ = true;
}

void Progress::finish() {
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace mmusim
