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
  Cycles major_fault = 0;   // stalls for swap reads (host major faults)
  Cycles direct_reclaim = 0;  // reclaiming in the allocating context, waiting for swap writes included
  Cycles reclaim = 0;       // reclaim work itself (scanning, rmap walks, notifier calls): kswapd's time

  Cycles total() const {
    return vmexit + guest_fault + shadow_fault + pt_write + host_fault + ipi + major_fault + direct_reclaim + reclaim;
  }
  CauseCycles& operator+=(const CauseCycles& o) {
    vmexit += o.vmexit, guest_fault += o.guest_fault, shadow_fault += o.shadow_fault;
    pt_write += o.pt_write, host_fault += o.host_fault, ipi += o.ipi;
    major_fault += o.major_fault, direct_reclaim += o.direct_reclaim, reclaim += o.reclaim;
    return *this;
  }
};

}  // namespace mmusim
