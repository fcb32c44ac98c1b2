#include "config/config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <algorithm>

#include "util/input_error.h"
#include "util/printable.h"


namespace mmusim {

namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// The assignments of an INI file, each with its line, its syntax checked line by line so that
// every error names its line. Comments start at '#'; a UTF-8 byte order mark at the start is
// passed over (as in a trace); a section name may have blanks inside its brackets ("[ tlb ]").
// `include = FILE` lines, before any section or key, come back as the key "include".
struct IniValue {
  std::string key, value;
  std::uint64_t line;
};

std::vector<IniValue> scan_ini(const std::string& path, std::istream& in) {
  std::vector<IniValue> values;
  std::map<std::string, std::uint64_t> line_of;
  std::string section, raw;
  for (std::uint64_t n = 1; std::getline(in, raw); ++n) {
    if (n == 1 && raw.compare(0, 3, "\xEF\xBB\xBF") == 0) raw.erase(0, 3);
    const std::string s = trim(raw.substr(0, raw.find('#')));
    if (s.empty()) continue;
    if (s.front() == '[') {
      if (s.back() != ']' || trim(s.substr(1, s.size() - 2)).empty())
        throw InputError(path, n, "", "bad section header '" + printable(s, 60) + "'");
      section = trim(s.substr(1, s.size() - 2));
      continue;
    }
    const auto eq = s.find('=');
    if (eq == std::string::npos || trim(s.substr(0, eq)).empty())
      throw InputError(path, n, "", "expected 'key = value' or '[section]', got '" + printable(s, 60) + "'");
    const std::string key = (section.empty() ? "" : section + ".") + trim(s.substr(0, eq));
    if (key == "include") {
      if (!values.empty() && values.back().key != "include")
        throw InputError(path, n, key, "an include must come before every section and key of the file");
      values.push_back({key, trim(s.substr(eq + 1)), n});
      continue;
    }
    if (!find_key(key)) throw InputError(path, n, printable(key, 60), "unknown key (`mmusim config --list` shows every key)");
    if (auto [it, fresh] = line_of.emplace(key, n); !fresh)
      throw InputError(path, n, key, "set twice (first on line " + std::to_string(it->second) + ")");
    values.push_back({key, trim(s.substr(eq + 1)), n});
  }
  return values;
}

}  // namespace

Config::Config() {
  for (const KeySpec& k : config_keys()) assign(k, k.default_value, ValueOrigin{});
}

void Config::assign(const KeySpec& k, const std::string& value, const ValueOrigin& from) {
  if (printable(value, value.size()) != value)  // binary garbage or control characters
    throw InputError(from.file, from.line, k.name, "'" + printable(value, 60) + "' is not a value (it holds bytes that are not printable text)");
  try {
    k.store(cfg_, k, value);
  } catch (const std::invalid_argument& e) {
    throw InputError(from.file, from.line, k.name, e.what());
  }
  text_[k.name] = value;
  origin_[k.name] = from;
}

void Config::load_file(const std::string& path) { load_file(path, {}); }

