// Conditions a model cannot continue from, raised to the driver as one clear message.
#pragma once
#include <stdexcept>
#include <string>

namespace mmusim {

// A frame allocator ran dry with no way to reclaim (native mode, or guest memory).
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace mmusim
