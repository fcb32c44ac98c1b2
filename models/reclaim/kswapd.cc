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
        // Timed: one batch, its work spent before the next. Else the pass at `now` up to its end
        // (or a congestion_wait), its work then spent.
        Cycles work = 0;
        Reclaimer::Batch b;
        do {
          b = reclaimer_.kswapd_batch(now);
          work += b.cycles;
          progress_ = b.progress;
          if (b.cycles) ++stats_.batches;
        } while (!timed_ && !b.pass_done && !b.congestion_wait);
        stats_.cycles += work;
        if (b.congestion_wait) {
          state_ = State::Congested;
          pass_done_ = b.pass_done;
        } else if (b.pass_done) {
          state_ = State::AfterPass;
        }
        if (work) return Action{Action::Kind::Busy, now + work};
        break;
      }
      case State::Congested:
        state_ = pass_done_ ? State::AfterPass : State::InPass;
        return Action{Action::Kind::Wait, reclaimer_.congestion_wait(now)};
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
