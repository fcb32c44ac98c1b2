// A pool of 4 KiB frames numbered 0..total-1 (host frames, or a guest's frames).
// Deterministic. One frame (order 0): a freed frame is reused first (LIFO), then never-used frames
// in ascending order. A block of 2^order frames (orders 1..kMaxOrder; order 9 is a 2 MiB page,
// order 18 a 1 GiB page) is aligned to its size, as the buddy allocator's blocks are
// (__rmqueue, mm/page_alloc.c): the lowest aligned block whose frames are all free. Order-0
// numbering is the same whether or not blocks are ever taken until the first block is: a run that
// takes none allocates exactly as before blocks existed.
//
// Simplification: the buddy allocator splits the smallest free block for an order-0 request and
// so keeps large blocks whole; this pool reuses the most recently freed frame, so blocks form only
// where frames were never used or were freed together.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/counters.h"

namespace mmusim {

class FrameAllocator {
 public:
  static constexpr unsigned kMaxOrder = 18;  // 2^18 frames = 1 GiB (MAX_ORDER is 11 in Linux: 1 GiB pages come from hugetlb)

  // name: used in the out-of-memory message ("host", "guest 0"); size_key: the configuration key
  // that sized it, carried by OutOfMemory.
  FrameAllocator(std::uint64_t total_frames, std::string name, std::string size_key = "host.mem_mb");

  // A free frame; throws OutOfMemory when none is left.
  std::uint64_t alloc();
  void free(std::uint64_t frame);

  // The first frame of a free block of 2^order frames aligned to 2^order (order <= kMaxOrder), or
  // nothing when no such block is free (a THP fault then falls back to one frame).
  std::optional<std::uint64_t> alloc_block(unsigned order);
  // Frees the 2^order frames of a block from alloc_block (in ascending order: the last is reused first).
  void free_block(std::uint64_t first, unsigned order);

  bool in_use(std::uint64_t frame) const { return frame < total_ && used_[frame]; }
  std::uint64_t total() const { return total_; }
  std::uint64_t used() const { return used_count_; }
  std::uint64_t free_count() const { return total_ - used_count_; }
  const std::string& name() const { return name_; }
  // The machine's frames as summary.csv shows them (only the host's, or native mode's, allocator
  // reports these; a guest's frames are the guest OS's figure).
  static const CounterTable<FrameAllocator>& counters();

 private:
  void take(std::uint64_t f);
  bool block_free(std::uint64_t first, unsigned order) const;

  std::uint64_t total_;
  std::string name_, size_key_;
  std::uint64_t next_never_used_ = 0;
  std::uint64_t used_count_ = 0;
  // Freed frames, most recent last. A frame a block took since it was freed stays listed and is
  // skipped when popped (a listed frame in use is stale); only blocks leave stale entries.
  std::vector<std::uint64_t> freed_;
  std::vector<bool> used_;
  std::vector<std::uint16_t> used_in_2m_;  // frames in use per aligned 512-frame (2 MiB) group
  std::uint64_t first_free_2m_ = 0;        // no group below this one is wholly free (a search hint)
};

}  // namespace mmusim
