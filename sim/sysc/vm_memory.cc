#include "sysc/vm_memory.h"

#include "common/errors.h"
#include "mmu/checker.h"
#include "stats/summary.h"

namespace mmusim {

VmMemory::VmMemory(const sc_core::sc_module_name& name, const VmMemoryConfig& cfg)
    : sc_module(name), cfg_(cfg), loaded_(cfg.vms * cfg.vcpus_per_vm, false) {
  memory_export.bind(*this);
}

void VmMemory::end_of_elaboration() {
  HostMemory& h = host->host_model();
  for (unsigned vm = 0; vm < cfg_.vms; ++vm) {
    h.add_vm(cfg_.guest_frames);
    guests_.push_back(std::make_unique<GuestOs>(cfg_.guest_frames, "guest " + std::to_string(vm), cfg_.guest_fault_cycles,
                                                       cfg_.guest_dirty_at_fault, cfg_.guest_thp));
    guests_.back()->set_hugetlb_1g(cfg_.guest_hugetlb_1g);
    const auto id = static_cast<std::uint16_t>(vm);
    if (cfg_.nested) {
      kvms_.push_back(std::make_unique<TdpMmu>(id, h, *guests_.back(), cfg_.kvm));
    } else {
      kvms_.push_back(std::make_unique<ShadowMmu>(id, h, *guests_.back(), cfg_.kvm));
    }
    kvms_.back()->set_clock([p = cfg_.period] { return sc_core::sc_time_stamp().value() / p.value(); });
    mmu_shrink_.add(kvms_.back().get());
  }
  if (cfg_.mmu_shrink) h.register_shrinker(&mmu_shrink_);
}

void VmMemory::attach_cpu(unsigned cpu, Mmu* mmu, PendingWork* pending) {
  if (is_host_cpu(cpu)) {
    host_cpus_[cpu] = mmu;
    return;
  }
  kvms_.at(vm_of(cpu))->add_vcpu(cpu, cpu % cfg_.vcpus_per_vm, mmu, [pending](const CauseCycles& c) {
    pending->causes += c;
    pending->any = true;
    ++pending->exits;
  });
}

Cr3Load VmMemory::switch_to(unsigned cpu, std::uint16_t vm, std::uint32_t pid) {
  Cr3Load l;
  // TLB keys hold the context in the bits above the page number (tlb_key): at most kMaxContexts.
  if (who_.size() >= kMaxContexts && !ctx_of_.count({vm, pid}))
    throw LimitExceeded("more than " + std::to_string(kMaxContexts) + " processes", "pid");
  auto [it, fresh] = ctx_of_.try_emplace({vm, pid}, static_cast<std::uint32_t>(who_.size()));
  if (fresh) who_.emplace_back(vm, pid);
  l.context.ctx = it->second;
  if (vm == kHostVm) {  // a host process: its own page table, no VM exit
    const std::uint16_t mm = process_mm(pid, it->second);
    running_mm_[cpu] = mm;
    l.context.root = host->host_model().host_table(mm).root();
    return l;
  }
  Kvm& kvm = *kvms_.at(vm);
  l.context.root = kvm.new_cr3(cpu, pid, !loaded_[cpu], l.cost);
  l.context.nested_root = kvm.nested_root();
  l.context.nested_ctx = vm;
  loaded_[cpu] = true;
  return l;
}

CauseCycles VmMemory::handle_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) {
  if (!is_host_cpu(cpu)) return kvms_.at(vm_of(cpu))->page_fault(cpu, vpn, write, fetch, t);
  // The host process's own page fault (handle_mm_fault): do_anonymous_page or do_swap_page on
  // its page table; its cost and any swap read (the CPU stalls, as a guest's does) go to `c`.
  if (vpn.v >> 32) throw LimitExceeded("a host process page at " + to_hex(vpn.v << kPageShift) +
                                          ": host processes' pages are numbered in 32 bits (below 16 TiB)", "gva");
  CauseCycles c;
  host->host_model().gfn_to_pfn(running_mm_.at(cpu), Gfn{vpn.v}, write, now(), &c);
  return c;
}

std::uint16_t VmMemory::process_mm(std::uint32_t pid, std::uint32_t ctx) {
  if (const auto it = process_mm_.find(pid); it != process_mm_.end()) return it->second;
  // flush_tlb_page: reclaim unmapped or aged one of its ptes; every host CPU drops the entry.
  const std::uint16_t mm = host->host_model().add_process([this, ctx](Vpn v) {
    for (auto& [cpu, mmu] : host_cpus_) mmu->invlpg(ctx, v);
  });
  process_mm_[pid] = mm;
  return mm;
}

void VmMemory::set_explain(EventSink* sink) {
  for (auto& k : kvms_) k->set_explain(sink);
  for (auto& g : guests_) g->set_explain(sink);
  host->host_model().set_explain(sink);
}

void VmMemory::fill_summary(RunSummary& s) const {
  for (const auto& k : kvms_) s.add(*k);
  for (const auto& g : guests_) s.add(*g);
  const HostMemory& h = const_cast<VmMemory*>(this)->host->host_model();
  s.add(h);
  s.add(h.frames());
}

std::vector<std::string> VmMemory::check(const Mmu& mmu) const {
  const HostMemory& h = const_cast<VmMemory*>(this)->host->host_model();
  CheckTarget t;
  const auto host_table = [this, &h](std::uint32_t ctx) -> const PageTable* {
    const auto it = process_mm_.find(who_[ctx].second);
    return it == process_mm_.end() ? nullptr : &h.host_table(it->second);
  };
  t.root = [this, host_table](std::uint32_t ctx) -> TableNode* {
    if (ctx >= who_.size()) return nullptr;
    if (who_[ctx].first == kHostVm) {
      const PageTable* pt = host_table(ctx);
      return pt ? pt->root() : nullptr;
    }
    return kvms_.at(who_[ctx].first)->root_of_pid(who_[ctx].second);
  };
  t.table_live = [this, host_table](std::uint32_t ctx, std::uint64_t frame, const TableNode* node) {
    if (ctx >= who_.size()) return false;
    if (who_[ctx].first == kHostVm) {
      const PageTable* pt = host_table(ctx);
      return pt && pt->table_at(frame) == node;
    }
    return kvms_.at(who_[ctx].first)->table_live(frame, node);
  };
  t.frames = &h.frames();
  if (cfg_.nested) {
    t.ept_root = [this](std::uint32_t ctx) -> TableNode* {  // nullptr for a host process: one dimension
      return ctx < who_.size() && who_[ctx].first != kHostVm ? kvms_.at(who_[ctx].first)->nested_root() : nullptr;
    };
    t.ept_root_of_vm = [this](std::uint32_t vm) -> TableNode* {
      return vm < kvms_.size() ? kvms_[vm]->nested_root() : nullptr;
    };
    t.ept_table_live = [this](std::uint32_t vm, std::uint64_t frame, const TableNode* node) {
      return vm < kvms_.size() && kvms_[vm]->ept_table_live(frame, node);
    };
  }
  auto bad = check_translation_caches(mmu, t);
  for (const auto& k : kvms_)
    for (std::string& b : k->check()) bad.push_back(std::move(b));
  for (std::string& b : h.check()) bad.push_back(std::move(b));
  return bad;
}

}  // namespace mmusim
