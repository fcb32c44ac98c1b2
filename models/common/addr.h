// Strong address and frame-number types, so that a guest-virtual address can never be passed
// where a host-physical one is expected. All are 64-bit values; page numbers are address >> 12.
#pragma once
#include <cstdint>
#include <functional>

namespace mmusim {

using Cycles = std::uint64_t;  // CPU cycles of the simulated machine

constexpr unsigned kPageShift = 12;
constexpr std::uint64_t kPageSize = std::uint64_t{1} << kPageShift;  // 4 KiB

template <class Tag>
struct Strong {
  std::uint64_t v = 0;
  constexpr Strong() = default;
  constexpr explicit Strong(std::uint64_t x) : v(x) {}
  friend constexpr bool operator==(Strong a, Strong b) { return a.v == b.v; }
  friend constexpr bool operator!=(Strong a, Strong b) { return a.v != b.v; }
  friend constexpr bool operator<(Strong a, Strong b) { return a.v < b.v; }
};

struct GvaTag {};  // guest virtual address (native mode: the process's virtual address)
struct GpaTag {};  // guest physical address
struct HvaTag {};  // host virtual address (of the VM's host process)
struct HpaTag {};  // host physical address
struct VpnTag {};  // virtual page number (gva >> 12)
struct GfnTag {};  // guest frame number (gpa >> 12)
struct PfnTag {};  // host frame number (hpa >> 12)

using Gva = Strong<GvaTag>;
using Gpa = Strong<GpaTag>;
using Hva = Strong<HvaTag>;
using Hpa = Strong<HpaTag>;
using Vpn = Strong<VpnTag>;
using Gfn = Strong<GfnTag>;
using Pfn = Strong<PfnTag>;



}  // namespace mmusim

template <class Tag>
struct std::hash<mmusim::Strong<Tag>> {
  std::size_t operator()(mmusim::Strong<Tag> s) const noexcept { return std::hash<std::uint64_t>{}(s.v); }
};
