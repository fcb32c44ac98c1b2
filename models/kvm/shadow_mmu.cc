#include "kvm/shadow_mmu.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "common/errors.h"
#include "paging/walker.h"

namespace mmusim {

namespace {
constexpr std::int64_t kMinFreeMmuPages = 5;  // KVM_MIN_FREE_MMU_PAGES
constexpr std::int64_t kRefillPages = 25;     // KVM_REFILL_PAGES
constexpr unsigned kWriteFloodCount = 3;      // kvm_mmu_pte_write: the third write in a row floods

// Explain mode: an spte's bits as "(A, W)".

std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}
}  // namespace

ShadowMmu::ShadowMmu(std::uint16_t vm, HostMemory& host, GuestOs& guest, const KvmConfig& cfg)
    : Kvm(vm, host, cfg), guest_(guest) {
  guest_.set_hooks(this);
}

ShadowMmu::~ShadowMmu() { guest_.set_hooks(nullptr); }

std::vector<KvmMmuPage*> ShadowMmu::pages_of(std::uint64_t gfn) const {
  std::vector<KvmMmuPage*> v;
  for (unsigned level = 1; level <= kLevels; ++level)
    if (auto it = pages_.find({gfn, shadow_role(level)}); it != pages_.end()) v.push_back(it->second.get());
  return v;
}

const TableNode* ShadowMmu::guest_table(std::uint64_t gfn) const {
  const TableNode* t = guest_.table_at(gfn);
  if (!t) throw std::logic_error("shadow page of gfn " + hex(gfn) + " which is no guest page table");
  return t;
}

CauseCycles ShadowMmu::guest_frame_cleared(std::uint64_t gfn) {
  CauseCycles c;
  gfn_to_pfn(gfn, c);
  return c;
}

// rmap_write_protect: no spte may map a shadowed guest page table writably.
bool ShadowMmu::rmap_write_protect(std::uint64_t gfn) {
  bool changed = false;
  rmap_.for_each(gfn, [&](Pte* s) {
    if (s->writable()) {
      s->raw &= ~(pte_bits::W | spte_bits::MmuWritable);
      changed = true;
    }
  });
  // A writable 2 MiB spte over the gfn goes (2.6.28 rmap_write_protect: "check for huge page
  // mappings"): the range now holds a shadowed guest page table.
  std::vector<Pte*> large;
  rmap_pde_.for_each(gfn >> 9, [&](Pte* s) {
    if (s->writable()) large.push_back(s);
  });
  for (Pte* s : large) drop_leaf(s);
  return changed || !large.empty();
}

// has_wrprotected_page (2.6.28, lpage_info's write_count): a guest page table KVM shadows lies in
// the 2 MiB range from `first_gfn`.
bool ShadowMmu::has_wrprotected_page(std::uint64_t first_gfn) const {
  for (auto it = pages_.lower_bound(Key{first_gfn, KvmMmuPageRole{}}); it != pages_.end() && it->first.first < first_gfn + 512; ++it)
    if (!it->first.second.direct) return true;
  return false;
}

// kvm_mmu_alloc_page: a new shadow page of (gfn, role) in a frame of the host's kernel memory, at
// the head of active_mmu_pages and in the hash.
KvmMmuPage* ShadowMmu::new_page(Gfn gfn, KvmMmuPageRole role, CauseCycles& c) {
  auto owned = std::make_unique<KvmMmuPage>(gfn, role);
  KvmMmuPage* sp = owned.get();
  sp->spt.frame = host_.alloc_kernel_page(now_() + c.total(), &c, vm_);
  active_.push_front(sp);
  sp->link = active_.begin();
  page_at_frame_[sp->spt.frame] = sp;
  page_at_spt_[&sp->spt.e[0]] = sp;
  pages_.emplace(Key{gfn.v, role}, std::move(owned));
  ++stats_.shadow_pages_created;
  return sp;
}

// kvm_mmu_get_page for a direct (metaphysical) page of `level` under a guest large page, for the
// range of gfns from `first_gfn` its entries map: level 1, the 4 KiB sptes of a 2 MiB range that
// gets no 2 MiB spte; level 2 (a guest 1 GiB page, 2.6.32), a 2 MiB spte or a direct level-1 page
// for each 2 MiB range. No guest table behind it, nothing to write-protect, every spte absent
// (nonpaging_prefetch_page).
KvmMmuPage* ShadowMmu::get_direct_page(Gfn first_gfn, unsigned level, std::uint8_t access, CauseCycles& c) {
  const KvmMmuPageRole role{static_cast<std::uint8_t>(level), true, access};
  if (auto it = pages_.find({first_gfn.v, role}); it != pages_.end()) return it->second.get();
  KvmMmuPage* sp = new_page(first_gfn, role, c);
  if (ex())
    explain_->emit(Event(EventKind::shadow_page_new).hex("gfn", first_gfn.v).num("level", level).hex("pfn", sp->spt.frame).flag("direct", true));
  return sp;
}

