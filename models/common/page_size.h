// The size of a page a translation maps, as the log2 of its bytes (gem5's TlbEntry::logBytes):
// 4 KiB today; 2 MiB and 1 GiB pages are the next sizes (a leaf at level 2 or 3).
#pragma once
#include <cstdint>

namespace mmusim {

enum class PageSize : std::uint8_t { k4K = 12, k2M = 21, k1G = 30 };

constexpr unsigned log_bytes(PageSize s) { return static_cast<unsigned>(s); }
constexpr std::uint64_t bytes(PageSize s) { return std::uint64_t{1} << log_bytes(s); }
// 4 KiB frames a page of size `s` spans.
constexpr std::uint64_t frames(PageSize s) { return bytes(s) >> 12; }

}  // namespace mmusim
