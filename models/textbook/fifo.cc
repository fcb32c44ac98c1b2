// FIFO: replace the page that has been in memory longest, whatever its use since. It can fault
// more with more frames (Belady's anomaly). Frames fill 0, 1, ... and every victim's frame takes
// the newest page, so the oldest page is always in the frame after the one loaded last: a cursor
// going round the frames is the FIFO queue.
#include "textbook/policies.h"

namespace mmusim {

namespace {

class Fifo final : public ReplacementPolicy {
 public:
  explicit Fifo(std::size_t frames) : ReplacementPolicy(frames) {}

 private:
  void on_hit(std::size_t) override {}
  void on_load(std::size_t frame, RefPage) override { oldest_ = (frame + 1) % frame_count(); }
  std::size_t victim() override { return oldest_; }

  std::size_t oldest_ = 0;
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_fifo_policy(std::size_t frames) { return std::make_unique<Fifo>(frames); }

}  // namespace mmusim
