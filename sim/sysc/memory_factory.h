// The one factory of memory systems: what a sim.mode puts behind the vCPUs' MemoryIf.
#pragma once
#include <memory>
#include <systemc>

#include "config/config.h"
#include "sysc/host_module.h"
#include "sysc/interfaces.h"

namespace mmusim {

struct MemoryParts {
  std::unique_ptr<MemorySystem> memory;      // what the vCPUs call
  std::unique_ptr<HostModule> host;          // modes with a host under guests (shadow)
  std::unique_ptr<ReclaimModule> reclaim;    // and its reclaim
};

// The memory system of cfg.sim.mode; `period` is one cycle in SystemC time.
MemoryParts make_memory_system(const SimConfig& cfg, sc_core::sc_time period);

}  // namespace mmusim
