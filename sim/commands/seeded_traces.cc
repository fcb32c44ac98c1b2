#include "commands/seeded_traces.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include "commands/cli_support.h"
#include "util/input_error.h"
#include "os/safe_file.h"
#include "util/printable.h"

namespace po = boost::program_options;

namespace mmusim {

namespace {

std::uint64_t parse_seed(const std::string& text, const std::string& list) {
  std::uint64_t x = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), x);
  if (text.empty() || r.ptr != text.data() + text.size() || r.ec != std::errc())
    throw InputError("--seeds", 0, "", "'" + printable(text, 200) + "' in '" + printable(list, 200) +
                                           "' is not a seed (a whole number from 0)");
  return x;
}

// Every field of the workload, one a line: two --gen texts that make the same traces make the
// same text, whatever the order or spelling of their options.
std::string workload_text(const GenSpec& s) {
  auto shortest = [](double x) {  // the shortest text that reads back as x
    char b[32];
    return std::string(b, std::to_chars(b, b + sizeof b, x).ptr);
  };
  std::ostringstream t;
  t << "# the workload the traces of this folder were generated from (mmusim compare or sweep --gen)\n"
    << "pattern " << gen_pattern_name(s.pattern) << "\naccesses " << s.accesses << "\nfootprint_pages "
    << s.footprint_pages << "\nhot_pages " << s.hot_pages << "\nhot_fraction " << shortest(s.hot_fraction)
    << "\nstride_bytes " << s.stride_bytes << "\nwrite_fraction " << shortest(s.write_fraction) << "\npids " << s.pids
    << "\nvcpus " << s.vcpus << "\nvms " << s.vms << "\nslice " << s.slice << "\ngap " << s.gap << "\nbase 0x" << std::hex
    << s.base << '\n';
  return t.str();
}

std::string slurp_or_empty(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return in ? std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()) : std::string();
}

// True if the two files hold the same bytes (false if either cannot be read).
bool same_bytes(const std::string& a, const std::string& b) {
  std::ifstream x(a, std::ios::binary), y(b, std::ios::binary);
  if (!x || !y) return false;
  constexpr std::size_t kChunk = 1 << 16;
  std::string p(kChunk, '\0'), q(kChunk, '\0');
  while (true) {
    x.read(p.data(), kChunk);
    y.read(q.data(), kChunk);
    if (x.gcount() != y.gcount() || p.compare(0, x.gcount(), q, 0, y.gcount()) != 0) return false;
    if (x.gcount() < static_cast<std::streamsize>(kChunk)) return true;
  }
}

}  // namespace

void add_seed_options(po::options_description& desc, SeedOptions& o) {
  desc.add_options()("gen", po::value(&o.gen),
                     "a generated workload instead of --trace: \"PATTERN OPTIONS\", mmusim gen's pattern and options "
                     "(e.g. \"hotcold --accesses 100000 --hot-pages 400\"; not --seed or --out): one trace per seed of "
                     "--seeds, written into DIR/gen")(
      "seeds", po::value(&o.seeds),
      "the seeds of --gen: a list, ranges allowed (1,2,3 or 1-10); the summary file gives each configuration's mean "
      "and 95% confidence interval over them");
}

std::vector<std::uint64_t> parse_seeds(const std::string& list) {
  std::vector<std::uint64_t> seeds;
  std::stringstream in(list);
  std::size_t count = 0;
  for (std::string piece; std::getline(in, piece, ',');) {
    if (piece.empty()) throw InputError("--seeds", 0, "", "an empty seed in '" + printable(list, 200) + "'");
    const auto dash = piece.find('-');
    const std::uint64_t first = parse_seed(piece.substr(0, dash), list);
    const std::uint64_t last = dash == std::string::npos ? first : parse_seed(piece.substr(dash + 1), list);
    if (last < first)
      throw InputError("--seeds", 0, "", "the range '" + printable(piece, 200) + "' ends before it starts");
    if (last - first >= kMaxSeeds || (count += last - first + 1) > kMaxSeeds)
      throw InputError("--seeds", 0, "", "'" + printable(list, 200) + "' names more than " + std::to_string(kMaxSeeds) +
                                             " seeds, the limit of one command");
    for (std::uint64_t s = first;; ++s) {
      for (std::uint64_t t : seeds)
        if (t == s) throw InputError("--seeds", 0, "", "seed " + std::to_string(s) + " named twice");
      seeds.push_back(s);
      if (s == last) break;
    }
  }
  if (seeds.empty()) throw InputError("--seeds", 0, "", "'" + printable(list, 200) + "' names no seed");
  return seeds;
}

