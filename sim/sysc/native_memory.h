// Native mode's memory system as an sc_module: the machine's frames and the OS that demand-pages
// them. Shared by every vCPU.
#pragma once
#include <systemc>

#include "native/native_os.h"
#include "sysc/interfaces.h"

namespace mmusim {

class NativeMemory : public sc_core::sc_module, public MemoryIf {
 public:
  sc_core::sc_export<MemoryIf> memory_export;

  NativeMemory(const sc_core::sc_module_name& name, std::uint64_t frames, Cycles fault_cycles)
      : sc_module(name), frames_(frames, "host"), os_(frames_), fault_cycles_(fault_cycles) {
    memory_export.bind(*this);
  }

  std::uint32_t context(std::uint16_t vm, std::uint32_t pid) override { return os_.context(vm, pid); }
  PageTable* table(std::uint32_t ctx) override { return &os_.table(ctx); }
  Cycles handle_fault(std::uint32_t ctx, Vpn vpn, const Translation& t) override;

  const NativeOs& os() const { return os_; }
  const FrameAllocator& frames() const { return frames_; }
  Cycles fault_cycles_total() const { return fault_cycles_total_; }

 private:
  FrameAllocator frames_;
  NativeOs os_;
  Cycles fault_cycles_;
  Cycles fault_cycles_total_ = 0;
};

}  // namespace mmusim
