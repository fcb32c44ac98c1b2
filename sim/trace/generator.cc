#include "trace/generator.h"

#include <boost/program_options.hpp>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <vector>

#include "util/input_error.h"
#include "os/safe_file.h"

namespace mmusim {

namespace {

constexpr std::uint64_t kPageBytes = 4096;
constexpr std::uint64_t kUserTop = std::uint64_t(1) << 47;  // x86-64 4-level: canonical user half
constexpr std::uint64_t kMaxStreams = std::uint64_t(1) << 24;

// splitmix64 (Steele, Lea, Flood 2014), used to seed xoshiro.
std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// xoshiro256** 1.0 (Blackman, Vigna 2018).
class Xoshiro {
 public:
  explicit Xoshiro(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) by multiply-shift (Lemire); the bias is below n / 2^64.
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// P(true) = p, exactly as "next() < p * 2^64" with p in [0, 1].
class Bernoulli {
 public:
  explicit Bernoulli(double p)
      : always_(p >= 1.0), never_(!(p > 0.0)),
        threshold_(always_ || never_ ? 0 : static_cast<std::uint64_t>(std::ldexp(p, 64))) {}
  bool operator()(Xoshiro& rng) const {
    if (always_) return true;
    if (never_) return false;
    return rng.next() < threshold_;
  }

