// The OPT and exact-LRU bounds (models/bounds/bounds.h) of a trace on a machine, and their rows
// in compare.csv and sweep.csv.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "bounds/bounds.h"
#include "trace/reader.h"

namespace mmusim {

struct MachineBounds {
  std::uint64_t records = 0, references = 0;
  std::uint64_t capacity = 0;  // frames the bounds had for guest data pages
  BoundResult opt, lru;
};

// Reads `trace` (with the record checks of c's guest.vms and guest.vcpus) and computes both
// bounds with host.mem_mb less the guest page tables the trace needs: host page tables, shadow
// pages and the free reserve are left in, so the bounds are never above what a policy could do
// with the same host.
MachineBounds machine_bounds(const std::string& trace, const TraceOptions& how, const SimConfig& c, bool skip_bad);

// The bounds depend on these keys alone (and on the trace).
const std::vector<std::string>& bound_keys();

// "a / b" to 3 decimals; "inf" when b is 0 and a is not, 1.000 when both are.
std::string ratio(std::uint64_t a, std::uint64_t b);

// The summary columns of the bound `name` (opt or lru-exact): mode, policy, trace, accesses,
// translations, swap_ins, swap_outs; the other columns are 0. `mode`: the sim.mode of the runs.
std::vector<std::pair<std::string, std::string>> bound_row(const std::string& name, const BoundResult& b,
                                                           const MachineBounds& m, const std::string& trace,
                                                           const std::string& mode = "shadow");

// compare and sweep: some runs failed (after every row is written). 2 is bad input.
constexpr int kExitRunsFailed = 4;

}  // namespace mmusim