// kvm_mmu_get_page: find the shadow page of (gfn, level), syncing an unsync page of the gfn
// first; or allocate one, put it at the head of active_mmu_pages and write-protect the gfn.
KvmMmuPage* ShadowMmu::get_page(Gfn gfn, unsigned level, CauseCycles& c) {
  for (KvmMmuPage* sp : pages_of(gfn.v))
    if (sp->unsync) sync_page(sp, c);  // may zap it
  if (auto it = pages_.find({gfn.v, shadow_role(level)}); it != pages_.end()) return it->second.get();

  KvmMmuPage* sp = new_page(gfn, shadow_role(level), c);
  if (ex())
explain_->emit(Event(EventKind::shadow_page_new).hex("gfn", gfn.v).num("level", level).hex("pfn", sp->spt.frame));
  if (cfg_.bypass_guest_pf) {
    // FNAME(prefetch_page), at every level of a 64-bit guest: an absent guest entry gets a notrap spte.
    const TableNode* gt = guest_table(gfn.v);
    for (unsigned i = 0; i < kEntriesPerTable; ++i)
      if (!gt->e[i].present()) sp->spt.e[i].raw = spte_bits::NoTrap;
  }
  if (rmap_write_protect(gfn.v)) flush_remote_tlbs(c);
  return sp;
}

// rmap_remove and the spte's end (2.6.28): an accessed spte refreshes the page's PG_referenced
// (mark_page_accessed; kvm.rmap_remove_accessed: every spte, 2.6.25, or none), a writable one
// marks it dirty; an upper spte unlinks its child.
void ShadowMmu::drop_spte(KvmMmuPage* sp, unsigned i, bool evicting) {
  Pte& s = sp->spt.e[i];
  const bool leaf = sp->role.level == 1 || s.large();  // a 2 MiB spte is a leaf at level 2
  if (leaf ? spte_mapped(s) : s.present()) {
    if (leaf) {
      rmap_remove(sp->gfns[i], &s, sp->role.level == 1 ? PageSize::k4K : PageSize::k2M);
      ++stats_.sptes_zapped;
      if (evicting) ++stats_.sptes_zapped_shadow_cache;
    } else {
      KvmMmuPage* child = page_at_frame_.at(s.frame());
      auto& parents = child->parent_ptes;
      const auto at = std::find(parents.begin(), parents.end(), std::make_pair(sp, i));
      if (at == parents.end()) throw std::logic_error("shadow page missing a parent pte");
      parents.erase(at);
      sp->spt.set_child(i, nullptr);
    }
  }
  for (auto& [cpu, v] : shadow_vcpus_)
    if (v.last_pte_updated == &s) v.last_pte_updated = nullptr;
  s = Pte{};
}

// kvm_mmu_zap_page: unlink the page from its parents, drop its sptes, free it; a root in use is
// only emptied (the kernel marks it invalid and the vCPU reloads a fresh one, to the same effect).
void ShadowMmu::zap_page(KvmMmuPage* sp, CauseCycles& c, bool evicting) {
  if (ex())
explain_->emit(Event(EventKind::shadow_page_zap).hex("gfn", sp->gfn.v).num("level", sp->role.level).flag("oldest", evicting));
  zap_unsync_children(sp, c);
  for (unsigned i = 0; i < kEntriesPerTable; ++i) drop_spte(sp, i, evicting);
  for (auto [parent, i] : sp->parent_ptes) {
    parent->spt.e[i] = Pte{};
    parent->spt.set_child(i, nullptr);
  }
  sp->parent_ptes.clear();
  if (sp->root_count == 0) {
    active_.erase(sp->link);
    page_at_frame_.erase(sp->spt.frame);
    page_at_spt_.erase(&sp->spt.e[0]);
    const std::uint64_t frame = sp->spt.frame;
    pages_.erase(Key{sp->gfn.v, sp->role});
    host_.free_kernel_page(frame);
    ++stats_.shadow_pages_zapped;
  }
  flush_remote_tlbs(c);
}

// mmu_zap_unsync_children: unsync pages below a page being zapped go first.
void ShadowMmu::zap_unsync_children(KvmMmuPage* sp, CauseCycles& c) {
  if (sp->role.level == 1) return;
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    if (!sp->spt.e[i].present() || sp->spt.e[i].large()) continue;
    KvmMmuPage* child = page_at_frame_.at(sp->spt.e[i].frame());
    if (child->role.level == 1) {
      if (child->unsync && child->root_count == 0) zap_page(child, c, false);
    } else {
      zap_unsync_children(child, c);
    }
  }
}

// mmu_free_some_pages: fewer than 5 free shadow pages -> zap the oldest until 25 are free. Roots
// in use are skipped, a simplification docs/fidelity.md states (2.6.28 zaps a root too, invalidating it and making
// the vCPU reload an empty one; the tree below it is torn down either way).
void ShadowMmu::free_some_pages(CauseCycles& c) {
  const auto n_free = [&] { return static_cast<std::int64_t>(cfg_.max_mmu_pages) - static_cast<std::int64_t>(pages_.size()); };
  if (n_free() >= kMinFreeMmuPages) return;
  while (n_free() < kRefillPages) {
    KvmMmuPage* victim = nullptr;
    for (auto it = active_.rbegin(); it != active_.rend(); ++it)
      if ((*it)->root_count == 0) {
        victim = *it;
        break;
      }
    if (!victim) {
      if (n_free() >= kMinFreeMmuPages) return;
      throw LimitExceeded("kvm.max_mmu_pages = " + std::to_string(cfg_.max_mmu_pages) + " cannot hold the " +
                              std::to_string(pages_.size()) + " shadow roots in use and the pages a fault needs",
                          "kvm.max_mmu_pages");
    }
    ++stats_.shadow_cache_evictions;
    zap_page(victim, c, true);
  }
}

