#include "sysc/native_memory.h"

#include <stdexcept>

namespace mmusim {

Cycles NativeMemory::handle_fault(std::uint32_t ctx, Vpn vpn, const Translation& t) {
  // Native pages are mapped P|W|U without NX, so only not-present faults exist.
  if (t.fault != WalkStatus::NotPresent) throw std::logic_error("native mode: unexpected protection fault");
  os_.handle_page_fault(ctx, vpn);
  fault_cycles_total_ += fault_cycles_;
  return fault_cycles_;
}

}  // namespace mmusim
