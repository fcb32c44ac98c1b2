#include "kvm/kvm.h"

#include <stdexcept>

namespace mmusim {

const char* exit_name(ExitReason r) {
  switch (r) {
    case ExitReason::ShadowPageFault: return "shadow page fault";
    case ExitReason::PtWrite: return "write to a write-protected guest page table";
    case ExitReason::Cr3Load: return "CR3 load";
    case ExitReason::FlushIpi: return "TLB-flush IPI";
    case ExitReason::EptViolation: return "EPT violation";
    default: return "access-tracked spte";
  }
}

// The summary.csv column that counts exits of reason `r` (events name it, so that scripts can add them up).
const char* exit_figure(ExitReason r) {
  switch (r) {
    case ExitReason::ShadowPageFault: return "vmexits_shadow_pf";
    case ExitReason::PtWrite: return "vmexits_pt_write";
    case ExitReason::Cr3Load: return "vmexits_cr3";
    case ExitReason::FlushIpi: return "vmexits_ipi";
    case ExitReason::EptViolation: return "ept_violations";
    default: return "vmexits_access_track";
  }
}

std::uint64_t KvmStats::vmexits() const {
  std::uint64_t n = 0;
  for (std::uint64_t e : exits) n += e;
  return n;
}

const CounterTable<Kvm>& Kvm::counters() {
  using K = CounterKind;
  using M = Kvm;
  static constexpr auto exits = [](const M& m, ExitReason r) { return m.stats().exits[static_cast<int>(r)]; };
  static const CounterTable<M> t = {
      {{"vmexits", "exits", K::Count, "VM exits (shadow and nested mode)"}, [](const M& m) { return m.stats().vmexits(); }},
      {{"shadow_page_faults", "faults", K::Count, "KVM shadow page faults (shadow mode)"},
       [](const M& m) { return m.stats().shadow_page_faults; }},
      {{"pt_write_traps", "traps", K::Count, "trapped guest page-table writes (shadow mode)"},
       [](const M& m) { return m.stats().pt_write_traps; }},
      {{"shadow_pages", "pages", K::Level, "KVM MMU pages at the end: shadow pages (shadow mode), EPT table pages (nested mode)"},
       [](const M& m) { return static_cast<std::uint64_t>(m.mode_pages()); }},
      {{"sptes_created", "sptes", K::Count, "leaf sptes installed: shadow PTEs (shadow mode), EPT entries (nested mode)"},
       [](const M& m) { return m.stats().sptes_created; }},
      {{"sptes_zapped", "sptes", K::Count, "leaf sptes zapped: shadow PTEs (shadow mode), EPT entries (nested mode)"},
       [](const M& m) { return m.stats().sptes_zapped; }},
      {{"remote_tlb_flushes", "flushes", K::Count, "kvm_flush_remote_tlbs calls"},
       [](const M& m) { return m.stats().remote_tlb_flushes; }},
      {{"vmexits_shadow_pf", "exits", K::Count, "VM exits for shadow page faults (#PF intercepts and unsync faults)"},
       [](const M& m) { return exits(m, ExitReason::ShadowPageFault); }},
      {{"vmexits_pt_write", "exits", K::Count, "VM exits for guest page-table writes that were emulated"},
       [](const M& m) { return exits(m, ExitReason::PtWrite); }},
      {{"vmexits_cr3", "exits", K::Count, "VM exits for guest CR3 loads (context switches)"},
       [](const M& m) { return exits(m, ExitReason::Cr3Load); }},
      {{"vmexits_ipi", "exits", K::Count, "VM exits of vCPUs interrupted by a remote TLB-flush IPI"},
       [](const M& m) { return exits(m, ExitReason::FlushIpi); }},
      {{"guest_pf_injected", "faults", K::Count, "guest #PF found by KVM's guest walk and injected"},
       [](const M& m) { return m.stats().guest_pf_injected; }},
      {{"guest_pf_direct", "faults", K::Count, "guest #PF delivered by the hardware without an exit (a notrap spte; every guest #PF under nested paging)"},
       [](const M& m) { return m.stats().guest_pf_direct; }},
      {{"sptes_prefetched", "sptes", K::Count, "of sptes_created, installed by emulated guest pte writes"},
       [](const M& m) { return m.stats().sptes_prefetched; }},
      {{"sptes_zapped_shadow_cache", "sptes", K::Count, "of sptes_zapped, dropped with their shadow page by the FIFO limit"},
       [](const M& m) { return m.stats().sptes_zapped_shadow_cache; }},
      {{"shadow_pages_created", "pages", K::Count, "shadow pages allocated"},
       [](const M& m) { return m.stats().shadow_pages_created; }},
      {{"shadow_pages_zapped", "pages", K::Count,
        "shadow pages freed (FIFO limit, write flooding, synced pages left empty, unsync children of zapped pages)"},
       [](const M& m) { return m.stats().shadow_pages_zapped; }},
      {{"shadow_cache_evictions", "pages", K::Count, "of those, zapped by the FIFO limit (kvm.max_mmu_pages)"},
       [](const M& m) { return m.stats().shadow_cache_evictions; }},
      {{"unsyncs", "pages", K::Count, "level-1 shadow pages left writable (unsync)"},
       [](const M& m) { return m.stats().unsyncs; }},
      {{"resyncs", "pages", K::Count, "unsync shadow pages resynced (at CR3 loads)"},
       [](const M& m) { return m.stats().resyncs; }},
      {{"write_flood_zaps", "pages", K::Count, "shadow pages zapped by write flooding"},
       [](const M& m) { return m.stats().write_flood_zaps; }},
      {{"notifier_invalidates", "calls", K::Count, "mmu-notifier invalidate_page calls: guest pages the host unmapped"},
       [](const M& m) { return m.stats().notifier_invalidates; }},
      {{"notifier_young_calls", "calls", K::Count, "mmu-notifier clear_flush_young calls (page_referenced, try_to_unmap)"},
       [](const M& m) { return m.stats().notifier_young_calls; }},
      {{"young_hits", "calls", K::Count, "of those, KVM answered young"}, [](const M& m) { return m.stats().young_hits; }},
      {{"sptes_zapped_invalidate", "sptes", K::Count, "sptes zapped by invalidate_page"},
       [](const M& m) { return m.stats().sptes_zapped_invalidate; }},
      {{"sptes_zapped_aging", "sptes", K::Count, "sptes zapped by aging (access-track, zap)"},
       [](const M& m) { return m.stats().sptes_zapped_aging; }},
      {{"sptes_dropped_lru", "sptes", K::Count, "sptes dropped by spte-lru"},
       [](const M& m) { return m.stats().sptes_dropped_lru; }},
      {{"notifier_retries", "faults", K::Count,
        "shadow faults dropped after sleeping on a swap read because an invalidation ran (mmu_notifier_retry)"},
       [](const M& m) { return m.stats().notifier_retries; }},
      {{"vmexits_access_track", "exits", K::Count, "VM exits restoring access-tracked sptes (kvm.aging = access-track, mark)"},
       [](const M& m) { return exits(m, ExitReason::AccessTrack); }},
      {{"mmu_shrink_zaps", "pages", K::Count, "shadow pages zapped by KVM's shrinker mmu_shrink under host memory pressure (kvm.mmu_shrink)"},
       [](const M& m) { return m.stats().mmu_shrink_zaps; }},
      {{"ept_violations", "exits", K::Count, "VM exits for EPT violations: a guest-physical page the EPT did not map (nested mode)"},
       [](const M& m) { return exits(m, ExitReason::EptViolation); }},
      {{"ept_entries", "entries", K::Level, "EPT leaf entries mapping a guest page at the end (nested mode)"},
       [](const M& m) { return static_cast<std::uint64_t>(m.ept_entries()); }},
      {{"remote_flush_requests", "requests", K::Count, "KVM_REQ_TLB_FLUSH requests kvm_flush_remote_tlbs made of other vCPUs"},
       [](const M& m) { return m.stats().remote_flush_requests; }},
      {{"remote_flush_ipis", "IPIs", K::Count,
        "of those, IPIs sent (kvm.flush_request_bit: none while a request is pending or the vCPU is out of guest mode)"},
       [](const M& m) { return m.stats().remote_flush_ipis; }},
      {{"large_sptes", "sptes", K::Count, "of sptes_created, 2 MiB leaves: EPT entries over a host huge page (nested mode, host.thp)"},
       [](const M& m) { return m.stats().large_sptes; }},
  };
  return t;
}

Kvm::Kvm(std::uint16_t vm, HostMemory& host, const KvmConfig& cfg)
    : vm_(vm), host_(host), cfg_(cfg), policy_(make_aging_policy(cfg.aging)) {
  host_.register_notifier(vm_, this);
}

Kvm::~Kvm() { host_.register_notifier(vm_, nullptr); }

void Kvm::add_vcpu(unsigned cpu, unsigned index, Mmu* mmu, std::function<void(const CauseCycles&)> charge) {
  Vcpu& v = vcpus_[cpu];
  v.index = index;
  v.mmu = mmu;
  v.charge = std::move(charge);
}

void Kvm::vm_exit(unsigned cpu, ExitReason why, CauseCycles& c) {
  ++stats_.exits[static_cast<int>(why)];
  c.vmexit += cfg_.vmexit_cycles;
  if (!cfg_.vpid) vcpus_.at(cpu).mmu->flush_all();  // without VPID, VM entry and exit flush the TLBs
  if (ex()) explain_->emit(Event(EventKind::vmexit).word("reason", exit_name(why)).word("figure", exit_figure(why)).flag("flush", !cfg_.vpid));
}

// kvm_flush_remote_tlbs (virt/kvm/kvm_main.c, 2.6.28): every vCPU of the VM flushes; each other one
// gets KVM_REQ_TLB_FLUSH (test_and_set_bit) and an IPI, on which it exits, and flushes at its next
// entry. With the request bit, no IPI goes to a vCPU whose request is still pending (an IPI sent
// less than an exit and entry ago) or that is not in guest mode (asleep on a swap read): it
// flushes when it enters. The model flushes every TLB at once either way.
void Kvm::flush_remote_tlbs(CauseCycles& c) {
  ++stats_.remote_tlb_flushes;
  std::string targets;  // the vCPUs (their index in the VM) an IPI went to
  const Cycles t = now_() + c.total();
  for (auto& [cpu, v] : vcpus_) {
    v.mmu->flush_all();
    if (cpu == current_cpu_ || v.finished) continue;  // a vCPU that has stopped running gets no IPI
    ++stats_.remote_flush_requests;
    if (cfg_.flush_request_bit && (vcpu_sleeping(cpu) || t < v.flush_request_until)) continue;
    v.flush_request_until = t + cfg_.vmexit_cycles;
    ++stats_.remote_flush_ipis;
    if (ex()) targets += (targets.empty() ? "" : ",") + std::to_string(v.index);
    c.ipi += cfg_.ipi_cycles;
    ++stats_.exits[static_cast<int>(ExitReason::FlushIpi)];
    CauseCycles target;
    target.vmexit = cfg_.vmexit_cycles;
    v.charge(target);
  }
  if (ex()) explain_->emit(Event(EventKind::remote_flush).num("vm", vm_).word("targets", targets));
}

Pfn Kvm::gfn_to_pfn(std::uint64_t gfn, CauseCycles& c) {
  return host_.gfn_to_pfn(vm_, Gfn{gfn}, true, now_() + c.total(), &c).pfn;
}

void Kvm::rmap_add(std::uint64_t gfn, Pte* spte, PageSize size) {
  if (size == PageSize::k4K)
    rmap_.add(gfn, spte);
  else
    rmap_pde_.add(gfn >> 9, spte);
  policy_->spte_installed(*this, spte, Gfn{gfn}, size);
}

// rmap_remove (2.6.28): an accessed spte refreshes the page's PG_referenced (mark_page_accessed;
// kvm.rmap_remove_accessed: every spte, 2.6.25, or none), a writable one marks it dirty.
void Kvm::rmap_remove(std::uint64_t gfn, Pte* spte, PageSize size) {
  policy_->spte_dropped(*this, spte, Gfn{gfn}, size);
  if (!(size == PageSize::k4K ? rmap_.remove(gfn, spte) : rmap_pde_.remove(gfn >> 9, spte)))
    throw std::logic_error("spte missing from its rmap");
  if (cfg_.rmap_remove_accessed == KvmConfig::RmapAccessed::Always ||
      (cfg_.rmap_remove_accessed == KvmConfig::RmapAccessed::SpteA && spte->accessed()))
    host_.mark_page_accessed(Pfn{spte->frame()});
  if (spte->writable()) host_.set_page_dirty(Pfn{spte->frame()});
}

void Kvm::drop_spte_for_aging(Pte* spte, ZapReason why, CauseCycles& c, bool flush) {
  if (ex()) explain_->emit(Event(EventKind::spte_zap).hex("gfn", gfn_of_leaf(spte)).word("why", why == ZapReason::LruDrop ? "lru" : "aging"));
  drop_leaf(spte);
  ++(why == ZapReason::Invalidate ? stats_.sptes_zapped_invalidate
     : why == ZapReason::Aging  ? stats_.sptes_zapped_aging
                                : stats_.sptes_dropped_lru);
  if (flush) flush_remote_tlbs(c);
}

// kvm_mmu_notifier_invalidate_page -> kvm_unmap_hva: zap every spte of the page via the rmap and
// flush the VM's TLBs; called in the host's reclaim context (no vCPU is the requester).
void Kvm::invalidate_page(Gfn gfn, CauseCycles& c) {
  const unsigned cpu = current_cpu_;
  if (!in_vcpu_) current_cpu_ = kNoCpu;  // kswapd, or another VM's vCPU: every vCPU gets the IPI
  ++stats_.notifier_invalidates;
  ++notifier_seq_;
  c.reclaim += cfg_.notifier_call_cycles;
  const std::vector<Pte*> sptes = sptes_of(gfn.v);
  if (ex()) {
    unsigned young = 0;
    for (const Pte* s : sptes) young += s->accessed();
    explain_->emit(Event(EventKind::invalidate_page).hex("gfn", gfn.v).num("sptes", sptes.size())
                       .word("mark_accessed", cfg_.rmap_remove_accessed == KvmConfig::RmapAccessed::Always ? "always"
                                              : young && cfg_.rmap_remove_accessed == KvmConfig::RmapAccessed::SpteA ? "A set"
                                                                                                                    : ""));
  }
  for (Pte* s : sptes) {
    drop_leaf(s);
    ++stats_.sptes_zapped_invalidate;
  }
  if (!sptes.empty()) flush_remote_tlbs(c);
  policy_->page_invalidated(*this, c);
  current_cpu_ = cpu;
}

// kvm_mmu_notifier_invalidate_range_start/end (2.6.28): mmu_notifier_count is raised for the
// span, so a fault that read mmu_notifier_seq before it retries (mmu_notifier_retry); the end
// bumps mmu_notifier_seq.
void Kvm::invalidate_range_start(Gfn first, Gfn last, CauseCycles& c) {
  ++notifier_count_;
  for (std::uint64_t g = first.v; g <= last.v; ++g) invalidate_page(Gfn{g}, c);
}

void Kvm::invalidate_range_end(Gfn, Gfn) {
  ++notifier_seq_;
  --notifier_count_;
}

bool Kvm::clear_flush_young(Gfn gfn, CauseCycles& c) {
  const unsigned cpu = current_cpu_;
  if (!in_vcpu_) current_cpu_ = kNoCpu;
  ++stats_.notifier_young_calls;
  c.reclaim += cfg_.notifier_call_cycles;
  const auto present_sptes = [&] {
    unsigned n = 0;
    for (const Pte* s : sptes_of(gfn.v)) n += s->present();
    return n;
  };
  const unsigned present_before = ex() ? present_sptes() : 0;
  if (ex()) {  // what KVM finds, before the policy acts on it
    const std::vector<Pte*> sptes = sptes_of(gfn.v);
    unsigned a = 0, present = 0;
    for (const Pte* s : sptes) a += s->accessed(), present += s->present();
    explain_->emit(Event(EventKind::clear_flush_young).hex("gfn", gfn.v).word("policy", cfg_.aging.name).num("sptes", sptes.size())
                       .num("present", present).num("accessed", a));
  }
  const bool young = policy_->clear_flush_young(*this, gfn.v, c);
  stats_.young_hits += young;
  if (ex() && present_sptes() < present_before)
    explain_->emit(Event(EventKind::spte_zap).hex("gfn", gfn.v).word("why", "access_track").num("count", present_before - present_sptes()));
  if (ex()) explain_->emit(Event(EventKind::referenced).word("source", "kvm").hex("gfn", gfn.v).flag("young", young));
  current_cpu_ = cpu;
  return young;
}

bool Kvm::clear_young(Gfn gfn) { return policy_->clear_young(*this, gfn.v); }
bool Kvm::test_young(Gfn gfn) { return policy_->test_young(*this, gfn.v); }

}  // namespace mmusim
