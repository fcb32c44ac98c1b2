// CLOCK (Corbato 1968; Stallings ch. 8): the frames form a circle with a hand and a use bit per
// frame. Loading a page sets its use bit and moves the hand to the frame after it; a hit sets the
// use bit and leaves the hand alone. A fault with every frame full sweeps from the hand: a frame
// whose use bit is set loses it and the hand moves on; the first frame found clear is replaced.
// If every bit is set the hand clears them all and replaces the page it started at (FIFO).
// Second-chance (second_chance.cc) is the same algorithm on a FIFO queue: why both give the same
// faults and the same table is said there.
#include "textbook/policies.h"

namespace mmusim {

namespace {

class Clock final : public ReplacementPolicy {
 public:
  explicit Clock(std::size_t frames) : ReplacementPolicy(frames), use_(frames, false) {}

 private:
  void on_hit(std::size_t frame) override { use_[frame] = true; }
  void on_load(std::size_t frame, RefPage) override {
    use_[frame] = true;
    hand_ = (frame + 1) % frame_count();
  }
  std::size_t victim() override {
    while (use_[hand_]) {
      use_[hand_] = false;
      hand_ = (hand_ + 1) % frame_count();
    }
    return hand_;
  }
  std::vector<bool> use_bits() const override { return use_; }
  std::optional<std::size_t> hand() const override { return hand_; }

  std::vector<bool> use_;
  std::size_t hand_ = 0;
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_clock_policy(std::size_t frames) { return std::make_unique<Clock>(frames); }

}  // namespace mmusim