bool ShadowMmu::remove_one_mmu_page(CauseCycles& c) {
  // A VM whose vCPU is in KVM's fault path (its allocation reclaimed) is left alone: 2.6.28 takes
  // its pages from caches filled before mmu_lock, so a shrink never frees one under the fault.
  if (in_vcpu_) return false;
  for (auto it = active_.rbegin(); it != active_.rend(); ++it) {
    if ((*it)->root_count) continue;
    const unsigned cpu = current_cpu_;
    current_cpu_ = kNoCpu;  // shrink_slab in kswapd, or in another VM's reclaim: every vCPU gets the IPI
    if (ex()) explain_->emit(Event(EventKind::mmu_shrink));
    ++stats_.mmu_shrink_zaps;
    zap_page(*it, c, false);
    current_cpu_ = cpu;
    return true;
  }
  return false;
}

// mmu_need_write_protect: may `gfn` be mapped writable? Not if KVM shadows it as a guest page
// table, unless every shadow page of it is level 1 and may be (or already is) unsync.
bool ShadowMmu::need_write_protect(std::uint64_t gfn, bool can_unsync) {
  const auto shadows = pages_of(gfn);
  if (shadows.empty()) return false;
  for (KvmMmuPage* p : shadows)
    if (p->role.level != 1) return true;
  if (std::all_of(shadows.begin(), shadows.end(), [](auto* p) { return p->unsync; })) return false;
  if (!can_unsync || !cfg_.unsync) return true;
  for (KvmMmuPage* p : shadows) unsync_page(p);
  return false;
}

// kvm_unsync_page: leave a level-1 page writable until the next resync; its notrap sptes trap from
// now on (mmu_convert_notrap), since the guest's changes to its ptes go unseen.
void ShadowMmu::unsync_page(KvmMmuPage* sp) {
  if (sp->unsync) return;
  sp->unsync = true;
  ++stats_.unsyncs;
  for (Pte& s : sp->spt.e)
    if (!s.present()) s.raw &= ~spte_bits::NoTrap;
}

// mmu_set_spte / set_spte (2.6.28): the spte for guest pte `gpte` backed by host frame `pfn`,
// present and dirty (shadow_dirty_mask), accessed unless speculative, writable only if the guest
// pte is writable and dirty and the target gfn need not be write-protected.
void ShadowMmu::set_spte(KvmMmuPage* sp, unsigned i, Pte gpte, Pfn pfn, bool speculative, bool can_unsync,
                         CauseCycles& c) {
  Pte& s = sp->spt.e[i];
  if (spte_mapped(s) && s.frame() != pfn.v) drop_spte(sp, i, false);
  const bool was_present = spte_mapped(s), was_writable = s.present() && s.writable();
  const std::uint64_t gfn = gpte.frame();
  const bool writable = gpte.writable() && gpte.dirty() && !need_write_protect(gfn, can_unsync);
  std::uint64_t v = (pfn.v << kPageShift) | pte_bits::P | pte_bits::U | pte_bits::D | spte_bits::HostWritable;
  if (!speculative) v |= pte_bits::A;
  if (gpte.nx()) v |= pte_bits::NX;
  if (writable) v |= pte_bits::W | spte_bits::MmuWritable;
  s.raw = v;
  if (!was_present) {
    sp->gfns[i] = gfn;
    ++stats_.sptes_created;
    if (speculative) ++stats_.sptes_prefetched;
    rmap_add(gfn, &s, PageSize::k4K);  // set_spte's largepage is 0: 4 KiB pages only
  }
  if (writable) host_.set_page_dirty(pfn);  // kvm_release_pfn_dirty
  if (ex())
    explain_->emit(Event(EventKind::spte_install).hex("gfn", gfn).hex("pfn", pfn.v).hex("sp_gfn", sp->gfn.v).num("index", i).flag("speculative", speculative).flag("A", s.accessed())
                       .flag("W", s.writable()).flag("NX", s.nx()));
  if (was_writable && !writable) flush_remote_tlbs(c);
}

