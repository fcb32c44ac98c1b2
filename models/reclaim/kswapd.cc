#include "reclaim/kswapd.h"

namespace mmusim {

Kswapd::Action Kswapd::next(Cycles now) {
  for (;;) {
    switch (state_) {
      case State::Asleep:
        return Action{};
      case State::Balance:
        host_.complete_writeback(now);
        if (host_.free_pages() > host_.high_pages()) {
          state_ = State::Asleep;
          return Action{};
        }
        reclaimer_.kswapd_begin();
        state_ = State::InPass;
        break;
      case State::InPass: {
        // The whole pass at `now`; its work is then spent before kswapd looks again.
        Cycles work = 0;
        for (Reclaimer::Batch b; !b.pass_done;) {
          b = reclaimer_.kswapd_batch(now);
          work += b.cycles;
          progress_ = b.progress;
        }
        stats_.cycles += work;
        state_ = State::AfterPass;
        if (work) return Action{Action::Kind::Busy, now + work};
        break;
      }
      case State::AfterPass: {
        state_ = State::Balance;
        if (progress_) break;
        if (!host_.writeback_pages()) {  // nothing reclaimable: allocations reclaim directly or fail
          state_ = State::Asleep;
          return Action{};
        }
        const Cycles done = host_.next_writeback_completion();
        if (done > now) return Action{Action::Kind::Wait, done};
        break;
      }
    }
  }
}

}  // namespace mmusim
