// Native mode's memory system as an sc_module: the machine's frames and the OS that demand-pages
// them. Shared by every vCPU.
#pragma once
#include <systemc>

#include "native/native_os.h"
#include "sysc/interfaces.h"

namespace mmusim {

class NativeMemory : public sc_core::sc_module, public MemorySystem {
 public:
  sc_core::sc_export<MemoryIf> memory_export;

  NativeMemory(const sc_core::sc_module_name& name, std::uint64_t frames, Cycles fault_cycles, bool thp = false,
               HugetlbRange hugetlb_1g = {})
      : sc_module(name), frames_(frames, "host"), os_(frames_, thp), fault_cycles_(fault_cycles) {
    os_.set_hugetlb_1g(hugetlb_1g);
    memory_export.bind(*this);
  }

  void attach_cpu(unsigned, Mmu*, PendingWork*) override {}
  Cr3Load switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) override;
  CauseCycles handle_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) override;
  CauseCycles finish_fault(unsigned) override { return {}; }  // native faults never sleep
  void detach_cpu(unsigned) override {}

  sc_core::sc_export<MemoryIf>& memory_port() override { return memory_export; }
  void fill_summary(RunSummary& s) const override;
  std::vector<std::string> check(const Mmu& mmu) const override;
  void set_explain(EventSink* sink) override { os_.set_explain(sink); }

 private:
  FrameAllocator frames_;
  NativeOs os_;
  Cycles fault_cycles_;
  std::vector<std::uint32_t> ctx_of_cpu_;
};

}  // namespace mmusim
