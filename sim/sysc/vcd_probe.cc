#include "sysc/vcd_probe.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "util/input_error.h"
#include "os/safe_file.h"
#include "stats/waveform_files.h"

namespace mmusim {

std::string vcd_stem(const std::string& path, const std::string& option) {
  const std::string suffix = ".vcd";
  if (path.size() <= suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    throw InputError(option, 0, "", "'" + path + "': the waveform file's name must end in .vcd");
  // Can it be written? (SystemC would only warn.) Asked without opening it: nothing is truncated
  // before every option is checked.
  const std::size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (access(path.c_str(), F_OK) == 0 ? access(path.c_str(), W_OK) != 0 : access(dir.c_str(), W_OK) != 0)
    throw InputError(option, 0, "", "cannot write '" + path + "': " + std::strerror(errno));
  return path.substr(0, path.size() - suffix.size());
}

VcdProbe::VcdProbe(const sc_core::sc_module_name& name, const VcdOptions& opt, sc_core::sc_time period,
                   std::uint64_t cpu_mhz, std::function<VcdSample()> sample)
    : sc_module(name), opt_(opt), period_(period), cpu_mhz_(cpu_mhz), sample_(std::move(sample)) {
  // Simulated time is 64-bit picoseconds: a cycle count past that would wrap silently.
  const std::uint64_t max_cycles = ~std::uint64_t{0} / period_.value();
  const std::pair<const char*, std::uint64_t> options[] = {{"--vcd-interval-cycles", opt_.interval_cycles},
                                                           {"--vcd-from-cycles", opt_.from_cycles},
                                                           {"--vcd-to-cycles", opt_.to_cycles}};
  for (const auto& [option, cycles] : options)
    if (cycles > max_cycles)
      throw InputError(option, 0, "", std::to_string(cycles) + " cycles is past the end of simulated time (" +
                                          std::to_string(max_cycles) + " cycles: 2^64 ps at sim.cpu_mhz)");
  file_ = sc_core::sc_create_vcd_trace_file(vcd_stem(opt_.path, "--vcd").c_str());
  sc_core::sc_trace(file_, free_pages_, "free_pages");
  sc_core::sc_trace(file_, lru_active_pages_, "lru_active_pages");
  sc_core::sc_trace(file_, lru_inactive_pages_, "lru_inactive_pages");
  sc_core::sc_trace(file_, vmexits_, "vmexits");
  sc_core::sc_trace(file_, tlb_misses_, "tlb_misses");
  sc_core::sc_trace(file_, stlb_misses_, "stlb_misses");
  sc_core::sc_trace(file_, shadow_pages_, "shadow_pages");
  sc_core::sc_trace(file_, swap_ins_, "swap_ins");
  sc_core::sc_trace(file_, swap_in_flight_, "swap_in_flight");
  sc_core::sc_trace(file_, kswapd_running_, "kswapd_running");
  SC_THREAD(run);
}

VcdProbe::~VcdProbe() {
  if (file_) sc_core::sc_close_vcd_trace_file(file_);
}

std::string VcdProbe::save_file_name(const std::string& vcd_path) {
  return vcd_path.substr(0, vcd_path.size() - 4) + ".gtkw";
}

void VcdProbe::finish() {
  sc_core::sc_close_vcd_trace_file(file_);
  file_ = nullptr;
  const std::uint64_t ps = sc_core::sc_time(1, sc_core::SC_PS).value();
  const std::uint64_t period_ps = period_.value() / ps;
  exact_vcd_times(opt_.path, period_ps, cpu_mhz_, sc_core::sc_time_stamp().value() / ps);
  const std::uint64_t end_ps = cycles_to_ps(sc_core::sc_time_stamp().value() / period_.value(), cpu_mhz_);
  const std::vector<WaveSignal> signals = {
      {"free_pages", 64, true},  {"lru_active_pages", 64, true}, {"lru_inactive_pages", 64, true},
      {"shadow_pages", 64, true}, {"swap_in_flight", 64, true},  {"kswapd_running", 1, false},
      {"vmexits", 64, false},     {"tlb_misses", 64, false},      {"stlb_misses", 64, false},
      {"swap_ins", 64, false}};
  const std::string gtkw = save_file_name(opt_.path);
  AtomicFile file(gtkw, "--vcd");  // os/safe_file.h: a new file under a temporary name, renamed
  file.out() << gtkwave_save(opt_.path, signals, end_ps);
  file.commit();
}

void VcdProbe::run() {
  if (opt_.from_cycles) sc_core::wait(sc_core::sc_time::from_value(period_.value() * opt_.from_cycles));
  for (Cycles t = opt_.from_cycles;; t += opt_.interval_cycles) {
    const VcdSample s = sample_();
    free_pages_.write(s.free_pages);
    lru_active_pages_.write(s.lru_active_pages);
    lru_inactive_pages_.write(s.lru_inactive_pages);
    vmexits_.write(s.vmexits);
    tlb_misses_.write(s.tlb_misses);
    stlb_misses_.write(s.stlb_misses);
    shadow_pages_.write(s.shadow_pages);
    swap_ins_.write(s.swap_ins);
    swap_in_flight_.write(s.swap_in_flight);
    kswapd_running_.write(s.kswapd_running);
    if (opt_.to_cycles && t + opt_.interval_cycles > opt_.to_cycles) return;
    sc_core::wait(sc_core::sc_time::from_value(period_.value() * opt_.interval_cycles));
  }
}

}  // namespace mmusim
