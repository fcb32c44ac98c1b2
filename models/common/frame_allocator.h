// A pool of 4 KiB frames numbered 0..total-1 (host frames, or a guest's frames).
// Deterministic: a freed frame is reused first (LIFO), then never-used frames in ascending order.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/counters.h"

namespace mmusim {

class FrameAllocator {
 public:
  // name: used in the out-of-memory message ("host", "guest 0"); size_key: the configuration key
  // that sized it, carried by OutOfMemory.
  FrameAllocator(std::uint64_t total_frames, std::string name, std::string size_key = "host.mem_mb");

  // A free frame; throws OutOfMemory when none is left.
  std::uint64_t alloc();
  void free(std::uint64_t frame);

  bool in_use(std::uint64_t frame) const { return frame < total_ && used_[frame]; }
  std::uint64_t total() const { return total_; }
  std::uint64_t used() const { return used_count_; }
  std::uint64_t free_count() const { return total_ - used_count_; }
  const std::string& name() const { return name_; }
  // The machine's frames as summary.csv shows them (only the host's, or native mode's, allocator
  // reports these; a guest's frames are the guest OS's figure).
  static const CounterTable<FrameAllocator>& counters();

 private:
  std::uint64_t total_;
  std::string name_, size_key_;
  std::uint64_t next_never_used_ = 0;
  std::uint64_t used_count_ = 0;
  std::vector<std::uint64_t> freed_;
  std::vector<bool> used_;
};

}  // namespace mmusim
