// A host frame's struct page, as far as mmusim models it (include/linux/mm_types.h,
// include/linux/page-flags.h).
#pragma once
#include <cstdint>

#include "swap/swap_device.h"

namespace mmusim {

// The struct page flags mmusim models, plus what the frame is for: 24 bytes a host frame. The
// PG_ flags are bits of one byte, as in the kernel's page->flags; C++17 gives bit-fields no
// default member initializers, and every HostPage is value-initialized (HostPage{}, the growth of
// HostMemory's array), which clears them.
struct HostPage {
  enum class Use : std::uint8_t { Free, GuestMemory, HostPageTable, ShadowPage };
  Use use = Use::Free;
  bool referenced : 1;  // PG_referenced
  bool active : 1;      // PG_active (on the active list)
  bool dirty : 1;       // PG_dirty
  bool swapcache : 1;   // PG_swapcache: the page has a swap slot
  bool writeback : 1;   // PG_writeback: a swap write is in flight
  bool reclaim : 1;     // PG_reclaim: written by reclaim, to be rotated when the write completes
  bool readahead : 1;   // read by swapin_readahead and not yet faulted on
  bool huge : 1;        // a page of a 2 MiB page a host pmd maps (host.thp); its head (the frame
                        // aligned to 512) stands on the LRU for all 512, the tails are off it
  std::uint16_t vm = 0;        // GuestMemory: the VM and gfn it backs (the reverse map)
  std::uint32_t mapcount = 0;  // host ptes mapping the page
  std::uint32_t pinned = 0;    // references KVM holds (kvm.aging = pinned): the page cannot be freed
  std::uint32_t gfn = 0;       // add_vm refuses a memslot of more than 2^32 gfns
  std::uint64_t slot = SwapDevice::kNoSlot;
};

}  // namespace mmusim
