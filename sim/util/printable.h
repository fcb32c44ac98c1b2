// A piece of a user's file (trace line, config line) as it may appear in an error message. Bytes that
// are not printable ASCII (binary garbage, control characters, a stray '\r') are shown as \xNN,
// so that a message is always one readable line; text longer than `max` bytes ends in "...".
#pragma once
#include <cstddef>
#include <string>

namespace mmusim {

inline std::string printable(const char* s, std::size_t n, std::size_t max = 40) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n && i < max; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kDigits[c >> 4];
      out += kDigits[c & 15];
    }
  }
  if (n > max) out += "...";
  return out;
}

inline std::string printable(const std::string& s, std::size_t max = 40) { return printable(s.data(), s.size(), max); }

}  // namespace mmusim
