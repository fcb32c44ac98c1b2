// Explain mode (`mmusim explain`): the models emit events (common/event.h) to an `EventSink*`
// that is nullptr in normal runs; sim/explain/ turns them into sentences, JSON lines or a replay.
// The helpers below write numbers as the sentences show them.
#pragma once
#include <cstdint>
#include <string>

#include "common/event.h"

namespace mmusim {

// "0x1a2b"
inline std::string to_hex(std::uint64_t v) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 15]);
    v >>= 4;
  } while (v);
  return "0x" + s;
}

// "2,731"
inline std::string grouped(std::uint64_t v) {
  std::string s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace mmusim
