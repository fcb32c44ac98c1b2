// A swap device: `slots` 4 KiB slots and a queue of `queue_depth` requests served in parallel,
// each taking a fixed latency (swap.read_us, swap.write_us converted to cycles). A request waits
// for the first channel that is free; completion times are exact and deterministic.
#pragma once
#include <cstdint>
#include <iterator>
#include <set>
#include <vector>

#include "common/addr.h"

namespace mmusim {

struct SwapStats {
  std::uint64_t reads = 0, writes = 0;
  Cycles queue_wait_cycles = 0;  // time requests waited for a free channel
};

class SwapDevice {
 public:
  static constexpr std::uint64_t kNoSlot = ~std::uint64_t{0};

  SwapDevice(std::uint64_t slots, unsigned queue_depth, Cycles read_cycles, Cycles write_cycles);

  // get_swap_page: the lowest free slot, or kNoSlot when the device is full.
  std::uint64_t alloc_slot();
  // swap_free of a slot in use (a swapped-in page leaves the swap cache: vm_swap_full).
  void free_slot(std::uint64_t slot);
  std::uint64_t slots() const { return used_.size(); }
  std::uint64_t slots_used() const { return used_count_; }
  bool slot_in_use(std::uint64_t slot) const { return slot < used_.size() && used_[slot]; }

  // Submits a read or write at time `now`; returns its completion time.
  Cycles read(Cycles now) { return submit(now, read_cycles_, stats_.reads); }
  Cycles write(Cycles now) { return submit(now, write_cycles_, stats_.writes); }

  const SwapStats& stats() const { return stats_; }
  // Requests submitted by `now` and not complete at `now` (waiting for a channel or being served).
  std::uint64_t in_flight(Cycles now) const {
    return static_cast<std::uint64_t>(std::distance(done_at_.upper_bound(now), done_at_.end()));
  }

 private:
  Cycles submit(Cycles now, Cycles latency, std::uint64_t& counter);

  std::vector<bool> used_;
  std::uint64_t used_count_ = 0, next_hint_ = 0;
  std::vector<Cycles> channel_free_at_;
  std::multiset<Cycles> done_at_;  // completion times of the requests not yet known to be complete
  Cycles read_cycles_, write_cycles_;
  SwapStats stats_;
};

}  // namespace mmusim
