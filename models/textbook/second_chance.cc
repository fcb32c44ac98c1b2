// Second chance (Silberschatz 10.4.5.2): FIFO with a reference bit per page. Loading a page puts
// it at the tail of the queue with its bit set; a hit sets the bit. A fault with every frame full
// looks at the head: a page with its bit set loses it and goes to the tail as if just loaded (its
// second chance); the first page found with the bit clear is replaced, and the new page takes its
// frame and goes to the tail.
//
// Why it faults exactly as CLOCK (clock.cc): frames fill in order 0, 1, ..., so the queue starts
// as the frames in circular order from frame 0, where the hand starts. Moving the head to the tail
// keeps the queue in circular frame order and makes the next frame its head, which is what moving
// the hand does; replacing the head and queueing the new page at the tail does the same, as the
// hand stops after the frame it loaded. So the queue is always the circle read from the hand, and
// both pick the same victim at every fault: the same faults and the same table (tested). They are
// the same algorithm on two data structures; CLOCK only avoids moving pages between list ends.
#include <deque>

#include "textbook/policies.h"

namespace mmusim {

namespace {

class SecondChance final : public ReplacementPolicy {
 public:
  explicit SecondChance(std::size_t frames) : ReplacementPolicy(frames), referenced_(frames, false) {}

 private:
  void on_hit(std::size_t frame) override { referenced_[frame] = true; }
  void on_load(std::size_t frame, RefPage) override {
    referenced_[frame] = true;
    queue_.push_back(frame);
  }
  std::size_t victim() override {
    while (referenced_[queue_.front()]) {
      referenced_[queue_.front()] = false;
      queue_.push_back(queue_.front());
      queue_.pop_front();
    }
    const std::size_t v = queue_.front();
    queue_.pop_front();
    return v;
  }
  std::vector<bool> use_bits() const override { return referenced_; }
  // The frame of the oldest page (the head of the queue) once the frames are full; before, the
  // next free frame (where clock's hand is then).
  std::optional<std::size_t> hand() const override {
    return queue_.size() == frame_count() ? queue_.front() : queue_.size();
  }

  std::vector<bool> referenced_;   // per frame
  std::deque<std::size_t> queue_;  // frames, oldest page first
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_second_chance_policy(std::size_t frames) {
  return std::make_unique<SecondChance>(frames);
}

}  // namespace mmusim
