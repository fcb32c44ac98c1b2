// Times the parts of `mmusim compare`'s bounds on one trace (bench/README.md): reading the trace,
// numbering its pages (page_references, which reads it too), OPT and exact LRU; each the least
// wall time of REPEAT runs, with the results to check against compare.csv.
//   bounds_bench TRACE CONFIG REPEAT [KEY=VALUE]...   (KEY=VALUE as compare's --set)
#include <chrono>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "commands/cli_support.h"
#include "config/config.h"
#include "util/input_error.h"
#include "commands/page_references.h"
#include "bounds/bounds.h"
#include "trace/reader.h"

namespace {

using namespace mmusim;

// The least wall seconds of `repeat` calls of f.
template <class F>
double best_seconds(int repeat, F&& f) {
  double best = 1e30;
  for (int i = 0; i < repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: bounds_bench TRACE CONFIG REPEAT [KEY=VALUE]...\n";
    return 2;
  }
  try {
    const std::string trace = argv[1];
    const int repeat = std::atoi(argv[3]);
    std::vector<std::string> sets(argv + 4, argv + argc);
    sets.push_back("sim.mode=shadow");
    const SimConfig cfg = load_config(argv[2], sets).values();
    const RecordLimits limits = machine_limits(static_cast<std::uint32_t>(cfg.guest.vms), static_cast<std::uint32_t>(cfg.guest.vcpus));
    std::uint64_t records = 0;
    const double read_s = best_seconds(repeat, [&] {
      auto reader = open_trace(trace, TraceFormat::Auto);
      reader->set_limits(limits);
      std::vector<TraceRecord> buf(4096);
      records = 0;
      while (const std::size_t n = reader->read(buf.data(), buf.size())) records += n;
    });
    PageReferences refs;
    const double number_s = best_seconds(repeat, [&] { refs = page_references(trace, TraceFormat::Auto, limits, false); });
    const std::uint64_t frames = cfg.host.mem_mb * 256;
    const std::uint64_t capacity = frames > refs.table_pages ? frames - refs.table_pages : 1;
    BoundResult opt, lru;
    const double lru_s = best_seconds(repeat, [&] { lru = lru_bound(refs.pages, refs.page_count, capacity); });
    double opt_s = 1e30;
    for (int i = 0; i < repeat; ++i) {  // compare moves its string into OPT: the copy is not timed
      std::vector<std::uint32_t> pages = refs.pages;
      opt_s = std::min(opt_s, best_seconds(1, [&] { opt = opt_bound(std::move(pages), refs.page_count, capacity); }));
    }
    std::cout << "records," << records << "\nreferences," << refs.references << "\ndistinct_pages," << opt.distinct_pages
              << "\ntable_pages," << refs.table_pages << "\ncapacity," << capacity << "\nopt_swap_ins," << opt.swap_ins
              << "\nopt_evictions," << opt.evictions << "\nlru_swap_ins," << lru.swap_ins << "\nlru_evictions,"
              << lru.evictions << "\nread_seconds," << read_s << "\nnumber_seconds," << number_s << "\nopt_seconds,"
              << opt_s << "\nlru_seconds," << lru_s << "\nbounds_seconds," << number_s + opt_s + lru_s << '\n';
  } catch (const std::exception& e) {
    std::cerr << "bounds_bench: " << e.what() << '\n';
    return 2;
  }
  return 0;
}