// mmu_set_spte with largepage (2.6.28): a 2 MiB spte at level 2 for the guest pde `pde`, backed by
// the host huge page from `pfn`; writable when the pde is writable and dirty (no shadowed guest
// table lies in the range: the caller checked), accessed, dirty (shadow_dirty_mask).
void ShadowMmu::set_large_spte(KvmMmuPage* sp, unsigned i, Pte pde, Pfn pfn, CauseCycles& c) {
  Pte& s = sp->spt.e[i];
  if (spte_mapped(s) && (!s.large() || s.frame() != pfn.v)) drop_spte(sp, i, false);
  const bool was_present = spte_mapped(s), was_writable = s.present() && s.writable();
  const bool writable = pde.writable() && pde.dirty();
  std::uint64_t v = (pfn.v << kPageShift) | pte_bits::P | pte_bits::U | pte_bits::D | pte_bits::A | pte_bits::PS |
                    spte_bits::HostWritable;
  if (pde.nx()) v |= pte_bits::NX;
  if (writable) v |= pte_bits::W | spte_bits::MmuWritable;
  s.raw = v;
  if (!was_present) {
    sp->gfns[i] = pde.frame();
    ++stats_.sptes_created;
    ++stats_.large_sptes;
    rmap_add(pde.frame(), &s, PageSize::k2M);
  }
  if (writable) host_.set_page_dirty(pfn);
  if (ex())
    explain_->emit(Event(EventKind::spte_install).hex("gfn", pde.frame()).hex("pfn", pfn.v).hex("sp_gfn", sp->gfn.v).num("index", i)
                       .flag("speculative", false).flag("A", s.accessed()).flag("W", s.writable()).flag("NX", s.nx()).word("size", "2M"));
  if (was_writable && !writable) flush_remote_tlbs(c);
}

// kvm_sync_page / FNAME(sync_page): bring a level-1 page back in line with its guest table and
// write-protect the gfn again; a page left without a present spte is zapped. Returns whether it was.
bool ShadowMmu::sync_page(KvmMmuPage* sp, CauseCycles& c) {
  const TableNode* gt = guest_table(sp->gfn.v);
  if (ex()) explain_->emit(Event(EventKind::resync).hex("gfn", sp->gfn.v));
  sp->unsync = false;  // before set_spte: this page's own gfn must not count as unsync
  unsigned present = 0;
  for (unsigned i = 0; i < kEntriesPerTable; ++i) {
    if (!spte_mapped(sp->spt.e[i])) continue;
    const Pte gpte = gt->e[i];
    if (!gpte.present() || gpte.frame() != sp->gfns[i] || !gpte.accessed()) {
      drop_spte(sp, i, false);
      if (!gpte.present() && cfg_.bypass_guest_pf) sp->spt.e[i].raw = spte_bits::NoTrap;
      continue;
    }
    ++present;
    set_spte(sp, i, gpte, Pfn{sp->spt.e[i].frame()}, true, false, c);
  }
  ++stats_.resyncs;
  if (rmap_write_protect(sp->gfn.v)) flush_remote_tlbs(c);
  if (present == 0) {
    zap_page(sp, c, false);
    return true;
  }
  return false;
}

// mmu_sync_roots: sync the unsync pages reachable from the root.
void ShadowMmu::sync_roots(KvmMmuPage* sp, CauseCycles& c) {
  if (sp->role.level == 1) {
    if (sp->unsync) sync_page(sp, c);
    return;
  }
  for (unsigned i = 0; i < kEntriesPerTable; ++i)
    if (sp->spt.e[i].present() && !sp->spt.e[i].large()) sync_roots(page_at_frame_.at(sp->spt.e[i].frame()), c);
}

// kvm_mmu_new_cr3 -> kvm_mmu_load: the root of the new guest CR3, synced; vmx_set_cr3 flushes the
// vCPU's TLBs (vmx_flush_tlb) on every load.
TableNode* ShadowMmu::new_cr3(unsigned cpu, std::uint32_t pid, bool first, CauseCycles& c) {
  const InVcpu in(*this, cpu);
  ShadowVcpu& v = sv(cpu);
  if (!first) vm_exit(cpu, ExitReason::Cr3Load, c);
  if (ex()) explain_->emit(Event(EventKind::cr3_load).num("pid", pid).flag("exit", true));
  PageTable& gpt = guest_.process(pid, &c);
  if (v.root) --v.root->root_count;
  v.root = nullptr;
  free_some_pages(c);
  KvmMmuPage* root = get_page(Gfn{gpt.root_frame()}, kLevels, c);
  ++root->root_count;
  v.root = root;
  v.pid = pid;
  sync_roots(root, c);
  vcpus_.at(cpu).mmu->flush_all();
  if (ex()) explain_->emit(Event(EventKind::shadow_root).hex("gfn", root->gfn.v).hex("pfn", root->spt.frame));
  return &root->spt;
}

