#include "common/frame_allocator.h"

#include <stdexcept>

#include "common/errors.h"

namespace mmusim {

FrameAllocator::FrameAllocator(std::uint64_t total_frames, std::string name, std::string size_key)
    : total_(total_frames), name_(std::move(name)), size_key_(std::move(size_key)), used_(total_frames, false) {}

std::uint64_t FrameAllocator::alloc() {
  std::uint64_t f;
  if (!freed_.empty()) {
    f = freed_.back();
    freed_.pop_back();
  } else if (next_never_used_ < total_) {
    f = next_never_used_++;
  } else {
    throw OutOfMemory(name_ + " memory exhausted: all " + std::to_string(total_) + " frames (" +
                      std::to_string(total_ * 4) + " KiB) are in use", size_key_);
  }
  used_[f] = true;
  ++used_count_;
  return f;
}

void FrameAllocator::free(std::uint64_t frame) {
  if (frame >= total_ || !used_[frame]) throw std::logic_error(name_ + ": free of a frame not in use");
  used_[frame] = false;
  --used_count_;
  freed_.push_back(frame);
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
