// Exact LRU: replace the page whose last reference is the oldest (a timestamp per frame, as in
// Silberschatz's "counter" implementation). A stack algorithm: never faults more with more frames.
#include "textbook/policies.h"

namespace mmusim {

namespace {

class Lru final : public ReplacementPolicy {
 public:
  explicit Lru(std::size_t frames) : ReplacementPolicy(frames), last_use_(frames, 0) {}

 private:
  void on_hit(std::size_t frame) override { last_use_[frame] = ++clock_; }
  void on_load(std::size_t frame, RefPage) override { last_use_[frame] = ++clock_; }
  std::size_t victim() override {
    std::size_t v = 0;
    for (std::size_t f = 1; f < last_use_.size(); ++f)
      if (last_use_[f] < last_use_[v]) v = f;
    return v;
  }

  std::vector<std::uint64_t> last_use_;  // time of the frame's last reference (times are distinct)
  std::uint64_t clock_ = 0;
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_lru_policy(std::size_t frames) { return std::make_unique<Lru>(frames); }

}  // namespace mmusim