CauseCycles ShadowMmu::page_fault(unsigned cpu, Vpn vpn, bool write, bool fetch, const Translation& t) {
  const InVcpu in(*this, cpu);
  ShadowVcpu& v = sv(cpu);
  CauseCycles c;
  if (t.fault == WalkStatus::NotPresent && t.fault_level <= 2) {
    // An spte the aging policy made non-present (access tracking): the fast page fault restores it.
    Pte* s = leaf_entry(&v.root->spt, vpn);
    if (s && (t.fault_level == 1 || s->large()) && policy_->restore(*this, s)) {
      vm_exit(cpu, ExitReason::AccessTrack, c);
      c.shadow_fault += cfg_.aging.fast_fault_cycles;
      if (ex()) explain_->emit(Event(EventKind::fast_fault).word("table", "spte").flag("A", s->accessed()).flag("W", s->writable()).flag("NX", s->nx()));
      return c;
    }
  }
  if (t.fault == WalkStatus::NotPresent) {
    // The walk stopped at a non-present spte of level t.fault_level; a notrap one (bypass_guest_pf)
    // delivered the #PF to the guest without an exit.
    const TableNode* n = &v.root->spt;
    for (unsigned level = kLevels; level > t.fault_level && n; --level) n = n->child(pt_index(vpn, level));
    if (n && (n->e[pt_index(vpn, t.fault_level)].raw & spte_bits::NoTrap)) {
      ++stats_.guest_pf_direct;
      if (ex()) explain_->emit(Event(EventKind::guest_walk).word("result", "notrap"));
      c += guest_.handle_page_fault(v.pid, vpn, write);
      return c;
    }
  }
  vm_exit(cpu, ExitReason::ShadowPageFault, c);
  ++stats_.shadow_page_faults;
  c.shadow_fault += cfg_.shadow_fault_cycles;

  // FNAME(walk_addr): the guest walk, setting the guest's A and D bits as the hardware would.
  const WalkResult gw = hardware_walk(guest_.process(v.pid).root(), WalkRequest{vpn, write, fetch});
  if (gw.status == WalkStatus::Protection) throw std::logic_error("guest protection fault: guest ptes are writable");
  if (gw.status == WalkStatus::NotPresent) {  // inject #PF
    ++stats_.guest_pf_injected;
    if (ex()) explain_->emit(Event(EventKind::guest_walk).word("result", "absent").num("level", gw.level));
    v.last_pt_write_count = 0;  // "reset fork detector"
    c += guest_.handle_page_fault(v.pid, vpn, write);
    return c;
  }
  const std::uint64_t seq = mmu_notifier_seq();
  // A guest 2 MiB page (walker.level 2): the gfn of the 4 KiB page inside it (walk_addr's gfn).
  const std::uint64_t gfn = gw.leaf->frame() + (vpn.v & (frames(gw.size) - 1));
  if (ex()) {
    Event e(EventKind::guest_walk);
    e.word("result", "present").hex("gfn", gfn);
    if (gw.size != PageSize::k4K) e.word("size", gw.size == PageSize::k2M ? "2M" : "1G");
    explain_->emit(e);
  }
  const Pfn pfn = gfn_to_pfn(gfn, c);
  if (c.major_fault) {  // asleep on the swap read: continued by finish_fault
    if (ex()) explain_->emit(Event(EventKind::fault_sleep));
    v.sleeping = true;
    v.seq = seq;
    v.vpn = vpn, v.write = write, v.fetch = fetch, v.pfn = pfn;
    return c;
  }
  fetch_sptes(cpu, vpn, write, gw, pfn, seq, c);
  return c;
}

CauseCycles ShadowMmu::finish_fault(unsigned cpu) {
  const InVcpu in(*this, cpu);
  ShadowVcpu& v = sv(cpu);
  CauseCycles c;
  if (!v.sleeping) return c;
  v.sleeping = false;
  if (mmu_notifier_retry(v.seq)) {  // mmu_notifier_retry: drop the pfn, let the access fault again
    ++stats_.notifier_retries;
    if (ex()) explain_->emit(Event(EventKind::swap_read_done).flag("retry", true));
    return c;
  }
  if (ex()) explain_->emit(Event(EventKind::swap_read_done).flag("retry", false));
  // The guest did not run meanwhile: its tables are as the first walk saw them.
  const WalkResult gw = hardware_walk(guest_.process(v.pid).root(), WalkRequest{v.vpn, v.write, v.fetch});
  fetch_sptes(cpu, v.vpn, v.write, gw, v.pfn, v.seq, c);
  return c;
}