 private:
  bool always_, never_;
  std::uint64_t threshold_;
};

struct Stream {
  std::uint64_t count = 0;   // accesses so far
  std::uint64_t offset = 0;  // stride: current offset
  std::uint64_t cold = 0;    // hotcold: next cold page (relative to the first cold page)
};

// Output buffer with hand-written number formatting.
class Out {
 public:
  explicit Out(std::ostream& os) : os_(os), buf_(new char[kCap + kSlack]), p_(buf_.get()) {}
  ~Out() = default;
  void flush() {
    os_.write(buf_.get(), p_ - buf_.get());
    p_ = buf_.get();
    if (!os_) throw InputError("", 0, "", "cannot write the trace");
  }
  void maybe_flush() {
    if (p_ - buf_.get() >= static_cast<std::ptrdiff_t>(kCap)) flush();
  }
  void str(const char* s) {
    std::size_t n = std::strlen(s);
    std::memcpy(p_, s, n);
    p_ += n;
  }
  void ch(char c) { *p_++ = c; }
  void dec(std::uint64_t v) {
    char tmp[20];
    int n = 0;
    do {
      tmp[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v);
    while (n) *p_++ = tmp[--n];
  }
  void hex(std::uint64_t v) {
    int digits = v ? (64 - __builtin_clzll(v) + 3) / 4 : 1;
    for (int i = digits - 1; i >= 0; --i) *p_++ = "0123456789abcdef"[(v >> (4 * i)) & 15];
  }

 private:
  static constexpr std::size_t kCap = std::size_t(1) << 20;
  static constexpr std::size_t kSlack = 256;  // one record is < 100 bytes
  std::ostream& os_;
  std::unique_ptr<char[]> buf_;
  char* p_;
};

std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) { return a / b + (a % b != 0); }

std::uint64_t default_slice(const GenSpec& s) {
  std::uint64_t contexts = std::uint64_t(s.vms) * s.vcpus;
  std::uint64_t per_vcpu = ceil_div(s.accesses, contexts);
  std::uint64_t slice = ceil_div(per_vcpu, s.pids);
  return slice ? slice : 1;
}

}  // namespace

GenPattern parse_gen_pattern(const std::string& s, const std::string& option) {
  if (s == "seq") return GenPattern::Seq;
  if (s == "uniform") return GenPattern::Uniform;
  if (s == "hotcold") return GenPattern::HotCold;
  if (s == "stride") return GenPattern::Stride;
  if (s == "tlbhit") return GenPattern::TlbHit;
  if (s == "shift") return GenPattern::Shift;
  throw InputError(option, 0, "", "'" + s + "' is not a pattern (seq, uniform, hotcold, stride, tlbhit or shift)");
}

const char* gen_pattern_name(GenPattern p) {
  switch (p) {
    case GenPattern::Seq: return "seq";
    case GenPattern::Uniform: return "uniform";
    case GenPattern::HotCold: return "hotcold";
    case GenPattern::Stride: return "stride";
    case GenPattern::TlbHit: return "tlbhit";
    case GenPattern::Shift: return "shift";
  }
  return "?";
}

void validate_gen_spec(const GenSpec& s) {
  auto fail = [](const char* opt, const std::string& what) { throw InputError(opt, 0, "", what); };
  if (s.vms == 0) fail("--vms", "must be at least 1");
  if (s.vcpus == 0) fail("--vcpus", "must be at least 1");
  if (s.pids == 0) fail("--pids", "must be at least 1");
  if (std::uint64_t(s.vms) * s.pids > kMaxStreams)
    fail("--pids", "vms * pids must be at most " + std::to_string(kMaxStreams));
  if (s.footprint_pages == 0) fail("--footprint-pages", "must be at least 1");
  if (s.footprint_pages > kUserTop / kPageBytes || s.base > kUserTop - s.footprint_pages * kPageBytes)
    fail("--base", "base + footprint-pages * 4096 must not exceed 0x800000000000 (the x86-64 user address range)");
  if (!(s.write_fraction >= 0.0 && s.write_fraction <= 1.0)) fail("--write-fraction", "must be within 0..1");
  switch (s.pattern) {
    case GenPattern::HotCold:
      if (s.hot_pages == 0) fail("--hot-pages", "must be at least 1");
      if (s.hot_pages >= s.footprint_pages)
        fail("--hot-pages", "must be less than --footprint-pages (the rest of the footprint is the cold set)");
      if (!(s.hot_fraction >= 0.0 && s.hot_fraction <= 1.0)) fail("--hot-fraction", "must be within 0..1");
      break;
    case GenPattern::TlbHit:
    case GenPattern::Shift:
      if (s.hot_pages == 0) fail("--hot-pages", "must be at least 1");
      if (s.hot_pages > s.footprint_pages) fail("--hot-pages", "must be at most --footprint-pages");
      break;
    case GenPattern::Stride:
      if (s.stride_bytes == 0) fail("--stride-bytes", "must be at least 1");
      break;
    default: break;
  }
}

void write_synthetic_trace(const GenSpec& s, std::ostream& os) {
  validate_gen_spec(s);
  std::uint64_t seed = s.seed;
  Xoshiro addr_rng(splitmix64(seed));
  Xoshiro op_rng(splitmix64(seed));
  const Bernoulli is_write(s.write_fraction);
  const Bernoulli is_hot(s.hot_fraction);
  const std::uint64_t fp_bytes = s.footprint_pages * kPageBytes;
  const std::uint64_t stride = s.stride_bytes % fp_bytes;
  const std::uint64_t cold_pages = s.footprint_pages > s.hot_pages ? s.footprint_pages - s.hot_pages : 1;
  const std::uint64_t slice = s.slice ? s.slice : default_slice(s);
  std::vector<Stream> streams(std::size_t(s.vms) * s.pids + s.host_procs);

  Out out(os);
  out.str("vm,vcpu,pid,op,gva,size,gap\n");
  std::uint32_t vm = 0, vcpu = 0;
  std::uint64_t slice_no = 0, in_slice = 0;  // rounds done in this slice
  for (std::uint64_t i = 0; i < s.accesses; ++i) {
    const bool host = vm >= s.vms;  // a host process's context: process vm - vms on host CPU vm - vms
    const std::uint32_t pid = host ? vm - s.vms : static_cast<std::uint32_t>((vcpu + slice_no) % s.pids);
    Stream& st = streams[host ? std::size_t(s.vms) * s.pids + pid : std::size_t(vm) * s.pids + pid];
    std::uint64_t off = 0;
    switch (s.pattern) {
      case GenPattern::Seq:
        off = (st.count * 8) % fp_bytes;
        break;
      case GenPattern::Uniform:
        off = addr_rng.below(s.footprint_pages) * kPageBytes + addr_rng.below(kPageBytes / 8) * 8;
        break;
      case GenPattern::HotCold: {
        std::uint64_t page;
        if (is_hot(addr_rng)) {
          page = addr_rng.below(s.hot_pages);
        } else {
          page = s.hot_pages + st.cold;
          if (++st.cold == cold_pages) st.cold = 0;
        }
        off = page * kPageBytes + addr_rng.below(kPageBytes / 8) * 8;
        break;
      }
      case GenPattern::Stride:
        off = st.offset;
        st.offset += stride;
        if (st.offset >= fp_bytes) st.offset -= fp_bytes;
        break;
      case GenPattern::TlbHit:
        off = (st.count % s.hot_pages) * kPageBytes + ((st.count / s.hot_pages) % 64) * 64;
        break;
      case GenPattern::Shift: {
        // A working set of hot-pages pages, uniform within, that slides from the start of the
        // footprint to its end over the trace: first page = i * (footprint - hot) / accesses.
        const std::uint64_t start = static_cast<std::uint64_t>(
            static_cast<unsigned __int128>(i) * (s.footprint_pages - s.hot_pages) / s.accesses);
        off = (start + addr_rng.below(s.hot_pages)) * kPageBytes + addr_rng.below(kPageBytes / 8) * 8;
        break;
      }
    }
    ++st.count;
    if (host) out.str("host");
    else out.dec(vm);
    out.ch(',');
    out.dec(host ? pid : vcpu);
    out.ch(',');
    out.dec(pid);
    out.ch(',');
    out.ch(is_write(op_rng) ? 'W' : 'R');
    out.str(",0x");
    out.hex(s.base + off);
    out.str(",8,");
    out.dec(s.gap);
    out.ch('\n');
    out.maybe_flush();
    // Next context: vCPUs of a VM, then the next VM, then the host processes; after the last, the
    // next round.
    if (++vcpu == (host ? 1u : s.vcpus)) {
      vcpu = 0;
      if (++vm == std::uint32_t{s.vms} + s.host_procs) {
        vm = 0;
        if (++in_slice == slice) {
          in_slice = 0;
          ++slice_no;
        }
      }
    }
  }
  out.flush();
  os.flush();
  if (!os) throw InputError("", 0, "", "cannot write the trace");
}

// ---------------------------------------------------------------------------------------------
// mmusim gen

namespace {

namespace po = boost::program_options;

std::uint64_t parse_u64(const std::string& opt, const std::string& v, std::uint64_t max) {
  const char* b = v.data();
  const char* e = b + v.size();
  int base = 10;
  if (v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X')) {
    b += 2;
    base = 16;
  }
  std::uint64_t x = 0;
  auto r = std::from_chars(b, e, x, base);
  if (v.empty() || r.ptr != e || r.ec == std::errc::invalid_argument)
    throw InputError(opt, 0, "", "'" + v + "' is not a non-negative integer");
  if (r.ec == std::errc::result_out_of_range || x > max)
    throw InputError(opt, 0, "", "'" + v + "' is out of range (0.." + std::to_string(max) + ")");
  return x;
}

double parse_fraction(const std::string& opt, const std::string& v) {
  double x = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), x);
  if (v.empty() || r.ptr != v.data() + v.size() || r.ec != std::errc())
    throw InputError(opt, 0, "", "'" + v + "' is not a number");
  if (!(x >= 0.0 && x <= 1.0)) throw InputError(opt, 0, "", "'" + v + "' is not within 0..1");
  return x;
}

const char* kUsage =
    "Usage: mmusim gen --pattern P --accesses N [options]\n"
    "Writes a synthetic CSV trace (vm,vcpu,pid,op,gva,size,gap; 8-byte accesses).\n"
    "Patterns: seq, uniform, hotcold, stride, tlbhit, shift (see traces/README.md).\n";

po::options_description gen_options() {
  po::options_description desc("Options");
  // Values are taken as strings and parsed here: Boost's lexical_cast accepts "-1" for unsigned.
  desc.add_options()
      ("help,h", "print this help")
      ("pattern", po::value<std::string>(), "seq | uniform | hotcold | stride | tlbhit | shift (required)")
      ("accesses", po::value<std::string>(), "number of records (required)")
      ("seed", po::value<std::string>(), "PRNG seed (default 1)")
      ("footprint-pages", po::value<std::string>(), "4 KiB pages per (vm, pid) stream (default 4096)")
      ("hot-pages", po::value<std::string>(), "hotcold: hot set size; tlbhit: pages cycled over; shift: the sliding working set (default 32)")
      ("hot-fraction", po::value<std::string>(), "hotcold: probability of a hot access (default 0.9)")
      ("stride-bytes", po::value<std::string>(), "stride: bytes between accesses (default 4096)")
      ("write-fraction", po::value<std::string>(), "probability of W, else R (default 0.25)")
      ("pids", po::value<std::string>(), "processes per VM (default 1)")
      ("vcpus", po::value<std::string>(), "vCPUs per VM (default 1)")
      ("vms", po::value<std::string>(), "VMs (default 1)")
      ("host-procs", po::value<std::string>(),
       "processes of the host beside the VMs, each the same pattern over the same footprint (vm host, vcpu = its host "
       "CPU; run with host.cpus at least this; default 0)")
      ("slice", po::value<std::string>(), "accesses of a vCPU between process switches (default: each vCPU runs each pid once)")
      ("gap", po::value<std::string>(), "gap column: cycles of work before each access (default 0)")
      ("base", po::value<std::string>(), "first address of each stream, 0x hex or decimal (default 0x10000000)")
      ("out,o", po::value<std::string>(), "output file, - for stdout (default -)");
  return desc;
}
}  // namespace

