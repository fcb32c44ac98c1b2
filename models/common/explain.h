// Explain mode (`mmusim explain`): the models tell, in words, what they do as they do it. Each
// model holds an `ExplainSink*` that is nullptr in normal runs; on its slow paths it checks
// explaining(sink) and then reports its steps. The fast path (an L1 TLB hit) reports nothing.
//
// A line is one event of one actor (a vCPU's trace record, a page kswapd looks at): open() starts
// it, step() adds a fact to it, close() ends it. Lines nest: a line opened while another of the
// same actor is open (direct reclaim during a fault) belongs to that one and is printed under it.
// Which actor is acting is set by whoever owns the thread (the vCPU, kswapd) after each wait.
#pragma once
#include <cstdint>
#include <string>

namespace mmusim {

class ExplainSink {
 public:
  virtual ~ExplainSink() = default;
  // False while the current actor's event lies outside the window being explained: the models
  // then skip formatting altogether.
  virtual bool active() const = 0;
  virtual void step(const std::string& fact) = 0;
  virtual void open(const std::string& head) = 0;
  virtual void close() = 0;
};

inline bool explaining(const ExplainSink* s) { return s && s->active(); }

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
