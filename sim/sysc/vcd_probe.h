// Waveforms (`--vcd FILE`): the run's figures over simulated time as a VCD file for GTKWave.
// A thread samples the figures every interval of simulated time inside a window and writes them
// to sc_signals that sc_trace records; the VCD holds a value change only when a figure changed.
// At the end (finish) the VCD's times are made exact and FILE.gtkw, GTKWave's save file, is
// written beside it.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <systemc>

#include "common/addr.h"

namespace mmusim {

struct VcdOptions {
  std::string path;              // the .vcd file; empty: no waveforms
  Cycles interval_cycles = 1000;  // sampling interval
  Cycles from_cycles = 0;        // first sample at this cycle
  Cycles to_cycles = 0;          // no sample after this cycle (0: until the run ends)
};

// The figures a VCD shows; counters are totals since the start, levels are as sampled.
struct VcdSample {
  std::uint64_t free_pages = 0;        // host frames free (native mode: the machine's)
  std::uint64_t lru_active_pages = 0, lru_inactive_pages = 0;
  std::uint64_t vmexits = 0;           // total VM exits
  std::uint64_t tlb_misses = 0;        // total L1 iTLB + dTLB misses
  std::uint64_t stlb_misses = 0;       // total STLB misses (walks)
  std::uint64_t shadow_pages = 0;
  std::uint64_t swap_ins = 0;          // total pages read from swap
  std::uint64_t swap_in_flight = 0;    // swap requests queued or being served
  bool kswapd_running = false;
};

// "FILE.vcd" must end in .vcd (SystemC adds the suffix itself); throws InputError naming `option`.
std::string vcd_stem(const std::string& path, const std::string& option);

class VcdProbe : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(VcdProbe);
  VcdProbe(const sc_core::sc_module_name& name, const VcdOptions& opt, sc_core::sc_time period,
           std::uint64_t cpu_mhz, std::function<VcdSample()> sample);
  ~VcdProbe() override;

  // After the run: closes the VCD, rewrites its times exactly (cycles / sim.cpu_mhz) and writes
  // the GTKWave save file. Throws InputError when a file cannot be written.
  void finish();
  // FILE.gtkw for FILE.vcd.
  static std::string save_file_name(const std::string& vcd_path);

 private:
  void run();

  VcdOptions opt_;
  sc_core::sc_time period_;
  std::uint64_t cpu_mhz_;
  std::function<VcdSample()> sample_;
  sc_core::sc_trace_file* file_ = nullptr;
  sc_core::sc_signal<std::uint64_t> free_pages_, lru_active_pages_, lru_inactive_pages_, vmexits_, tlb_misses_,
      stlb_misses_, shadow_pages_, swap_ins_, swap_in_flight_;
  sc_core::sc_signal<bool> kswapd_running_;
};

}  // namespace mmusim
