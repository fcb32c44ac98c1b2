// The page `mmusim view` writes: sim/view/view.html (built into the program) with the run's
// events and the machine's shape filled in. One file: no server, no network.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>

namespace mmusim {

// The CPUs the page draws at most (each one's TLBs); a machine with more is refused.
constexpr unsigned kViewMaxCpus = 4;

struct ViewInfo {
  std::string trace, mode, aging;  // aging: "" in native mode
  std::uint64_t from = 0, to = 0;  // the records shown: [from, to)
  unsigned vms = 1, vcpus = 1;
  struct {
    std::uint64_t l1i_entries, l1i_ways, l1d_entries, l1d_ways, stlb_entries, stlb_ways;
  } tlb{};
  std::uint64_t host_frames = 0, swap_slots = 0;
};

// Writes the page: `events` is explain's JSON lines (with their "text"), one event per line.
void write_view_page(std::ostream& out, const ViewInfo& info, const std::string& events);

}  // namespace mmusim
