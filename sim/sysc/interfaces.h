// The SystemC interfaces between modules. Calls through them are plain virtual calls: the hot
// path never waits; only the vCPU thread owns time.
#pragma once
#include <systemc>
#include <vector>

#include "mmu/mmu.h"
#include "trace/record.h"

namespace mmusim {

// A CPU's translation hardware (TLBs, page-walk cache, walker): exported by TlbModule.
// The vCPU finds the model through this interface once, at the start of simulation, and then
// calls it directly: the translation is a plain (inlined) call on the hot path.
struct TranslateIf : virtual sc_core::sc_interface {
  virtual Mmu& mmu_model() = 0;
};

// The memory system a vCPU runs on (native mode: the OS and its frames): exported by the
// memory module. Calls that change shared state are made only after the vCPU synchronised.
struct MemoryIf : virtual sc_core::sc_interface {
  // The context number of (vm, pid) and its active page table (created on first use).
  virtual std::uint32_t context(std::uint16_t vm, std::uint32_t pid) = 0;
  virtual PageTable* table(std::uint32_t ctx) = 0;
  // Handles the fault of a failed translation; returns its cost in cycles.
  virtual Cycles handle_fault(std::uint32_t ctx, Vpn vpn, const Translation& t) = 0;
};

// The trace, split per vCPU: exported by TraceSource.
struct TraceSourceIf : virtual sc_core::sc_interface {
  // Swaps the next records of `vcpu` into `out` (may wait for other vCPUs to drain their
  // queues); false at the end of the trace.
  virtual bool take(unsigned vcpu, std::vector<TraceRecord>& out) = 0;
};

}  // namespace mmusim
