#include "sysc/host_module.h"

namespace mmusim {

ReclaimModule::ReclaimModule(const sc_core::sc_module_name& name, MakeReclaimer make, bool timed_batches, sc_core::sc_time period)
    : sc_module(name), make_(std::move(make)), timed_batches_(timed_batches), period_(period) {
  SC_THREAD(kswapd);
}

void ReclaimModule::end_of_elaboration() {
  reclaimer_ = make_(host->host_model());
  kswapd_ = std::make_unique<Kswapd>(host->host_model(), *reclaimer_, timed_batches_);
  host->host_model().set_reclaim(this);
}

bool ReclaimModule::wakeup_kswapd() {
  if (running_ || wake_pending_) return false;
  wake_pending_ = true;
  wake_.notify(sc_core::SC_ZERO_TIME);
  return true;
}

// kswapd's thread: sleeps until woken, then does what Kswapd says, spending simulated time on its
// work and on its waits for swap writes, until Kswapd sleeps again.
void ReclaimModule::kswapd() {
  HostMemory& h = host->host_model();
  for (;;) {
    if (!wake_pending_) sc_core::wait(wake_);
    wake_pending_ = false;
    running_ = true;
    kswapd_->wake();
    const Cycles busy_before = kswapd_->stats().cycles;
    if (explain_) {
      explain_->set_actor(Explainer::kKswapd);
      if (explaining(explain_)) explain_->emit(Event(EventKind::kswapd_wake).num("free", h.free_pages()).num("high", h.high_pages()));
    }
    for (Kswapd::Action a = kswapd_->next(now()); a.kind != Kswapd::Action::Kind::Sleep; a = kswapd_->next(now())) {
      sc_core::wait(sc_core::sc_time::from_value(period_.value() * (a.until - now())));
      if (explain_) explain_->set_actor(Explainer::kKswapd);
    }
    running_ = false;
    if (explaining(explain_))
      explain_->emit(Event(EventKind::kswapd_sleep).num("free", h.free_pages()).num("cycles", kswapd_->stats().cycles - busy_before));
  }
}

}  // namespace mmusim
