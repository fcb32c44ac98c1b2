// An x86-64 page-table entry (Intel SDM vol. 3A, 4.5): the bits mmusim models.
#pragma once
#include <cstdint>

namespace mmusim {

namespace pte_bits {
constexpr std::uint64_t P = 1ull << 0;    // present
constexpr std::uint64_t W = 1ull << 1;    // writable
constexpr std::uint64_t U = 1ull << 2;    // user
constexpr std::uint64_t A = 1ull << 5;    // accessed: set by the walker on every entry it uses
constexpr std::uint64_t D = 1ull << 6;    // dirty: set on the leaf by a write
constexpr std::uint64_t PS = 1ull << 7;   // page size: a level-2 (2 MiB) or level-3 (1 GiB) entry that maps a page
constexpr std::uint64_t NX = 1ull << 63;  // no execute
constexpr std::uint64_t kFrameMask = 0x000ffffffffff000ull;  // bits 51:12
}  // namespace pte_bits

struct Pte {
  std::uint64_t raw = 0;

  bool present() const { return raw & pte_bits::P; }
  bool writable() const { return raw & pte_bits::W; }
  bool user() const { return raw & pte_bits::U; }
  bool accessed() const { return raw & pte_bits::A; }
  bool dirty() const { return raw & pte_bits::D; }
  bool nx() const { return raw & pte_bits::NX; }
  bool large() const { return raw & pte_bits::PS; }
  std::uint64_t frame() const { return (raw & pte_bits::kFrameMask) >> 12; }

  static Pte make(std::uint64_t frame, std::uint64_t flags) {
    return Pte{((frame << 12) & pte_bits::kFrameMask) | flags | pte_bits::P};
  }
};

}  // namespace mmusim