// The file's includes first (each path relative to the including file's folder), then its own
// keys, which override what the includes set. The file that sets sim.era is the era preset:
// its values are kept to tell which keys depart from it.
void Config::load_file(const std::string& path, std::vector<std::string> chain) {
  namespace fs = std::filesystem;
  // A name that cannot be resolved (a pipe's /dev/fd/N, a deleted file) stands for itself; every
  // file system call here takes an error_code: nothing from std::filesystem escapes as a crash.
  std::error_code ec;
  std::string canonical = fs::weakly_canonical(fs::path(path), ec).string();
  if (ec) canonical = path;
  if (std::find(chain.begin(), chain.end(), canonical) != chain.end())
    throw InputError(path, 0, "include", "includes itself (through " + std::to_string(chain.size()) + " file(s))");
  if (chain.size() >= 8) throw InputError(path, 0, "include", "includes nested more than 8 deep");
  chain.push_back(canonical);
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "", std::string("cannot open config file: ") + std::strerror(errno));
  bool sets_era = false;
  for (const IniValue& v : scan_ini(path, in)) {
    if (v.key == "include") {
      const fs::path inc = fs::path(v.value).is_absolute() ? fs::path(v.value) : fs::path(path).parent_path() / v.value;
      if (std::error_code e; !fs::is_regular_file(inc, e))
        throw InputError(path, v.line, "include", "'" + printable(v.value, 200) + "' is no file (" + inc.lexically_normal().string() + ")");
      load_file(inc.lexically_normal().string(), chain);
      continue;
    }
    assign(*find_key(v.key), v.value, ValueOrigin{path, v.line});
    sets_era |= v.key == "sim.era";
  }
  if (sets_era) {
    era_file_ = path;
    era_text_.clear();
    for (const auto& [k, o] : origin_)
      if (o.file == path) era_text_[k] = text_.at(k);
  }
}

std::optional<std::string> Config::era_value(const std::string& key) const {
  const auto it = era_text_.find(key);
  if (it == era_text_.end() || it->second == text_.at(key)) return std::nullopt;
  return it->second;
}

void Config::set(const std::string& assignment) {
  const auto eq = assignment.find('=');
  const std::string key = trim(assignment.substr(0, eq));
  if (eq == std::string::npos || key.empty())
    throw InputError("--set", 0, "", "expected key=value, got '" + printable(assignment, 60) + "'");
  const KeySpec* k = find_key(key);
  if (!k) throw InputError("--set", 0, printable(key, 60), "unknown key (`mmusim config --list` shows every key)");
  assign(*k, trim(assignment.substr(eq + 1)), ValueOrigin{"--set", 0});
}

void Config::validate() const {
  validate_limits();
  const auto& t = cfg_.tlb;
  const struct {
    const char *section, *name;
    std::uint64_t entries, ways;
  } tlbs[] = {{"tlb", "l1i", t.l1i_entries, t.l1i_ways},
              {"tlb", "l1d", t.l1d_entries, t.l1d_ways},
              {"tlb", "l1i_2m", t.l1i_2m_entries, t.l1i_2m_ways},
              {"tlb", "l1d_2m", t.l1d_2m_entries, t.l1d_2m_ways},
              {"tlb", "l1d_1g", t.l1d_1g_entries, t.l1d_1g_ways},
              {"tlb", "stlb_1g", t.stlb_1g_entries, t.stlb_1g_ways},
              {"tlb", "stlb", t.stlb_entries, t.stlb_ways},
              {"ept", "ntlb", cfg_.ept.ntlb_entries, cfg_.ept.ntlb_ways}};  // 0 entries: no nested TLB
  for (const auto& x : tlbs) {
    const std::string entries_key = std::string(x.section) + "." + x.name + "_entries";
    const std::string ways_key = std::string(x.section) + "." + x.name + "_ways";
    if (x.entries % x.ways == 0) continue;
    // Blame the key the user set: entries unless only the ways came from a file or --set.
    const bool blame_ways = origin(entries_key).file.empty() && !origin(ways_key).file.empty();
    const std::string& key = blame_ways ? ways_key : entries_key;
    const ValueOrigin& o = origin(key);
    throw InputError(o.file, o.line, key,
                     std::to_string(x.entries) + " entries is not a multiple of " + std::to_string(x.ways) +
                         " ways (" + entries_key + " must be a multiple of " + ways_key + ")");
  }
}