GenOptions parse_gen_options(const std::vector<std::string>& args) {
  const po::options_description desc = gen_options();
  po::variables_map vm;
  try {
    po::positional_options_description none;  // no positional arguments: any is an error
    po::store(po::command_line_parser(args).options(desc).positional(none).run(), vm);
  } catch (const po::error_with_option_name& e) {
    std::string name = e.get_option_name();
    throw InputError(name.empty() ? "gen" : name, 0, "", e.what());
  } catch (const po::error& e) {
    throw InputError("gen", 0, "", e.what());
  }
  GenOptions o;
  if (vm.count("help")) {
    o.help = true;
    return o;
  }
  auto str = [&](const char* name) { return vm[name].as<std::string>(); };
  auto has = [&](const char* name) { return vm.count(name) > 0; };

  GenSpec& s = o.spec;
  if (!has("pattern")) throw InputError("--pattern", 0, "", "missing (seq, uniform, hotcold, stride, tlbhit or shift)");
  if (!has("accesses")) throw InputError("--accesses", 0, "", "missing (number of records to write)");
  s.pattern = parse_gen_pattern(str("pattern"), "--pattern");
  s.accesses = parse_u64("--accesses", str("accesses"), ~std::uint64_t(0));
  if (has("seed")) s.seed = parse_u64("--seed", str("seed"), ~std::uint64_t(0));
  if (has("footprint-pages")) s.footprint_pages = parse_u64("--footprint-pages", str("footprint-pages"), ~std::uint64_t(0));
  if (has("hot-pages")) s.hot_pages = parse_u64("--hot-pages", str("hot-pages"), ~std::uint64_t(0));
  if (has("hot-fraction")) s.hot_fraction = parse_fraction("--hot-fraction", str("hot-fraction"));
  if (has("stride-bytes")) s.stride_bytes = parse_u64("--stride-bytes", str("stride-bytes"), ~std::uint64_t(0));
  if (has("write-fraction")) s.write_fraction = parse_fraction("--write-fraction", str("write-fraction"));
  if (has("pids")) s.pids = static_cast<std::uint32_t>(parse_u64("--pids", str("pids"), 0xffffffffu));
  if (has("vcpus")) s.vcpus = static_cast<std::uint16_t>(parse_u64("--vcpus", str("vcpus"), 0xffff));
  if (has("vms")) s.vms = static_cast<std::uint16_t>(parse_u64("--vms", str("vms"), 0xffff));
  if (has("host-procs")) s.host_procs = static_cast<std::uint16_t>(parse_u64("--host-procs", str("host-procs"), 64));
  if (has("slice")) {
    s.slice = parse_u64("--slice", str("slice"), ~std::uint64_t(0));
    if (s.slice == 0) throw InputError("--slice", 0, "", "must be at least 1");
  }
  if (has("gap")) s.gap = parse_u64("--gap", str("gap"), ~std::uint64_t(0));
  if (has("base")) s.base = parse_u64("--base", str("base"), ~std::uint64_t(0));

  // An option the pattern does not use is a mistake, not something to ignore silently.
  auto only_for = [&](const char* name, std::initializer_list<GenPattern> ok) {
    if (!has(name)) return;
    for (GenPattern p : ok)
      if (p == s.pattern) return;
    throw InputError(std::string("--") + name, 0, "",
                     std::string("does not apply to --pattern ") + gen_pattern_name(s.pattern));
  };
  only_for("hot-pages", {GenPattern::HotCold, GenPattern::TlbHit, GenPattern::Shift});
  only_for("hot-fraction", {GenPattern::HotCold});
  only_for("stride-bytes", {GenPattern::Stride});
  validate_gen_spec(s);

  o.seed_given = has("seed");
  o.out_given = has("out");
  if (o.out_given) o.out = str("out");
  return o;
}

int gen_command(int argc, char** argv) {
  const GenOptions o = parse_gen_options(std::vector<std::string>(argv + 1, argv + argc));
  if (o.help) {
    std::cout << kUsage << gen_options();
    return 0;
  }
  const GenSpec& s = o.spec;
  const std::string& out_name = o.out;
  // A file is written under a temporary name and renamed (an OUT that is a link, a device, a FIFO
  // or a folder is refused; nothing is left behind on failure); stdout is checked when flushed.
  std::unique_ptr<AtomicFile> file;
  if (out_name != "-") file = std::make_unique<AtomicFile>(out_name, "--out");
  std::ostream& os = file ? file->out() : std::cout;
  try {
    write_synthetic_trace(s, os);
    if (file) file->commit();
    else if (!std::cout.flush()) throw InputError("", 0, "", std::string("cannot write the trace: ") + std::strerror(errno));
  } catch (const InputError& e) {
    if (!e.file().empty()) throw;
    throw InputError(out_name == "-" ? "<stdout>" : out_name, 0, "", e.what());
  }
  return 0;
}

}  // namespace mmusim
