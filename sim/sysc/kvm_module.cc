#include "sysc/kvm_module.h"

#include "common/errors.h"
#include "mmu/checker.h"
#include "stats/summary.h"

namespace mmusim {

KvmModule::KvmModule(const sc_core::sc_module_name& name, const ShadowConfig& cfg)
    : sc_module(name), cfg_(cfg), loaded_(cfg.vms * cfg.vcpus_per_vm, false) {
  memory_export.bind(*this);
}

void KvmModule::end_of_elaboration() {
  HostMemory& h = host->host_model();
  for (unsigned vm = 0; vm < cfg_.vms; ++vm) {
    h.add_vm(cfg_.guest_frames);
    guests_.push_back(std::make_unique<GuestOs>(cfg_.guest_frames, "guest " + std::to_string(vm), cfg_.guest_fault_cycles,
                                                       cfg_.guest_dirty_at_fault));
    kvms_.push_back(std::make_unique<ShadowMmu>(static_cast<std::uint16_t>(vm), h, *guests_.back(), cfg_.kvm));
    kvms_.back()->set_clock([p = cfg_.period] { return sc_core::sc_time_stamp().value() / p.value(); });
  }
}

void KvmModule::attach_cpu(unsigned cpu, Mmu* mmu, PendingWork* pending) {
  kvms_.at(vm_of(cpu))->add_vcpu(cpu, cpu % cfg_.vcpus_per_vm, mmu, [pending](const CauseCycles& c) {
    pending->causes += c;
    pending->any = true;
    ++pending->exits;
  });
}

Cr3Load KvmModule::switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) {
  Cr3Load l;
  // TLB keys hold the context in the bits above the page number (tlb_key): at most kMaxContexts.
  if (who_.size() >= kMaxContexts && !ctx_of_.count({vm, pid}))
    throw LimitExceeded("more than " + std::to_string(kMaxContexts) + " processes", "pid");
  auto [it, fresh] = ctx_of_.try_emplace({vm, pid}, static_cast<std::uint32_t>(who_.size()));
  if (fresh) who_.emplace_back(vm, pid);
  l.ctx = it->second;
  l.root = kvms_.at(vm)->load_cr3(cpu, pid, !loaded_[cpu], l.cost);
  loaded_[cpu] = true;
  return l;
}

CauseCycles KvmModule::handle_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) {
  return kvms_.at(vm_of(cpu))->page_fault(cpu, vpn, write, fetch, t);
}

void KvmModule::set_explain(ExplainSink* sink) {
  for (auto& k : kvms_) k->set_explain(sink);
  for (auto& g : guests_) g->set_explain(sink);
  host->host_model().set_explain(sink);
}

