// The hardware page walker (Intel SDM vol. 3A, 4.5 and 4.8): reads one entry per level from the
// top table (or from where the page-walk cache lets it start), sets A in every present entry it
// uses and D in the leaf on a write, and counts one memory reference per entry read.
#pragma once
#include <array>
#include <cstdint>

#include "common/page_size.h"
#include "paging/page_table.h"

namespace mmusim {

enum class WalkStatus { Ok, NotPresent, Protection };

// Which table a walk reads, in a walk of one or two dimensions: the table indexed by the virtual
// address (a native process's table, a shadow table, or the guest's own table under nested
// paging), or the nested table indexed by the guest-physical address (EPT). The one-dimensional
// walk reads the first only; a fault in the nested dimension will be an EPT violation.
enum class WalkDimension : std::uint8_t { Virtual, Nested };

struct WalkRequest {
  Vpn vpn;
  bool write = false;  // write intent (W or M)
  bool fetch = false;  // instruction fetch (X)
  bool set_ad = true;  // the walker sets A (and D) bits: false for EPT tables without A/D (before Haswell)
};

struct WalkResult {
  WalkStatus status = WalkStatus::Ok;
  unsigned refs = 0;     // entries read = memory references
  unsigned level = 1;    // level of the last entry read (where a fault was found)
  Pte* leaf = nullptr;   // the leaf entry (Ok and Protection)
  PageSize size = PageSize::k4K;  // what the leaf maps: level 1 4 KiB, a PS entry at level 2 or 3 2 MiB or 1 GiB
  // tables[L] = the table of level L that the walk read (nullptr if it started below L or stopped
  // above it); the page-walk cache is filled from these.
  std::array<TableNode*, kLevels + 1> tables{};
};

// Walks starting at `start` (a table of level start->level; normally the root).
// A permission fault (write to a non-writable leaf, fetch from an NX leaf) leaves the leaf's A
// and D bits untouched: the entry was not used for a completed translation.
WalkResult hardware_walk(TableNode* start, const WalkRequest& req);

}  // namespace mmusim
