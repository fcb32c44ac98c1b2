// Page replacement as OS textbooks teach it (Silberschatz, "Operating System Concepts", ch. 10;
// Tanenbaum, "Modern Operating Systems", ch. 3; Stallings, "Operating Systems", ch. 8): a fixed
// number of frames, a reference string of page numbers, pure demand paging. Every policy fills
// the lowest-numbered empty frame first; once the frames are full a fault replaces the victim the
// policy picks, in that victim's frame. The step-by-step frame table of `mmusim textbook` is the
// list of FrameSteps a policy returns.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace mmusim {

using RefPage = std::uint64_t;

// The frames after one reference.
struct FrameStep {
  RefPage page = 0;
  bool fault = false;
  std::optional<RefPage> evicted;            // the page the fault replaced, if any
  std::vector<std::optional<RefPage>> frames;  // frame i's page, empty if the frame is free
  std::vector<bool> use;                     // use (reference) bits; empty if the policy has none
  std::optional<std::size_t> hand;           // the frame the clock hand (or queue head) points at
};

class ReplacementPolicy {
 public:
  explicit ReplacementPolicy(std::size_t frames);
  virtual ~ReplacementPolicy() = default;
  // One reference: a hit or a fault (which may replace a page).
  FrameStep reference(RefPage page);
  std::size_t frame_count() const { return frames_.size(); }

 protected:
  // Called on a hit to the page in `frame`.
  virtual void on_hit(std::size_t frame) = 0;
  // Called when the page of reference `page` was loaded into `frame` (empty or just emptied).
  virtual void on_load(std::size_t frame, RefPage page) = 0;
  // The frame whose page a fault replaces; called only when every frame is full.
  virtual std::size_t victim() = 0;
  // Use bits and hand for the table; policies without them keep the defaults.
  virtual std::vector<bool> use_bits() const { return {}; }
  virtual std::optional<std::size_t> hand() const { return std::nullopt; }

  const std::vector<std::optional<RefPage>>& frames() const { return frames_; }

 private:
  std::vector<std::optional<RefPage>> frames_;
  std::unordered_map<RefPage, std::size_t> where_;  // resident page -> its frame
  std::size_t used_ = 0;                            // frames filled so far (filled in order 0, 1, ...)
};

// The policies `mmusim textbook` knows, in the order it lists them.
const std::vector<std::string>& replacement_policy_names();
// A policy by name (one of replacement_policy_names()); OPT reads the whole string `refs` (it needs
// the future), the others ignore it. Throws std::invalid_argument for an unknown name or 0 frames.
std::unique_ptr<ReplacementPolicy> make_replacement_policy(const std::string& name, std::size_t frames,
                                                           const std::vector<RefPage>& refs);
// Every step of `policy` on `refs`.
std::vector<FrameStep> run_replacement(ReplacementPolicy& policy, const std::vector<RefPage>& refs);

}  // namespace mmusim
