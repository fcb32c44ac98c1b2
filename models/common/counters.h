// Counters declared once, next to the model that counts them: each figure's summary.csv column
// name, its unit and a one-line meaning, with how to read it from the model. summary.csv,
// timeline.csv, `mmusim columns`, compare and sweep are all derived from these declarations, so a
// new figure is one line in its model's table (and the code that counts it).
#pragma once
#include <cstdint>
#include <vector>

namespace mmusim {

// a += b, saturating at 2^64 - 1 instead of wrapping to a small number: sums of counters over
// vCPUs, VMs and runs stay honest when a single count is already near the limit.
inline void add_saturating(std::uint64_t& a, std::uint64_t b) {
  if (__builtin_add_overflow(a, b, &a)) a = ~std::uint64_t{0};
}

enum class CounterKind {
  Count,  // events since the start of the run (timeline.csv shows the change over each interval)
  Level,  // a state at a moment: pages in use, list lengths (timeline.csv shows it at the interval's end)
};

struct CounterInfo {
  const char* name;     // the column name: stable, lower case, unit-bearing where it helps (`_cycles`)
  const char* unit;     // what one unit counts: "faults", "cycles", "pages"
  CounterKind kind;
  const char* meaning;  // one line, shown by `mmusim columns`
};

// One declared figure of a model of type M. Instances of one model (vCPUs, VMs) add up.
template <class M>
struct Counter {
  CounterInfo info;
  std::uint64_t (*get)(const M&);
};

template <class M>
using CounterTable = std::vector<Counter<M>>;

// Figures that both operating-system models count (the native OS, each guest OS): one
// declaration, used by both tables.
inline constexpr CounterInfo kProcessesCounter{"processes", "processes", CounterKind::Level,
                                               "address spaces (vm, pid) created"};
inline constexpr CounterInfo kPageTablePagesCounter{
    "page_table_pages", "pages", CounterKind::Level,
    "page-table pages of the processes (guest page tables in shadow mode)"};
// guest.thp = always (do_huge_pmd_anonymous_page, 2.6.38): first touches mapped with a 2 MiB page,
// and those that fell back to 4 KiB pages for want of 512 aligned free frames.
inline constexpr CounterInfo kHugePagesMappedCounter{
    "huge_pages_mapped", "pages", CounterKind::Count,
    "2 MiB pages the OS running the trace mapped at a first touch (guest.thp = always)"};
// guest.hugetlb_1g_gib (hugetlb_fault, 2.6.27): 1 GiB pages mapped at a first touch.
inline constexpr CounterInfo kHugetlb1gCounter{
    "hugetlb_1g_pages", "pages", CounterKind::Count,
    "1 GiB hugetlbfs pages the OS running the trace mapped at a first touch (guest.hugetlb_1g_gib)"};
inline constexpr CounterInfo kThpFallbackCounter{
    "thp_fault_fallback", "faults", CounterKind::Count,
    "first touches of an empty 2 MiB range mapped with a 4 KiB page for want of 512 aligned free frames"};

}  // namespace mmusim