// guest.hugetlb_1g_*: 1 GiB hugetlbfs pages came with Linux 2.6.27 (natively) and reached KVM's
// guests with 2.6.32 (shadow paging: 7e4e4056f72; the GBPAGES CPUID bit); the range must lie in
// the 47-bit address space, and the memory must hold a 1 GiB page beside the page tables.
void Config::validate_hugetlb_1g(bool old_era) const {
  const auto& g = cfg_.guest;
  if (g.hugetlb_1g_gib == 0) {
    if (g.hugetlb_1g_at != 0) {
      const ValueOrigin& o = origin("guest.hugetlb_1g_at");
      throw InputError(o.file, o.line, "guest.hugetlb_1g_at", "applies only with guest.hugetlb_1g_gib above 0, and it is 0");
    }
    return;
  }
  const ValueOrigin& o = origin("guest.hugetlb_1g_gib");
  const std::string& era = cfg_.sim.era;
  const bool native = cfg_.sim.mode == SimMode::Native;
  if (era == "kvm-2008-01" || (old_era && !native))
    throw InputError(o.file, o.line, "guest.hugetlb_1g_gib",
                     "sim.era = " + era + (native ? ": that kernel had no 1 GiB hugetlbfs pages (they came with Linux 2.6.27)"
                                                  : ": that KVM gave its guests no 1 GiB pages (it did from Linux 2.6.32)"));
  if (g.hugetlb_1g_at + g.hugetlb_1g_gib > 131072)
    throw InputError(o.file, o.line, "guest.hugetlb_1g_gib",
                     "the range from guest.hugetlb_1g_at = " + std::to_string(g.hugetlb_1g_at) + " GiB for " +
                         std::to_string(g.hugetlb_1g_gib) + " GiB ends past the 128 TiB (131,072 GiB) of the 48-bit address space");
  const char* mem_key = native ? "host.mem_mb" : "guest.mem_mb";
  const std::uint64_t mem_mb = native ? cfg_.host.mem_mb : g.mem_mb;
  if (mem_mb < 2048)
    throw InputError(o.file, o.line, "guest.hugetlb_1g_gib",
                     std::string(mem_key) + " = " + std::to_string(mem_mb) +
                         " MiB cannot hold a 1 GiB page beside the page tables: an aligned 1 GiB block needs 2048 MiB or more");
}

