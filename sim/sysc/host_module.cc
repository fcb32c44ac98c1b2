#include "sysc/host_module.h"

namespace mmusim {

ReclaimModule::ReclaimModule(const sc_core::sc_module_name& name, const VmscanConfig& cfg, sc_core::sc_time period)
    : sc_module(name), cfg_(cfg), period_(period) {
  SC_THREAD(kswapd);
}

void ReclaimModule::end_of_elaboration() {
  vmscan_ = std::make_unique<Vmscan>(host->host_model(), cfg_);
  host->host_model().set_reclaim(this);
}

bool ReclaimModule::wakeup_kswapd() {
  if (running_ || wake_pending_) return false;
  wake_pending_ = true;
  wake_.notify(sc_core::SC_ZERO_TIME);
  return true;
}

// kswapd (mm/vmscan.c): sleep until woken; then balance_pgdat until the free pages are above the
// high watermark, spending simulated time on its work and waiting for swap writes to complete
// when nothing else can be reclaimed.
void ReclaimModule::kswapd() {
  HostMemory& h = host->host_model();
  for (;;) {
    if (!wake_pending_) sc_core::wait(wake_);
    wake_pending_ = false;
    running_ = true;
    ++stats_.wakeups;
    const Cycles busy_before = stats_.cycles;
    if (explain_) {
      explain_->set_actor(Explainer::kKswapd);
      if (explaining(explain_))
        explain_->step("wakes: " + std::to_string(h.free_pages()) + " free pages, balancing to above the high watermark " +
                       std::to_string(h.high_pages()));
    }
    for (;;) {
      h.complete_writeback(now());
      if (h.free_pages() > h.high_pages()) break;
      const Vmscan::Pass pass = vmscan_->kswapd_pass(now());
      stats_.cycles += pass.cycles;
      if (pass.cycles) sc_core::wait(sc_core::sc_time::from_value(period_.value() * pass.cycles));
      if (explain_) explain_->set_actor(Explainer::kKswapd);
      if (pass.progress) continue;
      if (!h.writeback_pages()) break;  // nothing reclaimable: allocations reclaim directly or fail
      const Cycles done = h.next_writeback_completion();
      if (done > now()) sc_core::wait(sc_core::sc_time::from_value(period_.value() * (done - now())));
      if (explain_) explain_->set_actor(Explainer::kKswapd);
    }
    running_ = false;
    if (explaining(explain_))
      explain_->step("sleeps: " + std::to_string(h.free_pages()) + " free pages, after " + grouped(stats_.cycles - busy_before) +
                     " cycles of work");
  }
}

}  // namespace mmusim
