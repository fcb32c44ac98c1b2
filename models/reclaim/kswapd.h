// kswapd (mm/vmscan.c, 2.6.28): woken by an allocation below the low watermark, it runs
// balance_pgdat passes until the free pages are above the high watermark, sleeping in
// congestion_wait where the pass says so; when a pass reclaims nothing it waits for the next swap
// write to complete, and when nothing is in flight either it sleeps (allocations then reclaim
// directly). This class decides what kswapd does next; the
// SystemC thread that owns it (sim/sysc/host_module) only waits and wakes.
#pragma once
#include <cstdint>

#include "common/counters.h"
#include "host/host_memory.h"
#include "reclaim/reclaimer.h"

namespace mmusim {

struct KswapdStats {
  std::uint64_t wakeups = 0;  // times kswapd woke to balance
  std::uint64_t batches = 0;  // batches of its passes that did work
  Cycles cycles = 0;          // kswapd's busy time

  // Its summary.csv figures (sim/sysc/kswapd_stats.h).
  static const CounterTable<KswapdStats>& counters();
};

class Kswapd {
 public:
  // timed_batches: each batch's work is spent before the next batch (balance_pgdat runs while
  // the vCPUs do); false: a whole pass at one instant, its work spent after it.
  Kswapd(HostMemory& host, Reclaimer& reclaimer, bool timed_batches = false)
      : host_(host), reclaimer_(reclaimer), timed_(timed_batches) {}

  // What kswapd does from now on: work (busy) or wait for a swap write until `until`, or sleep
  // until the next wakeup.
  struct Action {
    enum class Kind { Busy, Wait, Sleep } kind = Kind::Sleep;
    Cycles until = 0;  // Busy, Wait: later than the `now` asked about
  };
  // wakeup_kswapd: balancing starts.
  void wake() {
    ++stats_.wakeups;
    state_ = State::Balance;
  }
  // kswapd at `now`, after the previous action ended (or after wake()).
  Action next(Cycles now);

  bool asleep() const { return state_ == State::Asleep; }
  const KswapdStats& stats() const { return stats_; }

 private:
  enum class State { Asleep, Balance, InPass, Congested, AfterPass };
  HostMemory& host_;
  Reclaimer& reclaimer_;
  bool timed_;
  bool pass_done_ = false;  // Congested: the pass ended with the batch before the wait
  State state_ = State::Asleep;
  std::uint64_t progress_ = 0;  // the last pass's
  KswapdStats stats_;
};

}  // namespace mmusim
