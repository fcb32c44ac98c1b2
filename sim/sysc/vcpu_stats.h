// A vCPU's figures: where its busy cycles went. Plain C++ (no SystemC), so that the column
// registry can list them without a design.
#pragma once
#include <cstdint>

#include "common/counters.h"
#include "common/cycle_causes.h"

namespace mmusim {

struct VcpuStats {
  std::uint64_t accesses = 0;          // trace records replayed
  std::uint64_t context_switches = 0;  // CR3 loads after the first, on a change of (vm, pid)
  Cycles cycles = 0;                   // busy cycles: gap + translation + causes
  Cycles gap_cycles = 0;               // non-memory work given by the trace
  CauseCycles causes;                  // cycles outside the TLBs and walks, by cause

  // Sums over many vCPUs saturate at 2^64 - 1 instead of wrapping (vcpu.cc).
  VcpuStats& operator+=(const VcpuStats& o);

  // Its summary.csv figures (summed over vCPUs).
  static const CounterTable<VcpuStats>& counters();
};

inline const CounterTable<VcpuStats>& VcpuStats::counters() {
  using K = CounterKind;
  using S = VcpuStats;
  static const CounterTable<S> t = {
      {{"accesses", "records", K::Count, "trace records replayed"}, [](const S& s) { return s.accesses; }},
      {{"context_switches", "switches", K::Count, "CR3 loads on a change of (vm, pid), after each vCPU's first"},
       [](const S& s) { return s.context_switches; }},
      {{"direct_reclaim_cycles", "cycles", K::Count,
        "vCPU time those allocations spent reclaiming (waits for swap writes included)"},
       [](const S& s) { return s.causes.direct_reclaim; }},
      {{"major_fault_cycles", "cycles", K::Count, "vCPU time stalled in host major faults, waiting for swap reads"},
       [](const S& s) { return s.causes.major_fault; }},
      {{"vcpu_cycles", "cycles", K::Count,
        "busy cycles summed over vCPUs: gap + tlb + walk + dirty_assist + vmexit + guest_fault + shadow_fault + "
        "pt_write + host_fault + ipi + major_fault + direct_reclaim cycles"},
       [](const S& s) { return s.cycles; }},
      {{"gap_cycles", "cycles", K::Count, "non-memory work given by the trace's gap column"},
       [](const S& s) { return s.gap_cycles; }},
      {{"vmexit_cycles", "cycles", K::Count, "VM exits and entries"}, [](const S& s) { return s.causes.vmexit; }},
      {{"guest_fault_cycles", "cycles", K::Count, "guest OS page-fault handling"},
       [](const S& s) { return s.causes.guest_fault; }},
      {{"shadow_fault_cycles", "cycles", K::Count, "KVM shadow page-fault handling"},
       [](const S& s) { return s.causes.shadow_fault; }},
      {{"pt_write_cycles", "cycles", K::Count, "KVM emulating trapped guest page-table writes"},
       [](const S& s) { return s.causes.pt_write; }},
      {{"host_fault_cycles", "cycles", K::Count, "host page faults (native mode: the OS's page faults)"},
       [](const S& s) { return s.causes.host_fault; }},
      {{"ipi_cycles", "cycles", K::Count, "sending remote TLB-flush IPIs"}, [](const S& s) { return s.causes.ipi; }},
  };
  return t;
}

}  // namespace mmusim
