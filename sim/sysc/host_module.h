// The host as sc_modules: its memory (frames, struct page flags, the VMs' host page tables with
// young/dirty bits) and its reclaim engine, whose kswapd thread sleeps until woken.
#pragma once
#include <systemc>

#include "host/host_memory.h"

namespace mmusim {

// Exported by HostModule: the host memory model, called directly on the fault path.
struct HostIf : virtual sc_core::sc_interface {
  virtual HostMemory& host_model() = 0;
};

class HostModule : public sc_core::sc_module, public HostIf {
 public:
  sc_core::sc_export<HostIf> host_export;

  HostModule(const sc_core::sc_module_name& name, std::uint64_t frames) : sc_module(name), host_(frames) {
    host_export.bind(*this);
  }
  HostMemory& host_model() override { return host_; }

 private:
  HostMemory host_;
};

// The reclaim engine: kswapd on its own host CPU. It starts at time 0 and sleeps on its event;
// what it does when woken (shrinking the LRU, swapping) arrives with host memory pressure.
class ReclaimModule : public sc_core::sc_module {
 public:
  sc_core::sc_port<HostIf> host;

  SC_HAS_PROCESS(ReclaimModule);
  explicit ReclaimModule(const sc_core::sc_module_name& name) : sc_module(name) { SC_THREAD(kswapd); }

  void wakeup_kswapd() { wake_.notify(sc_core::SC_ZERO_TIME); }
  std::uint64_t wakeups() const { return wakeups_; }

 private:
  void kswapd() {
    for (;;) {
      sc_core::wait(wake_);
      ++wakeups_;
    }
  }
  sc_core::sc_event wake_;
  std::uint64_t wakeups_ = 0;
};

}  // namespace mmusim
