// One memory access of a replayed trace, whatever the file format.
#pragma once
#include <cstdint>

namespace mmusim {

// docs/architecture.md, "Semantics" 2: R read, W write, X instruction fetch, M modify (one translation with write intent).
enum class Op : std::uint8_t { Read = 0, Write = 1, Fetch = 2, Modify = 3 };

inline char op_char(Op op) { return "RWXM"[static_cast<int>(op)]; }
inline bool op_writes(Op op) { return op == Op::Write || op == Op::Modify; }

// The vm of a record of a process of the host itself (CSV: `host`; .mtr: 255): it runs natively on
// a host CPU (its vcpu numbers the host CPU), on the host's page tables, beside the VMs.
constexpr std::uint16_t kHostVm = 255;

struct TraceRecord {
  std::uint64_t gva = 0;   // virtual address of the first byte
  std::uint64_t gap = 0;   // cycles of non-memory work on this vCPU before the access
  std::uint32_t pid = 0;   // process (guest process in shadow mode)
  std::uint32_t size = 1;  // bytes; every 4 KiB page of [gva, gva+size) is translated; 0 counts as 1
  std::uint16_t vm = 0;    // virtual machine (native mode: a separate address-space namespace)
  std::uint16_t vcpu = 0;  // virtual CPU within the VM
  Op op = Op::Read;
};

}  // namespace mmusim
