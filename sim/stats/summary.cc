#include "stats/summary.h"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "os/safe_file.h"

namespace mmusim {

namespace {

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

RunSummary counted_since(const RunSummary& end, const RunSummary& warm) {
  RunSummary s = end;
  for (const ColumnSpec& c : summary_columns())
    if (c.type == ColumnType::Counter && c.kind == CounterKind::Count) s.values[c.slot] -= warm.values[c.slot];
  return s;
}

void write_summary_csv(const std::string& path, const std::vector<RunSummary>& runs) {
  {
    AtomicFile file(path, "--out");
    std::ostream& out = file.out();
    const auto& cols = summary_columns();
    for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i].name;
    out << '\n';
    for (const RunSummary& r : runs) {
      for (std::size_t i = 0; i < cols.size(); ++i) out << (i ? "," : "") << cols[i].value(r);
      out << '\n';
    }
    file.commit();
  }
}

void print_summary_table(std::ostream& out, const RunSummary& s) {
  auto pct = [](std::uint64_t part, std::uint64_t whole) {
    return whole ? " (" + fixed(100.0 * part / whole, 2) + "%)" : std::string();
  };
  auto row = [&](const std::string& name, const std::string& value) {
    out << "  " << std::left << std::setw(22) << name << value << '\n';
  };
  const SimModeSpec& mode = mode_spec(s.mode);
  out << "mmusim " << mode.name << " run of " << s.trace << '\n';
  row("accesses", std::to_string(s["accesses"]) + " (" + std::to_string(s["translations"]) + " translations)");
  row("cycles", std::to_string(s["cycles"]) + " (" + fixed(s.sim_seconds * 1e3, 3) + " ms simulated)");
  row("L1 iTLB misses", std::to_string(s["l1i_misses"]) + " of " + std::to_string(s["l1i_lookups"]) + pct(s["l1i_misses"], s["l1i_lookups"]));
  row("L1 dTLB misses", std::to_string(s["l1d_misses"]) + " of " + std::to_string(s["l1d_lookups"]) + pct(s["l1d_misses"], s["l1d_lookups"]));
  row("STLB misses", std::to_string(s["stlb_misses"]) + " of " + std::to_string(s["stlb_lookups"]) + pct(s["stlb_misses"], s["stlb_lookups"]));
  row("walks", std::to_string(s["walks"]) + " (" + std::to_string(s["walk_refs"]) + " references)");
  mode.summary_rows(s, row);
  row("dirty assists", std::to_string(s["dirty_assists"]));
  row("frames used", std::to_string(s["frames_used"]) + " host (" + std::to_string(s["page_table_pages"]) +
                         " page-table pages" + mode.frames_detail(s) + ")");
  std::string causes;
  for (const auto& [name, v] : {std::pair<const char*, std::uint64_t>{"tlb", s["tlb_cycles"]}, {"walk", s["walk_cycles"]},
                                {"assist", s["dirty_assist_cycles"]}, {"vmexit", s["vmexit_cycles"]},
                                {"guest fault", s["guest_fault_cycles"]}, {"shadow fault", s["shadow_fault_cycles"]},
                                {"pt write", s["pt_write_cycles"]}, {"host fault", s["host_fault_cycles"]},
                                {"ipi", s["ipi_cycles"]}, {"major fault", s["major_fault_cycles"]},
                                {"direct reclaim", s["direct_reclaim_cycles"]}, {"gap", s["gap_cycles"]}})
    if (v) causes += (causes.empty() ? "" : ", ") + std::string(name) + " " + std::to_string(v);
  row("cycles by cause", causes);
  if (s["invariant_violations"]) row("INVARIANT VIOLATIONS", std::to_string(s["invariant_violations"]));
  row("speed", fixed(s.accesses_per_second / 1e6, 2) + " M accesses/s (" + fixed(s.wall_seconds, 2) + " s)");
}

}  // namespace mmusim