// FNAME(fetch), under mmu_lock: shadow pages for the missing levels, then the leaf spte.
void ShadowMmu::fetch_sptes(unsigned cpu, Vpn vpn, bool write, const WalkResult& gw, Pfn pfn, std::uint64_t seq,
                            CauseCycles& c) {
  ShadowVcpu& v = sv(cpu);
  free_some_pages(c);
  KvmMmuPage* sp = v.root;
  const bool guest_large = gw.size != PageSize::k4K;
  const unsigned guest_level = leaf_level(gw.size);  // the level of the guest's leaf
  for (unsigned level = kLevels; level > 1; --level) {
    const unsigned i = pt_index(vpn, level);
    if (level <= guest_level) {
      // FNAME(fetch) under a guest large leaf (2.6.28 for 2 MiB, 2.6.32 for 1 GiB: direct = level
      // <= the walker's level): at level 2, a 2 MiB spte where the host maps a huge page and no
      // shadowed guest page table lies in the 2 MiB range (mapping_level: host_mapping_level,
      // has_wrprotected_page); else a direct page (metaphysical, its gfn the first of the range
      // its entries map, writable only if the guest leaf is dirty). A slot that already holds a
      // direct page keeps it (KVM would replace it by the 2 MiB spte).
      const Pte gleaf = *gw.leaf;
      const std::uint64_t span = frames(size_at_level(level));  // gfns the entry maps
      const std::uint64_t first_gfn = gleaf.frame() + ((vpn.v & (frames(gw.size) - 1)) & ~(span - 1));
      // The guest's leaf as a pde of this 2 MiB range (itself, under a guest 2 MiB page).
      const Pte pde{(gleaf.raw & ~pte_bits::kFrameMask) | (first_gfn << kPageShift)};
      Pte& s = sp->spt.e[i];
      if (level == 2 && cfg_.host_thp && !(s.present() && !s.large()) &&
          host_.host_leaf(vm_, Gfn{first_gfn + (vpn.v & 511)}).size == PageSize::k2M && !has_wrprotected_page(first_gfn)) {
        if (mmu_notifier_retry(seq)) {
          ++stats_.notifier_retries;
          if (ex()) explain_->emit(Event(EventKind::notifier_retry));
          return;
        }
        set_large_spte(sp, i, pde, Pfn{pfn.v - (vpn.v & 511)}, c);
        v.last_pt_write_count = 0;
        return;
      }
      if (!s.present() || s.large()) {
        if (spte_mapped(s)) drop_spte(sp, i, false);
        KvmMmuPage* child = get_direct_page(Gfn{first_gfn}, level - 1, gleaf.dirty() ? kAccAll : kAccAll & ~kAccWrite, c);
        s = Pte::make(child->spt.frame, pte_bits::W | pte_bits::U | pte_bits::A);
        sp->spt.set_child(i, &child->spt);
        child->parent_ptes.emplace_back(sp, i);
      }
      sp = page_at_frame_.at(s.frame());
      continue;
    }
    if (!sp->spt.e[i].present()) {
      KvmMmuPage* child = get_page(Gfn{gw.tables[level]->e[i].frame()}, level - 1, c);
      sp->spt.e[i] = Pte::make(child->spt.frame, pte_bits::W | pte_bits::U | pte_bits::A);
      sp->spt.set_child(i, &child->spt);
      child->parent_ptes.emplace_back(sp, i);
    }
    sp = page_at_frame_.at(sp->spt.e[i].frame());
  }
  // mmu_notifier_retry: allocating shadow pages may have reclaimed directly, and the page behind
  // `pfn` with it; then the access faults again.
  if (mmu_notifier_retry(seq)) {
    ++stats_.notifier_retries;
    if (ex()) explain_->emit(Event(EventKind::notifier_retry));
    return;
  }
  const unsigned i = pt_index(vpn, 1);
  // Under a guest large leaf, the 4 KiB part of it this page maps, with the leaf's bits.
  const Pte gpte = guest_large ? Pte{(gw.leaf->raw & ~pte_bits::PS & ~pte_bits::kFrameMask) |
                                     ((gw.leaf->frame() + (vpn.v & (frames(gw.size) - 1))) << kPageShift)}
                               : *gw.leaf;
  if (sp->role.direct && !(sp->role.access & kAccWrite) && gpte.writable()) {
    set_spte(sp, i, Pte{gpte.raw & ~pte_bits::W}, pfn, false, true, c);
  } else {
    set_spte(sp, i, gpte, pfn, false, true, c);
  }
  // A write the spte still refuses targets a write-protected guest page table: the kernel would
  // emulate it; user code never maps its own page tables here, so this cannot happen.
  if (write && !sp->spt.e[i].writable()) throw std::logic_error("guest write to one of its own page tables");
  v.last_pt_write_count = 0;  // "reset fork detector"
}

