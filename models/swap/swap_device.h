// A swap device: `slots` 4 KiB slots and a queue of `queue_depth` requests served in parallel,
// each taking a fixed latency (swap.read_us, swap.write_us converted to cycles). A request waits
// for the first channel that is free; completion times are exact and deterministic. The slots
// form clusters of 512 (SWAPFILE_CLUSTER, mm/swapfile.c), the unit a huge page swapped whole
// takes (get_huge_swap_page, 4.13).
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
  static constexpr std::uint64_t kClusterSlots = 512;  // SWAPFILE_CLUSTER (4.13 and later: HPAGE_PMD_NR)

  SwapDevice(std::uint64_t slots, unsigned queue_depth, Cycles read_cycles, Cycles write_cycles);

  // get_swap_page: the lowest free slot, or kNoSlot when the device is full.
  std::uint64_t alloc_slot();
  // get_huge_swap_page / swap_alloc_cluster (mm/swapfile.c, 4.13): the first slot of the lowest
  // cluster of 512 aligned slots that are all free, now all in use; kNoSlot when no cluster is
  // free (the kernel takes the head of its free-cluster list: here the lowest, to be deterministic).
  std::uint64_t alloc_cluster();
  // swap_free of a slot in use (a swapped-in page leaves the swap cache: vm_swap_full).
  void free_slot(std::uint64_t slot);
  std::uint64_t slots() const { return used_.size(); }
  std::uint64_t slots_used() const { return used_count_; }
  bool slot_in_use(std::uint64_t slot) const { return slot < used_.size() && used_[slot]; }

  // Submits a read or write at time `now`; returns its completion time.
  Cycles read(Cycles now) { return submit(now, read_cycles_, stats_.reads); }
  Cycles write(Cycles now) { return submit(now, write_cycles_, stats_.writes); }
  // One write of `pages` contiguous 4 KiB pages (a huge page's 2 MiB bio, swap_writepage of a THP,
  // 4.14) at `now`: the device serves it as `pages` 4 KiB writes submitted together, spread over
  // its queue_depth channels (the same latency per 4 KiB and the same parallelism as 4 KiB
  // writes, so the same bandwidth); it completes when the last of them does. Returns that time.
  Cycles write_pages(Cycles now, unsigned pages);

  const SwapStats& stats() const { return stats_; }
  // Requests submitted by `now` and not complete at `now` (waiting for a channel or being served).
  std::uint64_t in_flight(Cycles now) const {
    return static_cast<std::uint64_t>(std::distance(done_at_.upper_bound(now), done_at_.end()));
  }

 private:
  Cycles submit(Cycles now, Cycles latency, std::uint64_t& counter);

  std::vector<bool> used_;
  std::uint64_t used_count_ = 0, next_hint_ = 0;
  std::vector<std::uint16_t> cluster_used_;  // slots in use in each cluster of 512
  std::vector<Cycles> channel_free_at_;
  std::multiset<Cycles> done_at_;  // completion times of the requests not yet known to be complete
  Cycles read_cycles_, write_cycles_;
  SwapStats stats_;
};

}  // namespace mmusim
