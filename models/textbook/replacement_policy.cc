#include "textbook/replacement_policy.h"

#include <stdexcept>

#include "textbook/policies.h"

namespace mmusim {

ReplacementPolicy::ReplacementPolicy(std::size_t frames) : frames_(frames) {
  if (frames == 0) throw std::invalid_argument("page replacement needs at least one frame");
}

FrameStep ReplacementPolicy::reference(RefPage page) {
  FrameStep s;
  s.page = page;
  const auto it = where_.find(page);
  if (it != where_.end()) {
    on_hit(it->second);
  } else {
    s.fault = true;
    std::size_t frame = used_;
    if (used_ < frames_.size()) {
      ++used_;
    } else {
      frame = victim();
      s.evicted = frames_[frame];
      where_.erase(*s.evicted);
    }
    frames_[frame] = page;
    where_[page] = frame;
    on_load(frame, page);
  }
  s.frames = frames_;
  s.use = use_bits();
  s.hand = hand();
  return s;
}

const std::vector<std::string>& replacement_policy_names() {
  static const std::vector<std::string> names = {"fifo", "lru", "opt", "clock", "second-chance"};
  return names;
}

std::unique_ptr<ReplacementPolicy> make_replacement_policy(const std::string& name, std::size_t frames,
                                                           const std::vector<RefPage>& refs) {
  if (name == "fifo") return make_fifo_policy(frames);
  if (name == "lru") return make_lru_policy(frames);
  if (name == "opt") return make_opt_policy(frames, refs);
  if (name == "clock") return make_clock_policy(frames);
  if (name == "second-chance") return make_second_chance_policy(frames);
  throw std::invalid_argument("unknown replacement policy '" + name + "'");
}

std::vector<FrameStep> run_replacement(ReplacementPolicy& policy, const std::vector<RefPage>& refs) {
  std::vector<FrameStep> steps;
  steps.reserve(refs.size());
  for (RefPage p : refs) steps.push_back(policy.reference(p));
  return steps;
}

}  // namespace mmusim
