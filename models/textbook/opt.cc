// Belady's OPT (MIN): replace the page whose next reference is furthest in the future; the fewest
// faults any policy can have with that many frames (the floor). It reads the whole reference
// string. Tie-break: next uses of different pages are at different positions, so the only tie is
// between pages never referenced again; among those the page in the lowest-numbered frame goes.
#include <limits>
#include <stdexcept>

#include "textbook/policies.h"

namespace mmusim {

namespace {

class Opt final : public ReplacementPolicy {
 public:
  Opt(std::size_t frames, const std::vector<RefPage>& refs) : ReplacementPolicy(frames), refs_(refs) {}

 private:
  void on_hit(std::size_t frame) override { advance(frames()[frame]); }
  void on_load(std::size_t, RefPage page) override { advance(page); }
  std::size_t victim() override {
    // The reference being handled is refs_[now_]; look from the one after it.
    std::size_t v = 0, v_next = 0;
    for (std::size_t f = 0; f < frame_count(); ++f) {
      const std::size_t n = next_use(*frames()[f], now_ + 1);
      if (f == 0 || n > v_next) v = f, v_next = n;  // strictly later: the lowest frame wins a tie
    }
    return v;
  }

  // The index of the next reference to `page` at or after `from`; "never" is larger than any index.
  std::size_t next_use(RefPage page, std::size_t from) const {
    for (std::size_t i = from; i < refs_.size(); ++i)
      if (refs_[i] == page) return i;
    return std::numeric_limits<std::size_t>::max();
  }
  // Moves on to the next reference, checking that it was the one the string says.
  void advance(const std::optional<RefPage>& page) {
    if (now_ >= refs_.size() || !page || refs_[now_] != *page)
      throw std::logic_error("opt: references must follow the string it was given");
    ++now_;
  }

  std::vector<RefPage> refs_;
  std::size_t now_ = 0;  // index of the reference being handled
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_opt_policy(std::size_t frames, const std::vector<RefPage>& refs) {
  return std::make_unique<Opt>(frames, refs);
}

}  // namespace mmusim
