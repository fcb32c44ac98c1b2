#include "common/frame_allocator.h"

#include <stdexcept>

#include "common/errors.h"

namespace mmusim {

namespace {
constexpr unsigned k2mOrder = 9;
}

FrameAllocator::FrameAllocator(std::uint64_t total_frames, std::string name, std::string size_key)
    : total_(total_frames),
      name_(std::move(name)),
      size_key_(std::move(size_key)),
      used_(total_frames, false),
      used_in_2m_((total_frames >> k2mOrder) + 1, 0) {}

void FrameAllocator::take(std::uint64_t f) {
  used_[f] = true;
  ++used_in_2m_[f >> k2mOrder];
  ++used_count_;
}

std::uint64_t FrameAllocator::alloc() {
  while (!freed_.empty()) {
    const std::uint64_t f = freed_.back();
    freed_.pop_back();
    if (used_[f]) continue;  // stale: a block took it
    take(f);
    return f;
  }
  // Frames below next_never_used_ that a block skipped over were listed in freed_ when skipped.
  while (next_never_used_ < total_) {
    const std::uint64_t f = next_never_used_++;
    if (used_[f]) continue;  // a block took it
    take(f);
    return f;
  }
  throw OutOfMemory(name_ + " memory exhausted: all " + std::to_string(total_) + " frames (" +
                    std::to_string(total_ * 4) + " KiB) are in use", size_key_);
}

void FrameAllocator::free(std::uint64_t frame) {
  if (frame >= total_ || !used_[frame]) throw std::logic_error(name_ + ": free of a frame not in use");
  used_[frame] = false;
  if (--used_in_2m_[frame >> k2mOrder] == 0 && (frame >> k2mOrder) < first_free_2m_) first_free_2m_ = frame >> k2mOrder;
  --used_count_;
  freed_.push_back(frame);
}

bool FrameAllocator::block_free(std::uint64_t first, unsigned order) const {
  const std::uint64_t n = std::uint64_t{1} << order;
  if (order >= k2mOrder) {
    for (std::uint64_t g = first >> k2mOrder; g < (first + n) >> k2mOrder; ++g)
      if (used_in_2m_[g]) return false;
    return true;
  }
  if (used_in_2m_[first >> k2mOrder] == 0) return true;
  for (std::uint64_t f = first; f < first + n; ++f)
    if (used_[f]) return false;
  return true;
}

std::optional<std::uint64_t> FrameAllocator::alloc_block(unsigned order) {
  if (order > kMaxOrder) throw std::logic_error(name_ + ": block order above " + std::to_string(kMaxOrder));
  const std::uint64_t n = std::uint64_t{1} << order;
  // Lowest aligned block first; frames at or above next_never_used_ are free, so the scan ends at
  // the first aligned block past it at the latest.
  // Speed only: no 2 MiB group below first_free_2m_ is wholly free, so no block of order 9 or
  // more starts below it.
  const std::uint64_t from = order >= k2mOrder ? ((first_free_2m_ << k2mOrder) & ~(n - 1)) : 0;
  for (std::uint64_t first = from; first + n <= total_; first += n) {
    if (!block_free(first, order)) {
      if (order == k2mOrder && (first >> k2mOrder) == first_free_2m_) ++first_free_2m_;
      continue;
    }
    // Never-used frames this block skips over stay allocatable one by one: listed as freed
    // (highest first, so that the lowest is reused first).
    for (std::uint64_t f = first; f-- > next_never_used_;) freed_.push_back(f);
    if (first + n > next_never_used_) next_never_used_ = first + n;
    for (std::uint64_t f = first; f < first + n; ++f) take(f);
    return first;
  }
  return std::nullopt;
}

void FrameAllocator::free_block(std::uint64_t first, unsigned order) {
  const std::uint64_t n = std::uint64_t{1} << order;
  if (first % n != 0) throw std::logic_error(name_ + ": free of a misaligned block");
  for (std::uint64_t f = first; f < first + n; ++f) free(f);
}

const CounterTable<FrameAllocator>& FrameAllocator::counters() {
  static const CounterTable<FrameAllocator> t = {
      {{"frames_used", "frames", CounterKind::Level,
        "host 4 KiB frames in use at the end (data, page tables, shadow pages)"},
       [](const FrameAllocator& f) { return f.used(); }},
      {{"free_frames", "frames", CounterKind::Level, "host frames free at the end"},
       [](const FrameAllocator& f) { return f.free_count(); }},
  };
  return t;
}

}  // namespace mmusim
