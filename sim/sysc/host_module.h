// The host as sc_modules: its memory (frames and struct page flags on the LRU lists, the VMs'
// host page tables with young/dirty bits, the swap device) and its reclaim engine, whose kswapd
// thread runs on its own host CPU when an allocation finds free memory below the low watermark,
// and which reclaims directly in the allocating vCPU below min. What kswapd does is
// models/reclaim's (Kswapd, the reclaimer); the thread here only waits and wakes.
#pragma once
#include <functional>
#include <memory>
#include <systemc>

#include "host/host_memory.h"
#include "explain/explainer.h"
#include "reclaim/kswapd.h"
#include "reclaim/reclaimer.h"
#include "sysc/kswapd_stats.h"

namespace mmusim {

// Exported by HostModule: the host memory model, called directly on the fault path.
struct HostIf : virtual sc_core::sc_interface {
  virtual HostMemory& host_model() = 0;
};

class HostModule : public sc_core::sc_module, public HostIf {
 public:
  sc_core::sc_export<HostIf> host_export;

  // `lru`: the LRU policy (nullptr: the split LRU).
  HostModule(const sc_core::sc_module_name& name, std::uint64_t frames, const HostConfig& cfg,
             std::unique_ptr<LruPolicy> lru = nullptr)
      : sc_module(name), host_(frames, cfg, std::move(lru)) {
    host_export.bind(*this);
  }
  HostMemory& host_model() override { return host_; }

 private:
  HostMemory host_;
};

class ReclaimModule : public sc_core::sc_module, public ReclaimHooks {
 public:
  sc_core::sc_port<HostIf> host;

  SC_HAS_PROCESS(ReclaimModule);
  // `make`: the reclaim algorithm over the host's memory (built at the end of elaboration, once the
  // host is bound); `timed_batches`: kswapd spends each batch's work before the next.
  using MakeReclaimer = std::function<std::unique_ptr<Reclaimer>(HostMemory&)>;
  ReclaimModule(const sc_core::sc_module_name& name, MakeReclaimer make, bool timed_batches, sc_core::sc_time period);

  // ReclaimHooks (wakeup_kswapd in mm/page_alloc.c; try_to_free_pages for direct reclaim).
  bool wakeup_kswapd() override;
  Cycles direct_reclaim(Cycles now) override { return reclaimer_->try_to_free_pages(now); }

  const KswapdStats& stats() const { return kswapd_->stats(); }
  const Reclaimer& reclaimer() const { return *reclaimer_; }
  // Explain mode (after elaboration): kswapd's waking and sleeping, and the reclaimer's decisions.
  void set_explain(Explainer* ex) {
    explain_ = ex;
    reclaimer_->set_explain(ex);
  }
  // kswapd is balancing (woken and not yet asleep again).
  bool kswapd_running() const { return running_; }

 private:
  void end_of_elaboration() override;
  void kswapd();
  Cycles now() const { return sc_core::sc_time_stamp().value() / period_.value(); }

  MakeReclaimer make_;
  bool timed_batches_;
  sc_core::sc_time period_;
  std::unique_ptr<Reclaimer> reclaimer_;
  std::unique_ptr<Kswapd> kswapd_;
  sc_core::sc_event wake_;
  bool wake_pending_ = false, running_ = false;
  Explainer* explain_ = nullptr;
};

}  // namespace mmusim
