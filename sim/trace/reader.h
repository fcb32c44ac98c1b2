// Streaming trace readers: memory does not grow with trace length.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trace/compression.h"
#include "trace/record.h"

namespace mmusim {

enum class TraceFormat { Auto, Csv, Lackey, Mtr, Champsim };

// Every format the readers accept, "auto" first: the one list that --format's parsing and its
// refusal, its help in every command (trace/format_options.h) and run's usage line name.
struct TraceFormatSpec {
  const char* name;  // as --format names it
  TraceFormat format;
  const char* help;  // what it reads
};
const std::vector<TraceFormatSpec>& trace_formats();
// Their names joined: trace_format_names("|") is "auto|csv|lackey|mtr|champsim";
// trace_format_names(", ", " or ") is "auto, csv, lackey, mtr or champsim".
std::string trace_format_names(const std::string& separator, const std::string& last_separator = "");

// A name of trace_formats() -> TraceFormat; throws InputError naming `option` otherwise.
TraceFormat parse_trace_format(const std::string& s, const std::string& option);
const char* trace_format_name(TraceFormat f);

// How to read a trace: its format (Auto: told by the file), and the vm and pid that ChampSim's
// records run in, as they carry neither (--champsim-vm, --champsim-pid; 0 and 0). The records of
// other formats carry their own.
struct TraceOptions {
  TraceFormat format = TraceFormat::Auto;
  std::uint16_t champsim_vm = 0;
  std::uint32_t champsim_pid = 0;
  bool as_host = false;  // lackey and ChampSim traces: a process of the host (vm kHostVm), not of VM 0
  TraceOptions(TraceFormat f = TraceFormat::Auto) : format(f) {}  // a format alone: the ids 0
};

// What a record must satisfy to be replayed on the configured machine; readers check every record
// against it and name the file, line and column of the first that does not. The defaults check
// nothing (a reader alone parses any well-formed record); the simulator sets machine_limits().
struct RecordLimits {
  std::uint32_t vms = ~0u, vcpus = ~0u;           // record vm < vms, vcpu < vcpus
  std::uint32_t host_cpus = ~0u;                  // a host record (vm kHostVm): vcpu < host_cpus; 0: none allowed
  bool host_cpus_possible = true;                 // host_cpus could be set (the mode has a host): for the message
  std::uint64_t max_gap = ~std::uint64_t{0};      // cycles of work before one access
  bool canonical = false;                         // [gva, gva + size) in the canonical 48-bit space
};

// The limits of a machine of `vms` VMs with `vcpus` vCPUs each: gaps up to 2^32 cycles (a second
// and more of work between two accesses; larger ones would overflow simulated time).
// `host_cpus`: the host CPUs host processes run on; `has_host`: whether the mode has a host beside
// the VMs at all (native mode has none: host_cpus is then 0).
inline RecordLimits machine_limits(std::uint32_t vms, std::uint32_t vcpus, std::uint32_t host_cpus = 0, bool has_host = false) {
  return RecordLimits{vms, vcpus, has_host ? host_cpus : 0, has_host, std::uint64_t{1} << 32, true};
}

// Whether `r` can be replayed: its vm and vcpu exist, its gap is within the limit, and with
// `canonical` its address range [gva, gva + size) lies in the canonical 48-bit space, in one half,
// without wrapping around. Inline: readers check every record, and nearly every record fits.
inline bool record_fits(const TraceRecord& r, const RecordLimits& limits) {
  const std::uint64_t last = r.gva + (r.size ? r.size : 1) - 1;
  // Bits 63:47 all equal: adding 2^47 carries them out to zeros. A range that starts in the low
  // half cannot reach the high one (sizes are below 2^32), and one that starts in the high half
  // leaves it only by wrapping around, to a last byte below the first.
  const auto canonical = [](std::uint64_t a) { return ((a + (std::uint64_t{1} << 47)) >> 48) == 0; };
  const bool in_space = !limits.canonical || (canonical(r.gva) && canonical(last) && last >= r.gva);
  const bool cpu = r.vm == kHostVm ? r.vcpu < limits.host_cpus : r.vm < limits.vms && r.vcpu < limits.vcpus;
  return cpu && r.gap <= limits.max_gap && in_space;
}

// The key and reason why `r` cannot be replayed, or nullptr: a vm or vcpu the machine lacks, a gap
// above the limit, or an address range that leaves the canonical 48-bit space.
const char* record_problem_found(const TraceRecord& r, const RecordLimits& limits, std::string& why);
inline const char* record_problem(const TraceRecord& r, const RecordLimits& limits, std::string& why) {
  return record_fits(r, limits) ? nullptr : record_problem_found(r, limits, why);
}

class InputError;

class TraceReader {
 public:
  virtual ~TraceReader() = default;
  void set_limits(const RecordLimits& limits) { limits_ = limits; }
  // --skip-bad-lines: a malformed record (a line that does not parse, a record the machine cannot
  // replay, a truncated last record) is skipped and counted instead of ending the read, and the
  // first kNamedSkips are named on stderr unless `quiet`. What is not one record's fault (a
  // missing file, a bad header, a CSV line longer than 16 MiB) still throws. Call before reading.
  void set_skip_bad(bool on, bool quiet = false) { skip_bad_ = on, skip_quiet_ = quiet; }
  // Records skipped so far; may be read from another thread than the one reading.
  virtual std::uint64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }
  static constexpr std::uint64_t kNamedSkips = 5;
  // Fills out[0..n) with the next records in file order and returns how many; 0 means the end.
  // A malformed line throws InputError naming the file, the line and the column.
  virtual std::size_t read(TraceRecord* out, std::size_t n) = 0;
  // The next records in file order into `out` (resized to them), at most `n` unless the reader
  // hands over a whole buffer of its own; false at the end. Readers that hold records in memory
  // may swap buffers with `out` instead of copying.
  virtual bool read_batch(std::vector<TraceRecord>& out, std::size_t n) {
    out.resize(n);  // a no-op when `out` comes back with the size it had
    out.resize(read(out.data(), n));
    return !out.empty();
  }
  // For progress: bytes consumed so far and the file's size (0 if unknown).
  virtual std::uint64_t bytes_done() const = 0;
  virtual std::uint64_t bytes_total() const = 0;
  virtual TraceFormat format() const = 0;
  // How the file is compressed (its magic bytes tell); the readers see it decompressed.
  virtual Compression compression() const { return Compression::None; }

 protected:
  // A malformed record (or `records` of them, e.g. the missing end of a truncated binary file):
  // with set_skip_bad counts and maybe names them, otherwise throws `e`.
  void bad_record(const InputError& e, std::uint64_t records = 1);

  RecordLimits limits_;
  bool skip_bad_ = false, skip_quiet_ = false;
  std::atomic<std::uint64_t> skipped_{0};
};

// Opens `path`, decompressing a gzip, xz or zstd file (told by its magic bytes) as it reads; with
// TraceFormat::Auto the format is detected from the start of the (decompressed) file (the magic
// "MMUSIMTR" is .mtr; a header row naming columns `op` and `gva` is CSV; `==`, `I `, ` L`,
// ` S`, ` M` lines are lackey), or from a name ending in .champsimtrace (then .gz, .xz or .zst
// may follow): ChampSim's format has no magic.
// A missing, unreadable or empty file, or one of no known format, throws InputError.
std::unique_ptr<TraceReader> open_trace(const std::string& path, const TraceOptions& options);

}  // namespace mmusim
