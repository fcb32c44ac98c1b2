// Belady's OPT (MIN): replace the page whose next reference is furthest in the future; the fewest
// faults any policy can have with that many frames (the floor). It reads the whole reference
// string. Tie-break: next uses of different pages are at different positions, so the only tie is
// between pages never referenced again; among those the page in the lowest-numbered frame goes.
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "textbook/policies.h"

namespace mmusim {

namespace {

constexpr std::size_t kNever = std::numeric_limits<std::size_t>::max();  // later than any reference

class Opt final : public ReplacementPolicy {
 public:
  Opt(std::size_t frames, const std::vector<RefPage>& refs)
      : ReplacementPolicy(frames), refs_(refs), next_(refs.size()), frame_next_(frames, kNever) {
    std::unordered_map<RefPage, std::size_t> upcoming;  // page -> its first reference after i
    for (std::size_t i = refs.size(); i-- > 0;) {
      const auto it = upcoming.find(refs[i]);
      next_[i] = it == upcoming.end() ? kNever : it->second;
      upcoming[refs[i]] = i;
    }
  }

 private:
  void on_hit(std::size_t frame) override { advance(frame, frames()[frame]); }
  void on_load(std::size_t frame, RefPage page) override { advance(frame, page); }
  std::size_t victim() override {
    std::size_t v = 0;
    for (std::size_t f = 1; f < frame_count(); ++f)
      if (frame_next_[f] > frame_next_[v]) v = f;  // strictly later: the lowest frame wins a tie
    return v;
  }

  // The reference now_ went to `frame`: its page is next used at next_[now_].
  void advance(std::size_t frame, const std::optional<RefPage>& page) {
    if (now_ >= refs_.size() || !page || refs_[now_] != *page)
      throw std::logic_error("opt: references must follow the string it was given");
    frame_next_[frame] = next_[now_++];
  }

  std::vector<RefPage> refs_;
  std::vector<std::size_t> next_;        // next_[i]: the next reference to refs_[i] after i, or kNever
  std::vector<std::size_t> frame_next_;  // the next reference to each frame's page
  std::size_t now_ = 0;                  // index of the reference being handled
};

}  // namespace

std::unique_ptr<ReplacementPolicy> make_opt_policy(std::size_t frames, const std::vector<RefPage>& refs) {
  return std::make_unique<Opt>(frames, refs);
}

}  // namespace mmusim