void Config::validate_limits() const {
  // Watermarks above memory: kswapd could never balance.
  const std::uint64_t host_kb = cfg_.host.mem_mb * 1024;
  if (cfg_.reclaim.min_free_kb && cfg_.reclaim.min_free_kb * 3 / 2 >= host_kb) {
    const ValueOrigin& o = origin("reclaim.min_free_kb");
    throw InputError(o.file, o.line, "reclaim.min_free_kb",
                     std::to_string(cfg_.reclaim.min_free_kb) + " KiB puts the high watermark (min * 3/2) at or above host.mem_mb = " +
                         std::to_string(cfg_.host.mem_mb) + " MiB");
  }
  mode_spec(cfg_.sim.mode).validate(*this);  // what only this mode needs (shadow: overcommit)
  // What the era's KVM could not do: EPT came with 2.6.26, KVM's use of EPT A/D bits long after
  // 2.6.34.
  const std::string& era = cfg_.sim.era;
  const bool old_era = era == "kvm-2008-01" || era == "linux-2.6.28";
  if (era == "kvm-2008-01" && cfg_.sim.mode == SimMode::Nested) {
    const ValueOrigin& o = origin("sim.mode");
    throw InputError(o.file, o.line, "sim.mode", "sim.era = kvm-2008-01 had no nested paging (KVM's EPT support came with Linux 2.6.26)");
  }
  if (old_era && cfg_.ept.ad_bits) {
    const ValueOrigin& o = origin("ept.ad_bits");
    throw InputError(o.file, o.line, "ept.ad_bits", "sim.era = " + era + ": that KVM used no EPT accessed and dirty bits (they came with Haswell, 2013, and a later KVM)");
  }
  // Transparent huge pages came with Linux 2.6.38: the 2.6.24 and 2.6.28 era presets had none.
  if (cfg_.guest.thp == "always") {
    const ValueOrigin& o = origin("guest.thp");
    if (old_era)
      throw InputError(o.file, o.line, "guest.thp", "sim.era = " + era + ": that kernel had no transparent huge pages (THP came with Linux 2.6.38)");
    if (cfg_.sim.mode != SimMode::Native && cfg_.guest.mem_mb % 2 != 0)
      throw InputError(o.file, o.line, "guest.thp", "guest.mem_mb = " + std::to_string(cfg_.guest.mem_mb) + " is not a multiple of 2 MiB, the huge page size");
  }
  validate_hugetlb_1g(old_era);
  // MGLRU came with 6.1, its secondary-MMU fix with 6.12; its keys mean nothing to the other LRUs.
  if (cfg_.reclaim.lru == "mglru" && old_era) {
    const ValueOrigin& o = origin("reclaim.lru");
    throw InputError(o.file, o.line, "reclaim.lru", "sim.era = " + era + ": that kernel had no multi-generational LRU (it came with Linux 6.1)");
  }
  if (cfg_.reclaim.mglru_notify_young && era == "linux-6.6") {
    const ValueOrigin& o = origin("reclaim.mglru_notify_young");
    throw InputError(o.file, o.line, "reclaim.mglru_notify_young",
                     "sim.era = linux-6.6: MGLRU's walks asked no secondary MMU before Linux 6.12 (1d4832becdc2); use linux-6.12.cfg");
  }
  if (cfg_.reclaim.lru != "mglru") {
    for (const char* key : {"reclaim.mglru_notify_young", "reclaim.mglru_min_ttl_ms", "reclaim.walk_pte_cycles"}) {
      const ValueOrigin& o = origin(key);
      if (text_.at(key) != find_key(key)->default_value)
        throw InputError(o.file, o.line, key, std::string("applies to reclaim.lru = mglru only, and reclaim.lru is ") + cfg_.reclaim.lru);
    }
  }
  if (cfg_.host.thp == "always" && cfg_.sim.mode != SimMode::Native) {
    const ValueOrigin& o = origin("host.thp");
    if (old_era)
      throw InputError(o.file, o.line, "host.thp", "sim.era = " + era + ": that kernel had no transparent huge pages (THP came with Linux 2.6.38)");
    // A huge page is an aligned block of 512 free frames, and the host's first page table takes
    // frame 0: the first 2 MiB block is never free, so the first huge page is frames 512..1023.
    if (cfg_.host.mem_mb < 4)
      throw InputError(o.file, o.line, "host.thp", "host.mem_mb = " + std::to_string(cfg_.host.mem_mb) +
                                                       " MiB cannot hold one 2 MiB huge page (the first 2 MiB holds the host's page tables: at least 4 MiB)");
  }
  // THP swap (swapping a huge page whole) came with Linux 4.13 and 4.14; it means nothing without
  // host huge pages.
  if (cfg_.reclaim.thp_swap == "whole") {
    const ValueOrigin& o = origin("reclaim.thp_swap");
    if (old_era)
      throw InputError(o.file, o.line, "reclaim.thp_swap",
                       "sim.era = " + era + ": that kernel split every huge page before swap-out (THP swap came with Linux 4.13 and 4.14)");
    if (cfg_.host.thp != "always")
      throw InputError(o.file, o.line, "reclaim.thp_swap", "whole applies to host.thp = always only, and host.thp is " + cfg_.host.thp);
  }
  if (cfg_.kvm.max_mmu_pages != 0 && cfg_.kvm.max_mmu_pages < 64) {  // KVM_MIN_ALLOC_MMU_PAGES
    const ValueOrigin& o = origin("kvm.max_mmu_pages");
    throw InputError(o.file, o.line, "kvm.max_mmu_pages",
                     std::to_string(cfg_.kvm.max_mmu_pages) + " is below KVM's minimum of 64 shadow pages (0 = automatic)");
  }
}

std::vector<std::pair<std::string, std::string>> Config::effective() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const KeySpec& k : config_keys()) out.emplace_back(k.name, text_.at(k.name));
  return out;
}

}  // namespace mmusim
