// One run's figures: summary.csv has one column per figure, with stable names (units in the
// names or in `mmusim columns`). The figures are the counters the models declare
// (common/counters.h), gathered by the column registry (columns.cc); figures of features that do
// not exist in a mode stay 0.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "common/counters.h"
#include "modes/sim_mode.h"

namespace mmusim {

// The figures the top level counts itself, for the run as a whole.
struct RunStats {
  std::uint64_t cycles = 0;                // simulated time at the end (set when the run ends)
  std::uint64_t vcpus = 0;
  std::uint64_t invariant_violations = 0;
  std::uint64_t trace_stall_cycles = 0;
  std::uint64_t skipped_records = 0;

  static const CounterTable<RunStats>& counters();
};

// The slot of counter `name` in RunSummary::values; throws std::logic_error if no model declares it.
std::size_t counter_slot(std::string_view name);
// How many counters the models declare.
std::size_t counter_count();

struct RunSummary {
  SimMode mode = SimMode::Native;
  std::string policy, trace;
  std::vector<std::uint64_t> values = std::vector<std::uint64_t>(counter_count());  // by counter_slot
  double sim_seconds = 0, wall_seconds = 0, accesses_per_second = 0;

  // The figure of counter `name` (a declared column name; anything else is std::logic_error).
  std::uint64_t operator[](std::string_view name) const { return values[counter_slot(name)]; }
  std::uint64_t& operator[](std::string_view name) { return values[counter_slot(name)]; }

  // Adds the declared figures of model `m` (instances of one model add up: vCPUs, VMs), saturating
  // at 2^64 - 1 rather than wrapping.
  template <class M>
  void add(const M& m) {
    const CounterTable<M>& table = M::counters();
    static const std::vector<std::size_t> slots = [&] {
      std::vector<std::size_t> s;
      for (const Counter<M>& c : table) s.push_back(counter_slot(c.info.name));
      return s;
    }();
    for (std::size_t i = 0; i < table.size(); ++i) add_saturating(values[slots[i]], table[i].get(m));
  }
};

enum class ColumnType { Text, Counter, Real };

struct ColumnSpec {
  std::string name;
  std::string unit;
  std::string help;
  ColumnType type = ColumnType::Counter;
  CounterKind kind = CounterKind::Count;     // counters: an event count or a level
  std::size_t slot = 0;                      // counters: index into RunSummary::values
  std::string (*text)(const RunSummary&) = nullptr;  // text and real columns

  // The cell of this column in the row of `s`.
  std::string value(const RunSummary& s) const;
};

// Every column of summary.csv, in file order: the columns of earlier releases in their order,
// then every counter declared since, in the registry's order (columns.cc).
const std::vector<ColumnSpec>& summary_columns();
// The column called `name`, or nullptr.
const ColumnSpec* find_column(std::string_view name);

// The figures of the part of a run after `warm` (a snapshot at the end of sim.warmup_records):
// every count less its value then; levels (frames free or used at the end, list lengths, shadow
// pages) and text as at the end. cycles and the seconds are the caller's.
RunSummary counted_since(const RunSummary& end, const RunSummary& warm);

// Writes the header and one row per run to `path` atomically (a temporary file renamed into
// place), so that a failed run never leaves a CSV that looks complete. Throws InputError when the
// file cannot be written.
void write_summary_csv(const std::string& path, const std::vector<RunSummary>& runs);

// A short readable table of the main figures.
void print_summary_table(std::ostream& out, const RunSummary& s);

}  // namespace mmusim
