// Where a vCPU's cycles outside the TLBs and walks go: cycles by cause, summed exactly.
#pragma once
#include "common/addr.h"

namespace mmusim {

struct CauseCycles {
  Cycles vmexit = 0;        // VM exits and entries (shadow page faults, PT-write traps, CR3 loads, IPIs)
  Cycles guest_fault = 0;   // the guest OS handling its own page faults
  Cycles shadow_fault = 0;  // KVM handling shadow page faults (guest walk, spte install)
  Cycles pt_write = 0;      // KVM emulating trapped guest page-table writes
  Cycles host_fault = 0;    // host page faults (native mode: the OS's page faults)
  Cycles ipi = 0;           // sending remote TLB-flush IPIs

  Cycles total() const { return vmexit + guest_fault + shadow_fault + pt_write + host_fault + ipi; }
  CauseCycles& operator+=(const CauseCycles& o) {
    vmexit += o.vmexit, guest_fault += o.guest_fault, shadow_fault += o.shadow_fault;
    pt_write += o.pt_write, host_fault += o.host_fault, ipi += o.ipi;
    return *this;
  }
};

}  // namespace mmusim