CauseCycles ShadowMmu::guest_pte_write(TableNode* table, unsigned index, Pte, Pte value) {
  const std::uint64_t gfn = table->frame;
  const std::vector<KvmMmuPage*> shadows = pages_of(gfn);
  if (std::all_of(shadows.begin(), shadows.end(), [](auto* p) { return p->unsync; })) return {};  // not write-protected
  CauseCycles c;
  const unsigned cpu = current_cpu_;
  ShadowVcpu& v = sv(cpu);
  if (!need_write_protect(gfn, true)) {
    // The store faulted on the write-protected page and FNAME(page_fault) unsynced it
    // (mmu_need_write_protect -> kvm_unsync_page); the store then completes without emulation.
    if (ex()) explain_->emit(Event(EventKind::pt_write).hex("gfn", gfn));
    vm_exit(cpu, ExitReason::ShadowPageFault, c);
    ++stats_.shadow_page_faults;
    c.shadow_fault += cfg_.shadow_fault_cycles;
    v.last_pt_write_count = 0;
    if (ex()) explain_->emit(Event(EventKind::unsync).hex("gfn", gfn));
    return c;
  }
  if (ex()) explain_->emit(Event(EventKind::pt_write).hex("gfn", gfn));
  vm_exit(cpu, ExitReason::PtWrite, c);
  ++stats_.pt_write_traps;
  c.pt_write += cfg_.pt_write_emulation_cycles;
  if (ex()) explain_->emit(Event(EventKind::emulate).hex("gfn", gfn).num("index", index));

  // mmu_guess_page_from_pte_write: the frame behind a present new guest pte, at any level.
  Pfn guessed;
  if (value.present()) guessed = gfn_to_pfn(value.frame(), c);

  // kvm_mmu_pte_write. Write flooding: the third emulated write in a row to one gfn, with no shadow
  // page fault between and without the guest using the spte last updated, zaps its shadow pages.
  bool flooded = false;
  if (gfn == v.last_pt_write_gfn && !(v.last_pte_updated && v.last_pte_updated->accessed())) {
    flooded = ++v.last_pt_write_count >= kWriteFloodCount;
  } else {
    v.last_pt_write_gfn = gfn;
    v.last_pt_write_count = 1;
    v.last_pte_updated = nullptr;
  }
  for (KvmMmuPage* sp : shadows) {
    if (flooded) {
      ++stats_.write_flood_zaps;
      if (ex()) explain_->emit(Event(EventKind::write_flood).hex("gfn", gfn));
      zap_page(sp, c, false);
      continue;
    }
    const Pte old = sp->spt.e[index];
    drop_spte(sp, index, false);  // mmu_pte_write_zap_pte
    if (sp->role.level == 1 && value.present() && value.accessed()) {
      // mmu_pte_write_new_pte ("update spte on write"): install the new spte speculatively.
      set_spte(sp, index, value, guessed, true, false, c);
      v.last_pte_updated = &sp->spt.e[index];
    }
    // mmu_pte_write_flush_tlb: a remote flush if a present spte lost its frame or a permission,
    // else this vCPU's TLB flush.
    const Pte now = sp->spt.e[index];
    const std::uint64_t perms = pte_bits::W | pte_bits::U;
    const bool remote = old.present() && (!now.present() || now.frame() != old.frame() ||
                                          (old.raw & perms & ~now.raw) != 0 || (now.nx() && !old.nx()));
    if (remote) {
      flush_remote_tlbs(c);
    } else {
      vcpus_.at(cpu).mmu->flush_all();
      if (ex()) explain_->emit(Event(EventKind::vcpu_flush));
    }
  }
  return c;
}

KvmMmuPage* ShadowMmu::sp_of(const Pte* spte) const {
  auto it = page_at_spt_.upper_bound(spte);
  if (it == page_at_spt_.begin()) throw std::logic_error("spte outside every shadow page");
  return std::prev(it)->second;
}

// The rmap_remove of a leaf the core drops (invalidation, aging).
void ShadowMmu::drop_leaf(Pte* spte) {
  KvmMmuPage* sp = sp_of(spte);
  drop_spte(sp, static_cast<unsigned>(spte - &sp->spt.e[0]), false);
}

std::uint64_t ShadowMmu::gfn_of_leaf(const Pte* spte) const {
  const KvmMmuPage* sp = sp_of(spte);
  return sp->gfns[spte - &sp->spt.e[0]];
}

TableNode* ShadowMmu::root_of_pid(std::uint32_t pid) const {
  const auto it = pages_.find({guest_.process_root_frame(pid), shadow_role(kLevels)});
  return it == pages_.end() ? nullptr : &it->second->spt;
}

bool ShadowMmu::table_live(std::uint64_t frame, const TableNode* node) const {
  const auto it = page_at_frame_.find(frame);
  return it != page_at_frame_.end() && &it->second->spt == node;
}

