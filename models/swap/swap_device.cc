#include "swap/swap_device.h"

#include <algorithm>
#include <stdexcept>

namespace mmusim {

SwapDevice::SwapDevice(std::uint64_t slots, unsigned queue_depth, Cycles read_cycles, Cycles write_cycles)
    : used_(slots, false), cluster_used_((slots + kClusterSlots - 1) / kClusterSlots, 0),
      channel_free_at_(std::max(1u, queue_depth), 0), read_cycles_(read_cycles), write_cycles_(write_cycles) {}

std::uint64_t SwapDevice::alloc_slot() {
  if (used_count_ == used_.size()) return kNoSlot;
  // The lowest free slot at or after the hint (every slot below the hint is in use).
  std::uint64_t s = next_hint_;
  while (used_[s]) ++s;
  used_[s] = true;
  ++used_count_;
  ++cluster_used_[s / kClusterSlots];
  next_hint_ = s + 1;
  return s;
}

std::uint64_t SwapDevice::alloc_cluster() {
  const std::uint64_t whole = used_.size() / kClusterSlots;  // a partial last cluster never counts
  for (std::uint64_t c = 0; c < whole; ++c) {
    if (cluster_used_[c]) continue;
    const std::uint64_t first = c * kClusterSlots;
    for (std::uint64_t s = first; s < first + kClusterSlots; ++s) used_[s] = true;
    cluster_used_[c] = kClusterSlots;
    used_count_ += kClusterSlots;
    if (next_hint_ == first) next_hint_ = first + kClusterSlots;  // every slot below the hint stays in use
    return first;
  }
  return kNoSlot;
}

void SwapDevice::free_slot(std::uint64_t slot) {
  if (!slot_in_use(slot)) throw std::logic_error("free of a swap slot not in use");
  used_[slot] = false;
  --used_count_;
  --cluster_used_[slot / kClusterSlots];
  if (slot < next_hint_) next_hint_ = slot;  // every slot below the hint stays in use
}

Cycles SwapDevice::write_pages(Cycles now, unsigned pages) {
  Cycles done = now;
  for (unsigned k = 0; k < pages; ++k) done = std::max(done, submit(now, write_cycles_, stats_.writes));
  return done;
}

Cycles SwapDevice::submit(Cycles now, Cycles latency, std::uint64_t& counter) {
  ++counter;
  auto ch = std::min_element(channel_free_at_.begin(), channel_free_at_.end());
  const Cycles start = std::max(now, *ch);
  stats_.queue_wait_cycles += start - now;
  *ch = start + latency;
  done_at_.erase(done_at_.begin(), done_at_.upper_bound(now));  // complete by now: forget them
  done_at_.insert(*ch);
  return *ch;
}

}  // namespace mmusim
