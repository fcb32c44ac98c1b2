// Private to sim/trace: hex digit values by character, 16 for a non-hex character.
#pragma once

namespace mmusim {
namespace trace_detail {

struct HexTable {
  unsigned char v[256];
  constexpr HexTable() : v() {
    for (int i = 0; i < 256; ++i) v[i] = 16;
    for (int i = 0; i < 10; ++i) v['0' + i] = static_cast<unsigned char>(i);
    for (int i = 0; i < 6; ++i) {
      v['a' + i] = static_cast<unsigned char>(10 + i);
      v['A' + i] = static_cast<unsigned char>(10 + i);
    }
  }
  unsigned operator[](char c) const { return v[static_cast<unsigned char>(c)]; }
};
inline constexpr HexTable kHex;

}  // namespace trace_detail
}  // namespace mmusim
