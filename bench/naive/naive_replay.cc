// The naive SystemC baseline of bench/targets.sh (issue 7): the same native-mode translate work
// as `mmusim run` (L1, STLB, walk, demand faults by the native OS, the same cycle counts), but
// written the way a first SystemC model would be: one SC_THREAD that reads the trace itself and
// calls wait() once per access for the access's cycles. Prints what it did as `key,value` lines;
// its `cycles` equals mmusim's native `cycles` on a one-vCPU trace (the work is the same).
//   naive_replay CONFIG TRACE
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <exception>
#include <iostream>
#include <systemc>
#include <vector>

#include "config/config.h"
#include "util/input_error.h"
#include "mmu/mmu.h"
#include "native/native_os.h"
#include "sysc/simulation.h"
#include "trace/reader.h"

namespace {

using namespace mmusim;

class NaiveCpu : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(NaiveCpu);
  NaiveCpu(const sc_core::sc_module_name& name, const SimConfig& c, std::unique_ptr<TraceReader> reader,
           sc_core::sc_time period)
      : sc_module(name), reader_(std::move(reader)), period_(period), mmu_(mmu_config(c)),
        frames_(c.host.mem_mb * 256, "host"), os_(frames_), fault_cycles_(c.cost.host_minor_fault_cycles) {
    SC_THREAD(run);
  }

  std::uint64_t accesses = 0;
  Cycles cycles = 0;
  std::exception_ptr error;

 private:
  void run() {
    try {
      replay();
    } catch (...) {
      error = std::current_exception();
    }
    sc_core::sc_stop();
  }

  void replay() {
    std::vector<TraceRecord> batch(4096);
    bool has_ctx = false;
    std::uint16_t vm = 0;
    std::uint32_t pid = 0, ctx = 0;
    while (const std::size_t n = reader_->read(batch.data(), batch.size())) {
      for (std::size_t i = 0; i < n; ++i) {
        const TraceRecord& r = batch[i];
        Cycles c = r.gap;
        if (!has_ctx || r.vm != vm || r.pid != pid) {  // a CR3 load: free in native mode
          has_ctx = true, vm = r.vm, pid = r.pid;
          ctx = os_.context(vm, pid);
          mmu_.load_cr3(ctx, os_.table(ctx).root());
        }
        const bool write = op_writes(r.op), fetch = r.op == Op::Fetch;
        const std::uint64_t first = r.gva >> kPageShift, last = (r.gva + (r.size ? r.size : 1) - 1) >> kPageShift;
        for (std::uint64_t vpn = first; vpn <= last; ++vpn) {
          for (;;) {
            const Translation t = mmu_.translate(Vpn{vpn}, write, fetch);
            c += t.cycles;
            if (t.ok) break;
            os_.handle_page_fault(ctx, Vpn{vpn});
            c += fault_cycles_;
          }
        }
        sc_core::wait(period_ * static_cast<double>(c));  // the naive part: one wait per access
        cycles += c;
        ++accesses;
      }
    }
  }

  std::unique_ptr<TraceReader> reader_;
  sc_core::sc_time period_;
  Mmu mmu_;
  FrameAllocator frames_;
  NativeOs os_;
  Cycles fault_cycles_;
};

}  // namespace

int sc_main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: naive_replay CONFIG TRACE\n";
    return 2;
  }
  try {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
    Config config;
    config.load_file(argv[1]);
    config.validate();
    const SimConfig& c = config.values();
    if (c.sim.mode != SimMode::Native) throw InputError(argv[1], 0, "sim.mode", "the naive baseline models native mode only");
    auto reader = open_trace(argv[2], TraceFormat::Auto);
    reader->set_limits(machine_limits(1, 1));
    const sc_core::sc_time period(std::round(1e6 / static_cast<double>(c.sim.cpu_mhz)), sc_core::SC_PS);
    const auto t0 = std::chrono::steady_clock::now();
    NaiveCpu cpu("cpu", c, std::move(reader), period);
    sc_core::sc_start();
    if (cpu.error) std::rethrow_exception(cpu.error);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "accesses," << cpu.accesses << "\ncycles," << cpu.cycles << "\nwall_seconds," << wall
              << "\naccesses_per_second," << std::fixed << (wall > 0 ? cpu.accesses / wall : 0) << '\n';
    return 0;
  } catch (const InputError& e) {
    std::cerr << "naive_replay: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "naive_replay: " << e.what() << '\n';
    return 1;
  }
}

// As mmusim's main: no SystemC banner on stdout.
int main(int argc, char* argv[]) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  return sc_core::sc_elab_and_sim(argc, argv);
}
