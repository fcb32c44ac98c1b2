#include "commands/machine_bounds.h"

#include <iomanip>
#include <sstream>

#include "commands/page_references.h"

namespace mmusim {

MachineBounds machine_bounds(const std::string& trace, const TraceOptions& how, const SimConfig& c, bool skip_bad) {
  const RecordLimits limits = machine_limits(static_cast<std::uint32_t>(c.guest.vms), static_cast<std::uint32_t>(c.guest.vcpus),
                                             static_cast<std::uint32_t>(c.host.cpus), mode_spec(c.sim.mode).has_host);
  PageReferences refs = page_references(trace, how, limits, skip_bad);
  MachineBounds m;
  m.records = refs.records;
  m.references = refs.references;
  const std::uint64_t frames = c.host.mem_mb * 256;
  m.capacity = frames > refs.table_pages ? frames - refs.table_pages : 1;
  m.lru = lru_bound(refs.pages, refs.page_count, m.capacity);
  m.opt = opt_bound(std::move(refs.pages), refs.page_count, m.capacity);
  return m;
}

const std::vector<std::string>& bound_keys() {
  static const std::vector<std::string> keys = {"host.mem_mb", "guest.vms", "guest.vcpus"};
  return keys;
}

std::string ratio(std::uint64_t a, std::uint64_t b) {
  if (b == 0) return a == 0 ? "1.000" : "inf";
  std::ostringstream s;
  s << std::fixed << std::setprecision(3) << static_cast<double>(a) / static_cast<double>(b);
  return s.str();
}

std::vector<std::pair<std::string, std::string>> bound_row(const std::string& name, const BoundResult& b,
                                                           const MachineBounds& m, const std::string& trace,
                                                           const std::string& mode) {
  return {{"mode", mode},
          {"policy", name},
          {"trace", trace},
          {"accesses", std::to_string(m.records)},
          {"translations", std::to_string(m.references)},
          {"swap_ins", std::to_string(b.swap_ins)},
          {"swap_reads", std::to_string(b.swap_ins)},
          {"swap_outs", std::to_string(b.evictions)}};
}

}  // namespace mmusim