void KvmModule::fill_summary(RunSummary& s) const {
  KvmStats k;
  for (const auto& m : kvms_) {
    const KvmStats& x = m->stats();
    for (int r = 0; r < static_cast<int>(ExitReason::kCount); ++r) k.exits[r] += x.exits[r];
    k.shadow_page_faults += x.shadow_page_faults, k.pt_write_traps += x.pt_write_traps;
    k.guest_pf_injected += x.guest_pf_injected, k.guest_pf_direct += x.guest_pf_direct;
    k.sptes_created += x.sptes_created, k.sptes_prefetched += x.sptes_prefetched;
    k.sptes_zapped += x.sptes_zapped, k.sptes_zapped_shadow_cache += x.sptes_zapped_shadow_cache;
    k.shadow_pages_created += x.shadow_pages_created, k.shadow_pages_zapped += x.shadow_pages_zapped;
    k.shadow_cache_evictions += x.shadow_cache_evictions, k.remote_tlb_flushes += x.remote_tlb_flushes;
    k.unsyncs += x.unsyncs, k.resyncs += x.resyncs, k.write_flood_zaps += x.write_flood_zaps;
    k.notifier_invalidates += x.notifier_invalidates, k.notifier_young_calls += x.notifier_young_calls;
    k.young_hits += x.young_hits, k.sptes_zapped_invalidate += x.sptes_zapped_invalidate;
    k.sptes_zapped_aging += x.sptes_zapped_aging, k.sptes_dropped_lru += x.sptes_dropped_lru;
    k.notifier_retries += x.notifier_retries;
    k.remote_flush_requests += x.remote_flush_requests, k.remote_flush_ipis += x.remote_flush_ipis;
    s.shadow_pages += m->shadow_pages();
  }
  s.vmexits = k.vmexits();
  s.vmexits_shadow_pf = k.exits[static_cast<int>(ExitReason::ShadowPageFault)];
  s.vmexits_pt_write = k.exits[static_cast<int>(ExitReason::PtWrite)];
  s.vmexits_cr3 = k.exits[static_cast<int>(ExitReason::Cr3Load)];
  s.vmexits_ipi = k.exits[static_cast<int>(ExitReason::FlushIpi)];
  s.shadow_page_faults = k.shadow_page_faults;
  s.pt_write_traps = k.pt_write_traps;
  s.guest_pf_injected = k.guest_pf_injected, s.guest_pf_direct = k.guest_pf_direct;
  s.sptes_created = k.sptes_created, s.sptes_prefetched = k.sptes_prefetched;
  s.sptes_zapped = k.sptes_zapped, s.sptes_zapped_shadow_cache = k.sptes_zapped_shadow_cache;
  s.shadow_pages_created = k.shadow_pages_created, s.shadow_pages_zapped = k.shadow_pages_zapped;
  s.shadow_cache_evictions = k.shadow_cache_evictions;
  s.remote_tlb_flushes = k.remote_tlb_flushes;
  s.unsyncs = k.unsyncs, s.resyncs = k.resyncs, s.write_flood_zaps = k.write_flood_zaps;
  s.vmexits_access_track = k.exits[static_cast<int>(ExitReason::AccessTrack)];
  s.notifier_invalidates = k.notifier_invalidates, s.notifier_young_calls = k.notifier_young_calls;
  s.young_hits = k.young_hits, s.sptes_zapped_invalidate = k.sptes_zapped_invalidate;
  s.sptes_zapped_aging = k.sptes_zapped_aging, s.sptes_dropped_lru = k.sptes_dropped_lru;
  s.notifier_retries = k.notifier_retries;
  s.remote_flush_requests = k.remote_flush_requests, s.remote_flush_ipis = k.remote_flush_ipis;
  for (const auto& g : guests_) {
    s.guest_page_faults += g->stats().page_faults;
    s.processes += g->stats().processes;
    s.page_table_pages += g->table_pages();
    s.guest_frames_used += g->frames().used();
  }
  const HostMemory& h = const_cast<KvmModule*>(this)->host->host_model();
  s.host_minor_faults = h.stats().minor_faults;
  s.host_major_faults = h.stats().major_faults;
  s.swap_ins = h.stats().swap_ins, s.swap_outs = h.stats().swap_outs;
  s.refaults = h.stats().refaults;
  s.direct_reclaims = h.stats().direct_reclaims;
  s.frames_used = h.frames().used();
  s.free_frames = h.frames().free_count();
  s.lru_active_pages = h.lru().size(LruList::ActiveAnon);
  s.lru_inactive_pages = h.lru().size(LruList::InactiveAnon);
}

std::vector<std::string> KvmModule::check(const Mmu& mmu) const {
  const HostMemory& h = const_cast<KvmModule*>(this)->host->host_model();
  CheckTarget t;
  t.root = [this](std::uint32_t ctx) -> TableNode* {
    if (ctx >= who_.size()) return nullptr;
    return kvms_.at(who_[ctx].first)->root_of_pid(who_[ctx].second);
  };
  t.table_live = [this](std::uint32_t ctx, std::uint64_t frame, const TableNode* node) {
    return ctx < who_.size() && kvms_.at(who_[ctx].first)->table_live(frame, node);
  };
  t.frames = &h.frames();
  auto bad = check_translation_caches(mmu, t);
  for (const auto& k : kvms_)
    for (std::string& b : k->check()) bad.push_back(std::move(b));
  for (std::string& b : h.check()) bad.push_back(std::move(b));
  return bad;
}

}  // namespace mmusim
