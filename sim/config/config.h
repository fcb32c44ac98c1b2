// The simulation's configuration: every key, its default, unit, range and help line is declared
// once, in config/keys.cc. Values come from the defaults, then an INI file (Boost.Program_options;
// `[tlb] l1d_entries = 64` is key tlb.l1d_entries), then `--set key=value` overrides, in that order.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "modes/sim_mode.h"

namespace mmusim {

struct SimConfig {
  struct {
    SimMode mode;
    std::string era;
    std::uint64_t quantum_cycles;
    bool check, check_abort;
    std::uint64_t check_every, timeline_interval_cycles, cpu_mhz;
    std::uint64_t trace_queue_records;
    std::uint64_t warmup_records, max_records;
  } sim;
  struct {
    std::uint64_t l1i_entries, l1i_ways, l1d_entries, l1d_ways, stlb_entries, stlb_ways;
    std::uint64_t l1i_2m_entries, l1i_2m_ways, l1d_2m_entries, l1d_2m_ways;
    std::uint64_t l1d_1g_entries, l1d_1g_ways, stlb_1g_entries, stlb_1g_ways;
    std::uint64_t l1_hit_cycles, stlb_hit_cycles;
  } tlb;
  struct {
    std::uint64_t ref_cycles, pwc_entries, dirty_assist_cycles;
  } walk;
  struct {
    std::uint64_t mem_mb, vms, vcpus;
    std::string thp;
    std::uint64_t hugetlb_1g_gib, hugetlb_1g_at;
    bool dirty_at_fault;
  } guest;
  struct {
    bool ad_bits;
    std::uint64_t pwc_entries, ntlb_entries, ntlb_ways;
  } ept;
  struct {
    std::uint64_t mem_mb, cpus;
    std::string thp;
  } host;
  struct {
    std::uint64_t host_minor_fault_cycles, vmexit_cycles, shadow_fault_cycles, guest_fault_cycles,
        pt_write_emulation_cycles, ipi_cycles, notifier_call_cycles, fast_fault_cycles, tdp_fault_cycles;
  } cost;
  struct {
    std::uint64_t max_mmu_pages;
    std::string aging;
    bool unsync, bypass_guest_pf, vpid;
    std::uint64_t spte_lru_drop_every;
    bool flush_on_young;
    std::string access_track;
    std::string gfn_to_pfn, rmap_remove_accessed;
    bool flush_request_bit;
    bool mmu_shrink;
  } kvm;
  struct {
    bool new_anon_active;
    std::uint64_t min_free_kb, scan_page_cycles, rmap_walk_cycles;
    bool timed_batches, progress_freed, zone_scan_accounting, congestion_wait;
    std::uint64_t congestion_timeout_ms;
    bool writeback_rotate;
    std::string lru;
    bool swap_token;
    bool unmap_checks_young, clear_young_flush;
    std::uint64_t watermark_scale_factor;
    bool mglru_notify_young;
    std::uint64_t walk_pte_cycles, mglru_min_ttl_ms;
    std::string thp_swap;
  } reclaim;
  struct {
    std::uint64_t mb, read_us, write_us, queue_depth;
    std::string page_cluster;
    bool vm_swap_full;
  } swap;
};

enum class KeyType { UInt, Bool, Choice };

struct KeySpec {
  std::string name;  // section.key
  KeyType type;
  std::string default_value;
  std::string unit;  // "cycles", "MiB", "entries", "" for none
  std::string help;
  std::uint64_t min = 0, max = 0;    // UInt: inclusive range
  std::vector<std::string> choices;  // Choice
  // Parses `value` (throws std::invalid_argument with the reason) and stores it.
  void (*store)(SimConfig&, const KeySpec&, const std::string& value);
};

// Every key, in declaration order (sections together).
const std::vector<KeySpec>& config_keys();
const KeySpec* find_key(const std::string& name);

// Where a key's value came from, for error messages and the saved config.
struct ValueOrigin {
  std::string file;  // config file path, "--set", or "" for the default
  std::uint64_t line = 0;
};

class Config {
 public:
  Config();  // all defaults

  // Reads an INI file and, first, the files it includes (`include = FILE` before its sections);
  // unknown keys, duplicated keys, bad syntax and bad values throw InputError naming the file, the
  // line and the key.
  void load_file(const std::string& path);
  // "key=value" from the command line; throws InputError naming --set and the key.
  void set(const std::string& assignment);
  // Checks that need several keys (TLB entries a multiple of ways, ...). Throws InputError.
  void validate() const;

  const SimConfig& values() const { return cfg_; }
  // Every key = its value as given, in declaration order (for the run's saved config).
  std::vector<std::pair<std::string, std::string>> effective() const;
  const ValueOrigin& origin(const std::string& key) const { return origin_.at(key); }
  // The era preset (the file that set sim.era) and, for a key whose value departs from the one
  // that preset gave it, that value; nullopt if the key keeps it or the preset did not set it.
  const std::string& era_file() const { return era_file_; }
  std::optional<std::string> era_value(const std::string& key) const;

 private:
  void load_file(const std::string& path, std::vector<std::string> chain);
  void validate_limits() const;
  void validate_hugetlb_1g(bool old_era) const;
  void assign(const KeySpec& k, const std::string& value, const ValueOrigin& from);

  SimConfig cfg_{};
  std::map<std::string, std::string> text_;
  std::map<std::string, ValueOrigin> origin_;
  std::string era_file_;
  std::map<std::string, std::string> era_text_;
};

}  // namespace mmusim
