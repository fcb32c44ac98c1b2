// compare and sweep on a generated workload over several seeds: `--gen "PATTERN OPTIONS" --seeds
// LIST` writes one trace per seed with mmusim gen's generator (`mmusim gen --pattern PATTERN
// OPTIONS --seed S`) into DIR/gen/PATTERN-seedS.csv, and the command runs them as it runs several
// --trace: a folder per trace, a trace column, and compare-summary.csv / sweep-summary.csv with
// each configuration's mean, min, max and 95% confidence interval over the seeds.
#pragma once
#include <boost/program_options.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "trace/generator.h"
#include "trace/reader.h"

namespace mmusim {

// At most this many seeds in one command (each is a trace file and a set of runs).
constexpr std::size_t kMaxSeeds = 1000;

struct SeedOptions {
  std::string gen, seeds;
};

// --gen and --seeds.
void add_seed_options(boost::program_options::options_description& desc, SeedOptions& o);

struct SeededTraces {
  GenSpec spec;                     // the --gen workload (its seed is each trace's)
  std::vector<std::uint64_t> seeds;
  std::string folder;               // DIR/gen
  std::vector<std::string> paths;   // each seed's trace, in the order of --seeds
  std::string workload;             // what the traces are made from, as DIR/gen/workload.txt holds it
};

// "1,2,3", "1-10" or both ("1-3,7"): whole numbers from 0, each once, at most kMaxSeeds; throws
// InputError naming --seeds otherwise.
std::vector<std::uint64_t> parse_seeds(const std::string& list);

// Nothing when neither --gen nor --seeds is given. Otherwise checks both (a bad --gen option is
// named as gen names it, after "--gen: "), and that no --trace or --traces names traces as well
// (`traces_given`), before any run; throws InputError.
std::optional<SeededTraces> plan_seeded_traces(const SeedOptions& o, const boost::program_options::variables_map& vm,
                                               const std::string& out_dir, bool traces_given);

// The traces of --gen are CSV: --format csv or auto only (InputError naming --format).
void check_seeded_format(const std::optional<SeededTraces>& s, TraceFormat f);

// Writes each seed's trace; a file that already holds exactly its bytes is left as it was (its
// modification time too, so that a resumed sweep, or compare on Slurm, knows its traces). With
// `keep_workload` (a command that resumes in the folder) a folder whose traces were made from
// another workload is refused (InputError naming --out) before anything is written.
void write_seeded_traces(const SeededTraces& s, bool keep_workload);

}  // namespace mmusim
