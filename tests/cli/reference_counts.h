// A second, independent method for end-to-end golden values: parse a trace with a few lines of
// plain code and count what the simulator must report when its TLBs never evict (a huge TLB
// configuration): every page faults once, every walk reads the levels that exist, every write
// to a clean cached entry is one assist. Shares no code with the simulator.
#pragma once
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace mmusim::test {

struct RefAccess {
  std::uint64_t space;  // vm << 32 | pid
  char op;              // R W X M
  std::uint64_t gva;
  std::uint64_t size;
};

// lackey: "I  addr,size", " L addr,size", " S ...", " M ..."; anything else is skipped.
// CSV: a header naming at least op and gva; optional vm, pid, size.
inline std::vector<RefAccess> load_trace(const std::string& path) {
  std::vector<RefAccess> v;
  std::ifstream in(path);
  std::string line;
  const bool csv = path.size() > 4 && path.substr(path.size() - 4) == ".csv";
  if (csv) {
    std::getline(in, line);
    std::map<std::string, int> col;
    int i = 0;
    for (std::size_t p = 0, q; p <= line.size(); p = q + 1) {
      q = line.find(',', p);
      if (q == std::string::npos) q = line.size();
      col[line.substr(p, q - p)] = i++;
    }
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      std::vector<std::string> f;
      for (std::size_t p = 0, q; p <= line.size(); p = q + 1) {
        q = line.find(',', p);
        if (q == std::string::npos) q = line.size();
        f.push_back(line.substr(p, q - p));
      }
      auto get = [&](const char* k, std::uint64_t def, int base) {
        return col.count(k) ? std::stoull(f[col[k]], nullptr, base) : def;
      };
      v.push_back({get("vm", 0, 10) << 32 | get("pid", 0, 10), static_cast<char>(std::toupper(f[col["op"]][0])),
                   get("gva", 0, 16), get("size", 1, 10)});
    }
  } else {
    while (std::getline(in, line)) {
      char kind = 0;
      unsigned long long addr = 0, size = 0;
      if (line.rfind("I  ", 0) == 0) {
        kind = 'X';
      } else if (line.size() > 2 && line[0] == ' ' && line[2] == ' ' && (line[1] == 'L' || line[1] == 'S' || line[1] == 'M')) {
        kind = line[1] == 'L' ? 'R' : line[1] == 'S' ? 'W' : 'M';
      } else {
        continue;
      }
      if (std::sscanf(line.c_str() + 3, "%llx,%llu", &addr, &size) != 2) continue;
      v.push_back({0, kind, addr, size});
    }
  }
  return v;
}

struct RefCounts {
  std::uint64_t accesses = 0, translations = 0, l1i_lookups = 0, l1i_misses = 0, l1d_lookups = 0, l1d_misses = 0,
                stlb_lookups = 0, stlb_misses = 0, walks = 0, walk_refs = 0, faults = 0, assists = 0,
                table_pages = 0, pages = 0;
  std::uint64_t max_pages_per_set = 0;  // for the caller's precondition: no set overflows
};

// TLBs without evictions: an entry, once filled, stays; `sets` only checks that precondition.
inline RefCounts count_without_evictions(const std::vector<RefAccess>& trace, std::uint64_t sets) {
  struct Cached {
    bool in = false, dirty = false;
  };
  struct Page {
    bool present = false, dirty = false;
    Cached l1i, l1d, stlb;
  };
  std::map<std::pair<std::uint64_t, std::uint64_t>, Page> pages;
  std::set<std::pair<std::uint64_t, std::uint64_t>> l4, l3, l2;  // existing PML4E, PDPTE, PDE
  std::set<std::uint64_t> spaces;
  std::map<std::uint64_t, std::uint64_t> per_set;
  RefCounts c;
  for (const RefAccess& a : trace) {
    ++c.accesses;
    spaces.insert(a.space);
    const bool write = a.op == 'W' || a.op == 'M', fetch = a.op == 'X';
    const std::uint64_t last = (a.gva + (a.size ? a.size : 1) - 1) >> 12;
    for (std::uint64_t vpn = a.gva >> 12; vpn <= last; ++vpn) {
      ++c.translations;
      Page& p = pages[{a.space, vpn}];
      Cached& l1 = fetch ? p.l1i : p.l1d;
      std::uint64_t& lookups = fetch ? c.l1i_lookups : c.l1d_lookups;
      std::uint64_t& misses = fetch ? c.l1i_misses : c.l1d_misses;
      if (!p.present) {  // first touch: a faulting walk, the fault, then a full walk
        ++per_set[vpn % sets];
        lookups += 2, misses += 2, c.stlb_lookups += 2, c.stlb_misses += 2, c.walks += 2;
        const bool has4 = l4.count({a.space, vpn >> 27}), has3 = l3.count({a.space, vpn >> 18}),
                   has2 = l2.count({a.space, vpn >> 9});
        c.walk_refs += (!has4 ? 1 : !has3 ? 2 : !has2 ? 3 : 4) + 4;
        l4.insert({a.space, vpn >> 27}), l3.insert({a.space, vpn >> 18}), l2.insert({a.space, vpn >> 9});
        ++c.faults;
        p.present = true;
        p.dirty = write;
        l1 = p.stlb = Cached{true, write};
        continue;
      }
      ++lookups;
      if (l1.in) {
        if (write && !l1.dirty) ++c.assists, l1.dirty = p.dirty = true;
        continue;
      }
      ++misses, ++c.stlb_lookups;  // present pages are always in the STLB here
      if (write && !p.stlb.dirty) ++c.assists, p.stlb.dirty = p.dirty = true;
      l1 = p.stlb;
    }
  }
  for (const auto& [set, n] : per_set) c.max_pages_per_set = std::max(c.max_pages_per_set, n);
  c.pages = pages.size();
  c.table_pages = spaces.size() + l4.size() + l3.size() + l2.size();
  return c;
}

}  // namespace mmusim::test
