#include "page_references.h"

#include <set>
#include <unordered_map>

namespace mmusim {

PageReferences page_references(const std::string& trace, TraceFormat format, const RecordLimits& limits, bool skip_bad) {
  auto reader = open_trace(trace, format);
  reader->set_skip_bad(skip_bad);  // names the first skipped records on stderr, once for all the runs
  reader->set_limits(limits);
  PageReferences r;
  using Key = std::pair<std::uint64_t, std::uint64_t>;  // (vm << 32 | pid, page or table prefix)
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return std::hash<std::uint64_t>{}(k.first * 0x9e3779b97f4a7c15ull ^ k.second); }
  };
  std::unordered_map<Key, std::uint32_t, KeyHash> id;  // ids in order of first touch
  std::set<Key> tables[4];  // roots, PDPTs, PDs, PTs
  std::vector<TraceRecord> buf(4096);
  Key prev{~std::uint64_t{0}, 0};  // the page of the previous reference and its id: often the same
  std::uint32_t prev_id = 0;
  while (std::size_t n = reader->read(buf.data(), buf.size())) {
    r.records += n;
    for (std::size_t i = 0; i < n; ++i) {
      const TraceRecord& t = buf[i];
      const std::uint64_t space = (std::uint64_t{t.vm} << 32) | t.pid;
      const std::uint64_t last = (t.gva + (t.size ? t.size : 1) - 1) >> 12;
      for (std::uint64_t vpn = t.gva >> 12; vpn <= last; ++vpn) {
        if (Key{space, vpn} == prev) {
          r.pages.push_back(prev_id);
          continue;
        }
        auto [it, fresh] = id.try_emplace(Key{space, vpn}, static_cast<std::uint32_t>(id.size()));
        r.pages.push_back(it->second);
        prev = it->first, prev_id = it->second;
        if (!fresh) continue;
        tables[0].insert(Key{space, 0});
        for (unsigned level = 1; level <= 3; ++level) tables[level].insert(Key{space, vpn >> (9 * (4 - level))});
      }
    }
  }
  for (const auto& t : tables) r.table_pages += t.size();
  return r;
}

}  // namespace mmusim