std::optional<SeededTraces> plan_seeded_traces(const SeedOptions& o, const po::variables_map& vm,
                                               const std::string& out_dir, bool traces_given) {
  const bool gen = vm.count("gen") > 0, seeds = vm.count("seeds") > 0;
  if (!gen && !seeds) return std::nullopt;
  if (!gen) throw InputError("--seeds", 0, "", "seeds are for a generated workload: name it with --gen \"PATTERN OPTIONS\"");
  if (!seeds) throw InputError("--gen", 0, "", "needs --seeds, the seeds of its traces (e.g. --seeds 1,2,3)");
  if (traces_given) throw InputError("--gen", 0, "", "--gen and --trace (or --traces) both name the traces: give one");
  std::vector<std::string> words;
  std::istringstream in(o.gen);
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty() || words[0][0] == '-')
    throw InputError("--gen", 0, "", "'" + printable(o.gen, 200) +
                                         "' does not start with a pattern (seq, uniform, hotcold, stride, tlbhit or "
                                         "shift), then mmusim gen's options, e.g. \"hotcold --accesses 100000\"");
  std::vector<std::string> args = {"--pattern"};
  args.insert(args.end(), words.begin(), words.end());
  GenOptions g;
  try {
    g = parse_gen_options(args);
  } catch (const InputError& e) {
    throw InputError("--gen", 0, "", e.what());
  }
  if (g.help) throw InputError("--gen", 0, "--help", "`mmusim gen --help` lists the options");
  SeededTraces s;
  s.folder = out_dir + "/gen";
  if (g.seed_given) throw InputError("--gen", 0, "--seed", "each trace's seed comes from --seeds");
  if (g.out_given) throw InputError("--gen", 0, "--out", "the traces are written into " + s.folder);
  s.spec = g.spec;
  s.seeds = parse_seeds(o.seeds);
  s.workload = workload_text(s.spec);
  for (std::uint64_t seed : s.seeds) {
    s.paths.push_back(s.folder + "/" + gen_pattern_name(s.spec.pattern) + "-seed" + std::to_string(seed) + ".csv");
    check_csv_text(s.paths.back(), "--out");  // the trace column holds it
  }
  return s;
}

void check_seeded_format(const std::optional<SeededTraces>& s, TraceFormat f) {
  if (s && f != TraceFormat::Auto && f != TraceFormat::Csv)
    throw InputError("--format", 0, "", std::string(trace_format_name(f)) + ": the traces of --gen are CSV (leave --format out)");
}

void write_seeded_traces(const SeededTraces& s, bool keep_workload) {
  make_dir(s.folder);
  const std::string workload_file = s.folder + "/workload.txt";
  refuse_special_file(workload_file, "--out");
  const std::string before = slurp_or_empty(workload_file);
  if (keep_workload && !before.empty() && before != s.workload)
    throw InputError(s.folder, 0, "--out", "holds the traces of another --gen workload (" + workload_file +
                                               "); use another --out folder");
  // The workload first: a command interrupted while it writes the traces leaves them named for it.
  if (before != s.workload) {
    AtomicFile w(workload_file, "--out");
    w.out() << s.workload;
    w.commit();
  }
  GenSpec spec = s.spec;
  for (std::size_t i = 0; i < s.seeds.size(); ++i) {
    spec.seed = s.seeds[i];
    AtomicFile f(s.paths[i], "--out");
    try {
      write_synthetic_trace(spec, f.out());
      f.out().flush();
    } catch (const InputError& e) {
      throw InputError(s.paths[i], 0, "", e.what());
    }
    if (!f.out() || !same_bytes(f.temp_path(), s.paths[i])) f.commit();  // else the temporary file goes
  }
}

}  // namespace mmusim
