// Synthetic trace generator: `mmusim gen`. Writes a CSV trace (header vm,vcpu,pid,op,gva,size,gap)
// that the CSV reader reads back. Output depends only on the GenSpec: its own PRNG
// (xoshiro256** seeded by splitmix64), no std:: distributions, so the bytes are the same with
// any compiler or library version.
//
// Every access is 8 bytes and 8-byte aligned relative to `base`. Address streams:
// each (vm, pid) has its own stream over its own footprint [base, base + footprint_pages * 4096)
// (the same virtual range in every process: they are separate address spaces).
//   seq      stream offset 8*c mod footprint, c = the stream's access count (wraps)
//   uniform  page uniform in the footprint, offset uniform among the 512 8-byte slots
//   hotcold  hot set = the first hot_pages pages; with probability hot_fraction a uniform hot page,
//            else the next page of a cold stream walking pages hot_pages..footprint_pages-1 in
//            order and wrapping; offset uniform among the 8-byte slots of the page
//   stride   stream offset (c * stride_bytes) mod footprint
//   tlbhit   cycles over hot_pages pages (default 32, fits a 64-entry TLB): page c mod hot_pages,
//            offset 64 * ((c / hot_pages) mod 64)
// Record i runs on context k = i mod (vms*vcpus): vm = k / vcpus, vcpu = k mod vcpus; it is
// that vCPU's r-th access, r = i / (vms*vcpus). The vCPU runs pid (vcpu + r / slice) mod pids:
// every vCPU switches process every `slice` of its accesses (default: ceil(per-vCPU accesses /
// pids), so each vCPU runs each process once, and vCPUs start on different processes).
// op: W with probability write_fraction, else R; drawn from a second PRNG so that the addresses
// do not depend on write_fraction.
// host_procs = H > 0 adds H processes of the host itself, each its own stream of the same pattern
// over the same footprint: after the VMs' contexts of a round come H host contexts, host process
// h (pid h) on host CPU h (vm column `host`, vcpu h).
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace mmusim {

enum class GenPattern { Seq, Uniform, HotCold, Stride, TlbHit, Shift };

// "seq", "uniform", "hotcold", "stride", "tlbhit", "shift"; throws InputError naming `option` otherwise.
GenPattern parse_gen_pattern(const std::string& s, const std::string& option);
const char* gen_pattern_name(GenPattern p);

struct GenSpec {
  GenPattern pattern = GenPattern::Uniform;
  std::uint64_t accesses = 0;
  std::uint64_t seed = 1;
  std::uint64_t footprint_pages = 4096;   // per (vm, pid) stream, 4 KiB pages
  std::uint64_t hot_pages = 32;           // hotcold: hot set; tlbhit: pages cycled over
  double hot_fraction = 0.9;              // hotcold: probability of a hot access
  std::uint64_t stride_bytes = 4096;      // stride
  double write_fraction = 0.25;           // probability of W (else R)
  std::uint32_t pids = 1;                 // processes per VM
  std::uint16_t vcpus = 1;                // vCPUs per VM
  std::uint16_t vms = 1;
  std::uint16_t host_procs = 0;           // processes of the host beside the VMs (vm host)
  std::uint64_t slice = 0;                // accesses of a vCPU between process switches; 0 = default
  std::uint64_t gap = 0;                  // gap column of every record (cycles)
  std::uint64_t base = 0x10000000;        // first address of every stream's footprint
};

// Throws InputError naming the command-line option of the first bad field.
void validate_gen_spec(const GenSpec& spec);

// Validates `spec`, then writes the header and spec.accesses records. A write error throws
// InputError("", 0, "", "cannot write the trace").
void write_synthetic_trace(const GenSpec& spec, std::ostream& out);

// The options of `mmusim gen` (the words after "gen"): the spec, validated, and --out. Throws
// InputError naming the first bad option; with --help nothing else is read (help is true).
struct GenOptions {
  GenSpec spec;
  std::string out = "-";
  bool seed_given = false, out_given = false;
  bool help = false;
};
GenOptions parse_gen_options(const std::vector<std::string>& args);

// `mmusim gen ...`: argv[0] is "gen". Returns 0 (also for --help, which prints the usage to
// stdout). Bad options throw InputError naming the option; the caller maps it to exit code 2.
int gen_command(int argc, char** argv);

}  // namespace mmusim