std::vector<std::string> ShadowMmu::check() const {
  std::vector<std::string> bad;
  std::size_t rmapped = 0;
  for (const auto& [key, owned] : pages_) {
    const KvmMmuPage* sp = owned.get();
    const std::string who = "vm " + std::to_string(vm_) + " shadow page gfn " + hex(sp->gfn.v) + " level " +
                            std::to_string(sp->role.level);
    if (!host_.frames().in_use(sp->spt.frame)) bad.push_back(who + ": its frame is free");
    // A 2 MiB spte, entry i of `sp`, over the range from `first`.
    const auto check_large_spte = [&](const std::string& at, const Pte& s, std::uint64_t first) {
      ++rmapped;
      if (!rmap_pde_.contains(first >> 9, &s)) bad.push_back(at + ": 2 MiB spte not in the rmap of its range");
      for (std::uint64_t k = 0; k < 512; ++k) {
        const LeafRef hl = host_.host_leaf(vm_, Gfn{first + k});
        if (!hl.pte || !hl.pte->present() || hl.frame_of(Vpn{first + k}) != s.frame() + k) {
          bad.push_back(at + ": 2 MiB spte maps frame " + hex(s.frame() + k) + " but the host maps gfn " + hex(first + k) + " elsewhere");
          break;
        }
      }
      if (s.writable() && has_wrprotected_page(first)) bad.push_back(at + ": writable 2 MiB spte over a shadowed guest page table");
    };
    if (sp->role.direct && sp->role.level == 2) {  // under a guest 1 GiB page: entry i maps the 2 MiB from gfn + 512 i
      for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        const Pte& s = sp->spt.e[i];
        const std::string at = who + " (direct) entry " + std::to_string(i);
        const std::uint64_t first = sp->gfn.v + 512 * i;
        if (s.large()) {
          if (!spte_mapped(s)) continue;
          if (sp->gfns[i] != first) bad.push_back(at + ": maps gfn " + hex(sp->gfns[i]) + ", not its place in the range");
          check_large_spte(at, s, first);
          continue;
        }
        if (!s.present()) continue;
        const auto it = page_at_frame_.find(s.frame());
        const KvmMmuPage* child = it == page_at_frame_.end() ? nullptr : it->second;
        if (!child || sp->spt.child(i) != &child->spt || !child->role.direct || child->role.level != 1 || child->gfn.v != first)
          bad.push_back(at + ": points at no direct level-1 page of its range");
      }
      continue;
    }
    if (sp->role.direct) {  // the 4 KiB sptes of a 2 MiB range of a guest large page: spte i maps gfn + i
      for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        const Pte& s = sp->spt.e[i];
        if (!spte_mapped(s)) continue;
        ++rmapped;
        const std::string at = who + " (direct) entry " + std::to_string(i);
        const std::uint64_t gfn = sp->gfns[i];
        if (gfn != sp->gfn.v + i) bad.push_back(at + ": maps gfn " + hex(gfn) + ", not its place in the range");
        if (!rmap_.contains(gfn, &s)) bad.push_back(at + ": not in the rmap of gfn " + hex(gfn));
        const LeafRef hl = host_.host_leaf(vm_, Gfn{gfn});
        if (!hl.pte || !hl.pte->present() || hl.frame_of(Vpn{gfn}) != s.frame())
          bad.push_back(at + ": maps frame " + hex(s.frame()) + " but the host maps gfn " + hex(gfn) + " elsewhere");
        if (s.writable() && !pages_of(gfn).empty()) bad.push_back(at + ": maps a shadowed guest page table writably");
      }
      continue;
    }
    const TableNode* gt = guest_.table_at(sp->gfn.v);
    if (!gt || gt->level != sp->role.level) {
      bad.push_back(who + ": no guest table of that level at the gfn");
      continue;
    }
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Pte& s = sp->spt.e[i];
      if ((sp->role.level == 1 || s.large()) ? !spte_mapped(s) : !s.present()) continue;
      const std::string at = who + " entry " + std::to_string(i);
      if (sp->role.level == 2 && s.large()) {  // a 2 MiB spte
        const std::uint64_t first = sp->gfns[i];
        if (!gt->e[i].present() || !gt->e[i].large() || gt->e[i].frame() != first)
          bad.push_back(at + ": 2 MiB spte without the guest's 2 MiB pde");
        check_large_spte(at, s, first);
        continue;
      }
      if (sp->role.level > 1) {
        const auto it = page_at_frame_.find(s.frame());
        if (it == page_at_frame_.end() || sp->spt.child(i) != &it->second->spt) {
          bad.push_back(at + ": points at no shadow page");
          continue;
        }
        const KvmMmuPage* child = it->second;
        const auto& pp = child->parent_ptes;
        if (std::find(pp.begin(), pp.end(), std::make_pair(const_cast<KvmMmuPage*>(sp), i)) == pp.end())
          bad.push_back(at + ": child does not list this parent");
        if (!gt->e[i].present() || gt->e[i].frame() != child->gfn.v || child->role.level != sp->role.level - 1)
          bad.push_back(at + ": child does not shadow the guest's next table");
        continue;
      }
      ++rmapped;
      const std::uint64_t gfn = sp->gfns[i];
      if (!rmap_.contains(gfn, &s))
        bad.push_back(at + ": not in the rmap of gfn " + hex(gfn));
      const LeafRef hl = host_.host_leaf(vm_, Gfn{gfn});
      const Pte* hp = hl.pte;
      if (!hp || !hp->present() || hl.frame_of(Vpn{gfn}) != s.frame())
        bad.push_back(at + ": maps frame " + hex(s.frame()) + " but the host maps gfn " + hex(gfn) + " elsewhere");
      if (!host_.frames().in_use(s.frame())) bad.push_back(at + ": maps a free frame");
      if (!sp->unsync) {
        const Pte g = gt->e[i];
        if (!g.present() || g.frame() != gfn) bad.push_back(at + ": does not match the guest pte");
        if (s.writable() && !(g.writable() && g.dirty())) bad.push_back(at + ": writable but the guest pte is not dirty");
      }
      if (s.writable()) {
        for (const KvmMmuPage* p : pages_of(gfn))
          if (!p->unsync) bad.push_back(at + ": maps a write-protected guest page table writably");
      }
    }
  }
  const std::size_t in_rmap = rmap_.size() + rmap_pde_.size();
  if (in_rmap != rmapped)
    bad.push_back("vm " + std::to_string(vm_) + ": rmap holds " + std::to_string(in_rmap) + " sptes, tables " +
                  std::to_string(rmapped));
  if (active_.size() != pages_.size()) bad.push_back("vm " + std::to_string(vm_) + ": active_mmu_pages out of step");
  return bad;
}

}  // namespace mmusim
