// Conditions a model cannot continue from, raised to the driver as one clear message.
#pragma once
#include <stdexcept>
#include <string>

namespace mmusim {

// A frame allocator ran dry with no way to reclaim. `key` names the configuration key that sized
// the memory (host.mem_mb, guest.mem_mb), so the driver can say which one to raise.
struct OutOfMemory : std::runtime_error {
  OutOfMemory(const std::string& what, std::string key) : std::runtime_error(what), key(std::move(key)) {}
  std::string key;
};

// The invariant checker found a violation and sim.check_abort asked to stop at the first one.
struct InvariantViolation : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A configured limit that the run cannot live within (kvm.max_mmu_pages below the roots in use).
struct LimitExceeded : std::runtime_error {
  LimitExceeded(const std::string& what, std::string key) : std::runtime_error(what), key(std::move(key)) {}
  std::string key;
};

}  // namespace mmusim
