#include "host/host_memory.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/errors.h"
#include "host/split_lru.h"

namespace mmusim {

namespace {
// init_per_zone_pages_min (mm/page_alloc.c): min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped
// to [128, 65536].
std::uint64_t min_free_kbytes(std::uint64_t frames) {
  const double kb = static_cast<double>(frames) * 4;
  const auto v = static_cast<std::uint64_t>(std::sqrt(kb * 16));
  return std::clamp<std::uint64_t>(v, 128, 65536);
}

// Explain mode: a page's place on the LRU lists.
std::string lru_words(const HostPage& p) {
  return std::string(p.active ? "active" : "inactive") + (p.referenced ? ", referenced" : "");
}

// The event of gfn_to_pfn finding (or making) the host page of (vm, gfn) at `pfn`: a host fault of
// kind `how` ("swapcache", "anon", "present"), or a swap-in when `how` is null.
Event fault_event(const char* how, std::uint16_t vm, Gfn gfn, Hva hva, std::uint64_t pfn) {
  Event e(how ? EventKind::host_fault : EventKind::swap_in);
  if (how) e.word("kind", how);
  return e.num("vm", vm).hex("gfn", gfn.v).hex("hva", hva.v).hex("pfn", pfn);
}

Pte swap_pte(std::uint64_t slot) { return Pte{HostMemory::kSwapEntry | ((slot << kPageShift) & pte_bits::kFrameMask)}; }
}  // namespace

HostMemory::HostMemory(std::uint64_t frames, HostConfig cfg, std::unique_ptr<LruPolicy> lru)
    : cfg_(cfg), frames_(frames, "host"),
      lru_(lru ? std::move(lru) : std::make_unique<SplitLru>(frames, cfg.new_anon_active)) {
  pages_.reserve(frames);  // address space only: see cover()
  min_ = (cfg_.min_free_kb ? cfg_.min_free_kb : min_free_kbytes(frames)) / 4;
  // setup_per_zone_wmarks (4.6 and later): max(min / 4, frames * watermark_scale_factor / 10000)
  // between min and low and again between low and high.
  gap_ = std::max(min_ / 4, frames * cfg_.watermark_scale_factor / 10000);
  if (cfg_.swap_slots)
    swap_ = std::make_unique<SwapDevice>(cfg_.swap_slots, cfg_.swap_queue_depth, cfg_.swap_read_cycles,
                                         cfg_.swap_write_cycles);
  if (cfg_.page_cluster) slot_owner_.resize(cfg_.swap_slots);
  if (swap_ && lru_->keeps_shadows()) shadow_.resize(cfg_.swap_slots, 0);
}

HostMemory::~HostMemory() = default;

void HostMemory::cover(std::uint64_t pfn) {
  if (pfn < pages_.size()) return;
  pages_.resize(pfn + 1);  // within the reserved capacity: references to pages stay valid
}

void HostMemory::add_vm(std::uint64_t guest_frames) {
  if (guest_frames > (std::uint64_t{1} << 32))
    throw std::invalid_argument("a memslot of " + std::to_string(guest_frames) + " gfns: HostPage holds 32-bit gfns");
  auto table = std::make_unique<PageTable>(frames_, [this](std::uint64_t f) {
    cover(f);
    pages_[f].use = HostPage::Use::HostPageTable;
  });
  Vm v;
  v.guest_frames = guest_frames;
  v.table = std::move(table);
  vms_.push_back(std::move(v));
}

std::uint16_t HostMemory::add_process(std::function<void(Vpn)> flush) {
  add_vm(std::uint64_t{1} << 32);
  vms_.back().process = true;
  vms_.back().flush = std::move(flush);
  return static_cast<std::uint16_t>(vms_.size() - 1);
}

LeafRef HostMemory::host_leaf(std::uint16_t vm, Gfn gfn) const {
  return leaf_ref(vms_.at(vm).table->root(), Vpn{gfn_to_hva(vm, gfn).v >> kPageShift});
}

// __alloc_pages: below the low watermark wake kswapd; below min reclaim directly first.
std::uint64_t HostMemory::take_frame(HostPage::Use use, Cycles now, CauseCycles* c) {
  complete_writeback(now);
  if (reclaim_) {
    if (frames_.free_count() <= low_pages()) {
      const bool woke = reclaim_->wakeup_kswapd();
      if (ex()) explain_->emit(Event(EventKind::watermark).word("mark", "low").num("free", frames_.free_count()).num("pages", low_pages()).flag("woke", woke));
    }
    if (frames_.free_count() <= min_pages()) {
      if (ex()) explain_->emit(Event(EventKind::watermark).word("mark", "min").num("free", frames_.free_count()).num("pages", min_pages()));
      Cycles spent = reclaim_->direct_reclaim(now);
      // Nothing free yet but swap writes in flight: the allocation waits for them (throttling)
      // rather than failing.
      while (frames_.free_count() == 0 && !writeback_.empty()) {
        const Cycles done = writeback_.begin()->first;
        if (done > now + spent) spent = done - now;
        complete_writeback(now + spent);
      }
      ++stats_.direct_reclaims;
      if (c) c->direct_reclaim += spent;
      if (ex()) explain_->emit(Event(EventKind::direct_reclaim).num("cycles", spent).num("free", frames_.free_count()));
    }
  }
  if (frames_.free_count() == 0 && swap_ && swap_->slots_used() == swap_->slots())
    throw OutOfMemory("host memory and swap are full: all " + std::to_string(frames_.total()) + " frames in use and all " +
                          std::to_string(swap_->slots()) + " swap slots taken",
                      "swap.mb");
  const std::uint64_t f = frames_.alloc();
  cover(f);
  pages_[f] = HostPage{};
  pages_[f].use = use;
  return f;
}

void HostMemory::free_frame(std::uint64_t pfn) {
  if (lru_->on_lru(pfn)) lru_->isolate(pfn);
  lru_->forget(pfn);
  if (pages_[pfn].use == HostPage::Use::GuestMemory) disown(pfn);
  if (!reading_.empty()) reading_.erase(pfn);
  pages_[pfn] = HostPage{};
  frames_.free(pfn);
}

HostMemory::Gup HostMemory::gfn_to_pfn(std::uint16_t vm, Gfn gfn, bool write, Cycles now, CauseCycles* c) {
  Vm& v = vms_.at(vm);
  if (gfn.v >= v.guest_frames) throw std::logic_error("gfn outside the VM's memslot");
  const bool process = v.process;
  ++stats_.gup_calls;
  const CurrentMm in_mm(*this, vm);
  const Vpn hvpn{gfn_to_hva(vm, gfn).v >> kPageShift};
  Gup g;
  LeafRef leaf = leaf_ref(v.table->root(), hvpn);
  Pte* p = leaf.pte;
  if (p && is_swap_entry(*p)) {
    // do_swap_page: the page is in the swap cache (its write may still be in flight), or is read.
    ++stats_.refaults;
    stats_.refaults_procs += process;
    const std::uint64_t slot = p->frame();
    std::uint64_t f;
    if (auto it = swapcache_.find(slot); it != swapcache_.end()) {
      f = it->second;
      // A page of a huge page swapped whole, still in the swap cache: the model splits it here
      // (the kernel maps the one page and splits the partly mapped THP later, deferred_split_scan).
      if (pages_[f].huge) split_swapcache_huge(f - f % 512);
      if (c) c->host_fault += cfg_.minor_fault_cycles;
      g.minor_fault = true;
      ++stats_.minor_faults;
      if (pages_[f].readahead) {
        pages_[f].readahead = false;
        ++stats_.swap_readahead_hits;
      }
      const Cycles wait = wait_for_read(f, now);
      if (c) c->major_fault += wait;
      v.hold_mmap_sem(now, now + wait);  // lock_page under mmap_sem
      if (ex()) explain_->emit(fault_event("swapcache", vm, gfn, gfn_to_hva(vm, gfn), f).num("slot", slot).num("wait", wait));
    } else {
      if (cfg_.swap_token) grab_swap_token(vm);  // "Contend for token _before_ read-in"
      // swapin_readahead: the window's reads go in slot order, the faulting slot's among them.
      const auto [lo, hi] = readahead_window(slot);
      read_ahead(lo, slot, now);
      f = take_frame(HostPage::Use::GuestMemory, now, c);
      own(f, vm, gfn.v);
      refault(f, slot);
      pages_[f].swapcache = true;
      pages_[f].slot = slot;
      swapcache_[slot] = f;
      const Cycles stall = swap_->read(now) - now;
      v.hold_mmap_sem(now, now + stall);
      ++stats_.swap_ins;
      stats_.swap_ins_procs += process;
      ++stats_.major_faults;
      if (c) c->major_fault += stall;
      if (ex()) explain_->emit(fault_event(nullptr, vm, gfn, gfn_to_hva(vm, gfn), f).num("slot", slot).num("cycles", stall));
      g.major_fault = true;
      read_ahead(slot + 1, hi, now);
    }
    HostPage& pg = pages_[f];
    pg.vm = vm;
    pg.gfn = static_cast<std::uint32_t>(gfn.v);  // below guest_frames: fits (add_vm)
    set_mapcount(pg, 1);
    if (!pg.writeback && !lru_->on_lru(f)) {
      lru_->add_new(f, pg);
      if (ex()) explain_->emit(Event(EventKind::lru_move).hex("pfn", f).word("why", "add").word("from", "").word("to", lru_words(pg)));
    }
    *p = Pte::make(f, pte_bits::W | pte_bits::U | pte_bits::A | (write ? pte_bits::D : 0));
    if (write) pg.dirty = true;
    // do_swap_page: with swap more than half used (vm_swap_full: free slots * 2 < slots), the page
    // leaves the swap cache unless its write is in flight (remove_exclusive_swap_page).
    if (cfg_.vm_swap_full && !pg.writeback && (swap_->slots() - swap_->slots_used()) * 2 < swap_->slots()) {
      swapcache_.erase(pg.slot);
      swap_->free_slot(pg.slot);
      pg.swapcache = false;
      pg.slot = SwapDevice::kNoSlot;
      pg.dirty = true;  // no copy on the device any more
      ++stats_.swap_slots_freed;
      if (ex()) explain_->emit(Event(EventKind::swap_slot_freed).num("slot", slot).hex("pfn", f));
    }
  } else if ((!p || !p->present()) && cfg_.thp && !process && map_huge(vm, gfn, hvpn, write, now, c)) {
    leaf = leaf_ref(v.table->root(), hvpn);
    p = leaf.pte;
    g.minor_fault = true;
  } else if (!p || !p->present()) {
    // do_anonymous_page: a new private page, its pte young (and dirty when written).
    const std::uint64_t f = take_frame(HostPage::Use::GuestMemory, now, c);
    own(f, vm, gfn.v);
    set_mapcount(pages_[f], 1);
    try {
      p = &v.table->map(hvpn, f, pte_bits::W | pte_bits::U | pte_bits::A | (write ? pte_bits::D : 0));
    } catch (...) {  // no frame left for a host page table: give the data frame back
      set_mapcount(pages_[f], 0);
      disown(f);
      pages_[f] = HostPage{};
      frames_.free(f);
      throw;
    }
    if (write) pages_[f].dirty = true;
    lru_->add_new(f, pages_[f]);
    g.minor_fault = true;
    ++stats_.minor_faults;
    if (c) c->host_fault += cfg_.minor_fault_cycles;
    if (ex()) explain_->emit(fault_event("anon", vm, gfn, gfn_to_hva(vm, gfn), f).flag("dirty", write).word("list", pages_[f].active ? "active" : "inactive"));
  } else if (ex()) {
    explain_->emit(fault_event("present", vm, gfn, gfn_to_hva(vm, gfn), p->frame()));
  }
  g.pfn = Pfn{p->frame() + (hvpn.v & (mmusim::frames(leaf.size) - 1))};  // `p`: the new pte after a 4 KiB fault
  // A huge page's head stands for it (compound_head): its flags and its place on the LRU.
  const Pfn head{leaf.size == PageSize::k4K ? g.pfn.v : p->frame()};
  HostPage& pg = pages_[head.v];
  if (process) return g;  // a process's own page fault: no get_user_pages, no FOLL_TOUCH
  // follow_page, FOLL_TOUCH (mm/memory.c, 2.6.28).
  if (write && !p->dirty() && !pg.dirty) pg.dirty = true;
  if (cfg_.gup_fast && !g.minor_fault && !g.major_fault) {  // gup_pte_range: present, writable
    if (ex()) explain_->emit(Event(EventKind::gup_fast).hex("pfn", g.pfn.v));
    return g;
  }
  const std::string before = ex() ? lru_words(pg) : "";
  mark_page_accessed(head);
  if (ex() && before != lru_words(pg))
    explain_->emit(Event(EventKind::lru_move).hex("pfn", head.v).word("why", "mark_page_accessed").word("from", before).word("to", lru_words(pg)));
  return g;
}

void HostMemory::unpin(Pfn pfn) {
  if (pages_[pfn.v].pinned == 0) throw std::logic_error("unpin of a page KVM does not hold");
  --pages_[pfn.v].pinned;
}

std::uint64_t HostMemory::alloc_kernel_page(Cycles now, CauseCycles* c, int vm) {
  const CurrentMm in_mm(*this, vm);
  return take_frame(HostPage::Use::ShadowPage, now, c);
}

// grab_swap_token (mm/thrash.c, 2.6.24 to 2.6.28), for the mm of VM `vm`: first come first
// served; another mm's priority rises when its faults come faster than last time and falls
// otherwise, and it takes the token once its priority exceeds the holder's; the holder faulting
// again raises its own.
void HostMemory::grab_swap_token(std::uint16_t vm) {
  Vm& m = vms_[vm];
  ++global_faults_;
  const std::uint64_t interval = global_faults_ - m.faultstamp;
  if (token_vm_ < 0) {
    m.token_priority += 2;
    token_vm_ = vm;
    ++stats_.swap_token_grabs;
  } else if (token_vm_ != vm) {
    if (interval < m.last_interval) ++m.token_priority;
    else if (m.token_priority > 0) --m.token_priority;
    if (m.token_priority > vms_[token_vm_].token_priority) {
      m.token_priority += 2;
      token_vm_ = vm;
      ++stats_.swap_token_grabs;
    }
  } else {
    m.token_priority += 2;
  }
  m.faultstamp = global_faults_;
  m.last_interval = interval;
  if (ex()) explain_->emit(Event(EventKind::swap_token).num("vm", static_cast<std::uint64_t>(token_vm_)));
}

void HostMemory::free_kernel_page(std::uint64_t pfn) {
  if (pages_.at(pfn).use != HostPage::Use::ShadowPage) throw std::logic_error("free of a frame that is no shadow page");
  pages_[pfn] = HostPage{};
  frames_.free(pfn);
}

unsigned HostMemory::page_referenced(Pfn pfn, CauseCycles& c, Cycles now) {
  HostPage& pg = pages_[pfn.v];
  unsigned referenced = 0;
  if (pg.referenced) {  // TestClearPageReferenced
    pg.referenced = false;
    ++referenced;
  }
  if (ex()) explain_->emit(Event(EventKind::referenced).word("source", "PG_referenced").hex("pfn", pfn.v).flag("young", referenced));
  if (pg.mapcount == 0) return referenced;
  Pte* p = host_pte(pg.vm, Gfn{pg.gfn});
  bool young = p->accessed();
  p->raw &= ~pte_bits::A;
  if (ex()) explain_->emit(Event(EventKind::referenced).word("source", "host_pte").hex("pfn", pfn.v).flag("young", young));
  if (young && vms_[pg.vm].flush) vms_[pg.vm].flush(Vpn{pg.gfn});  // ptep_clear_flush_young
  if (MmuNotifier* n = vms_[pg.vm].notifier) young |= n->clear_flush_young(Gfn{pg.gfn}, c);
  // page_referenced_one: "Pretend the page is referenced if the task has the swap token and is
  // in the middle of a page fault" (mm != current->mm && has_swap_token && rwsem_is_locked).
  if (token_vm_ == pg.vm && current_vm_ != pg.vm && vms_[pg.vm].in_fault(now)) {
    ++referenced;
    ++stats_.swap_token_references;
    if (ex()) explain_->emit(Event(EventKind::referenced).word("source", "swap_token").hex("pfn", pfn.v).num("vm", pg.vm).flag("young", true));
  }
  return referenced + young;
}

// do_huge_pmd_anonymous_page (mm/huge_memory.c, 2.6.38) for guest memory: the pmd is empty (no
// page table, no huge page), the aligned 2 MiB of gfns lies inside the memslot, and a free aligned
// block of 512 frames leaves the free pages above the low watermark (GFP_TRANSHUGE wakes no kswapd;
// no compaction is modelled): the 2 MiB page, its pmd young (and dirty on a write), one LRU entry
// (its head), and the page table deposited for a later split. Else the 4 KiB path runs.
bool HostMemory::map_huge(std::uint16_t vm, Gfn gfn, Vpn hvpn, bool write, Cycles now, CauseCycles* c) {
  Vm& v = vms_[vm];
  const std::uint64_t first_gfn = gfn.v & ~std::uint64_t{511};
  if (first_gfn + 512 > v.guest_frames) return false;
  complete_writeback(now);
  TableNode* pmd = v.table->table_for(hvpn, 2);  // pud_alloc, pmd_alloc
  const unsigned i = pt_index(hvpn, 2);
  if (pmd->e[i].present() || pmd->child(i) || is_swap_entry(pmd->e[i])) return false;
  if (frames_.free_count() < 512 + 1 + low_pages()) return false;
  const auto block = frames_.alloc_block(9);
  if (!block) return false;
  TableNode* deposit;
  try {
    deposit = v.table->new_table(1);  // pte_alloc_one, deposited
  } catch (...) {
    frames_.free_block(*block, 9);
    throw;
  }
  deposited_[*block] = deposit;
  for (std::uint64_t k = 0; k < 512; ++k) {
    const std::uint64_t f = *block + k;
    cover(f);
    pages_[f] = HostPage{};
    pages_[f].use = HostPage::Use::GuestMemory;
    pages_[f].huge = true;
    own(f, vm, first_gfn + k);
    set_mapcount(pages_[f], 1);
  }
  v.table->map_large(hvpn, *block, pte_bits::W | pte_bits::U | pte_bits::A | (write ? pte_bits::D : 0), PageSize::k2M);
  if (write) pages_[*block].dirty = true;
  lru_->add_new(*block, pages_[*block]);
  ++stats_.minor_faults;
  ++stats_.host_huge_pages;
  if (c) c->host_fault += cfg_.minor_fault_cycles;
  if (ex())
    explain_->emit(fault_event("huge", vm, gfn, gfn_to_hva(vm, gfn), *block).hex("first_gfn", first_gfn));
  return true;
}

// split_huge_page (mm/huge_memory.c, 2.6.38): the deposited page table takes 512 ptes with the
// pmd's bits (young, dirty) and replaces the pmd; each tail page gets the head's PG_referenced and
// PG_active, is dirty, and joins the LRU list the head's flags name (lru_add_page_tail, the head
// being isolated); the head, one page from now, counts one on its list (__split_huge_page_refcount).
// The frames stay: KVM's mappings stay valid, and a large spte goes when one of its pages is
// invalidated.
void HostMemory::split_huge_page(std::uint64_t head) {
  HostPage& hp = pages_[head];
  Vm& v = vms_[hp.vm];
  const Vpn hvpn{gfn_to_hva(hp.vm, Gfn{hp.gfn}).v >> kPageShift};
  TableNode* pmd = v.table->table_for(hvpn, 2);
  const unsigned i = pt_index(hvpn, 2);
  const Pte old = pmd->e[i];
  const auto dep = deposited_.find(head);
  if (!old.large() || dep == deposited_.end()) throw std::logic_error("split of a page that is not huge");
  TableNode* pt = dep->second;
  deposited_.erase(dep);
  for (unsigned k = 0; k < kEntriesPerTable; ++k) pt->e[k] = Pte{(old.raw & ~pte_bits::PS & ~pte_bits::kFrameMask) | ((head + k) << kPageShift)};
  pmd->e[i] = Pte::make(pt->frame, pte_bits::W | pte_bits::U);
  pmd->set_child(i, pt);
  if (lru_->on_lru(head)) lru_->split_head(head);  // the head's entry counts 1 page from now
  for (std::uint64_t k = 0; k < 512; ++k) {
    HostPage& t = pages_[head + k];
    t.huge = false;
    if (k == 0) continue;
    t.referenced = hp.referenced;
    t.active = hp.active;
    t.dirty = true;
    lru_->putback(head + k, t);
  }
  ++stats_.huge_pages_split;
  if (ex()) explain_->emit(Event(EventKind::add_to_swap).word("step", "split").hex("pfn", head));
}

void HostMemory::split_swapcache_huge(std::uint64_t head) {
  HostPage& hp = pages_[head];
  Cycles done = 0;
  if (hp.writeback)
    for (const auto& [at, f] : writeback_)
      if (f == head) done = at;
  for (std::uint64_t k = 0; k < 512; ++k) {
    HostPage& t = pages_[head + k];
    t.huge = false;
    if (k == 0) continue;
    t.referenced = hp.referenced;
    t.active = hp.active;
    t.dirty = hp.dirty;
    t.writeback = hp.writeback;
    t.reclaim = hp.reclaim;
    if (t.writeback) writeback_.emplace(done, head + k);
    if (cfg_.writeback_rotate || !t.writeback) lru_->putback(head + k, t);
  }
  if (lru_->on_lru(head)) {  // the head goes back as one 4 KiB page (an LRU counting pages sees 1, not 512)
    lru_->isolate(head);
    lru_->putback(head, hp);
  }
  ++stats_.huge_pages_split;
  if (ex()) explain_->emit(Event(EventKind::add_to_swap).word("step", "split_swapcache").hex("pfn", head));
}

// valid_swaphandles (mm/swapfile.c, 2.6.28): the run of in-use slots around `target` within
// its aligned window of 2^page_cluster slots (just the target without readahead).
std::pair<std::uint64_t, std::uint64_t> HostMemory::readahead_window(std::uint64_t target) const {
  if (!cfg_.page_cluster) return {target, target + 1};
  const std::uint64_t base = target >> cfg_.page_cluster << cfg_.page_cluster;
  const std::uint64_t end = std::min(base + (std::uint64_t{1} << cfg_.page_cluster), swap_->slots());
  std::uint64_t lo = target, hi = target + 1;
  while (lo > base && swap_->slot_in_use(lo - 1)) --lo;
  while (hi < end && swap_->slot_in_use(hi)) ++hi;
  return {lo, hi};
}

// read_swap_cache_async for each slot of [lo, hi) not in the swap cache yet: a new page on the
// inactive list (lru_cache_add_anon) whose read is submitted now.
void HostMemory::read_ahead(std::uint64_t lo, std::uint64_t hi, Cycles now) {
  for (std::uint64_t s = lo; s < hi; ++s) {
    if (swapcache_.count(s)) continue;
    if (frames_.free_count() <= low_pages()) break;  // no reclaim for readahead (a deviation)
    const std::uint64_t owner = slot_owner_[s];
    const std::uint64_t f = take_frame(HostPage::Use::GuestMemory, now, nullptr);
    own(f, static_cast<std::uint16_t>(owner >> 32), static_cast<std::uint32_t>(owner));
    refault(f, s);
    HostPage& pg = pages_[f];
    pg.swapcache = true;
    pg.slot = s;
    pg.readahead = true;
    pg.active = false;
    swapcache_[s] = f;
    lru_->putback(f, pg);
    reading_[f] = swap_->read(now);
    ++stats_.swap_readahead_pages;
    if (ex()) explain_->emit(Event(EventKind::readahead).num("slot", s).hex("pfn", f));
  }
}

Cycles HostMemory::wait_for_read(std::uint64_t f, Cycles now) {
  if (reading_.empty()) return 0;
  const auto it = reading_.find(f);
  if (it == reading_.end()) return 0;
  const Cycles wait = it->second > now ? it->second - now : 0;
  reading_.erase(it);
  return wait;
}

void HostMemory::evict(std::uint64_t f) {
  if (!shadow_.empty()) shadow_[pages_[f].slot] = lru_->evict_token(f, pages_[f]);
}

void HostMemory::refault(std::uint64_t f, std::uint64_t slot) {
  if (shadow_.empty()) return;
  lru_->refault(f, pages_[f], shadow_[slot]);
  shadow_[slot] = 0;
}

bool HostMemory::page_pinned(Pfn pfn) const {
  if (!pages_[pfn.v].huge) return pages_[pfn.v].pinned > 0;
  const std::uint64_t head = pfn.v - pfn.v % 512;
  for (std::uint64_t k = 0; k < 512; ++k)
    if (pages_[head + k].pinned) return true;
  return false;
}

bool HostMemory::add_to_swap(Pfn pfn, std::vector<std::uint64_t>* split_tails) {
  if (pages_[pfn.v].huge) {
    if (cfg_.thp_swap) {
      // 4.13 (38d8b4e6bdc8): add_to_swap of a THP takes a cluster (get_huge_swap_page) and adds the
      // 512 pages to the swap cache as one; without a free cluster shrink_page_list splits it
      // (split_huge_page_to_list, THP_SWPOUT_FALLBACK, 4.14) and tries again for the head alone.
      if (pages_[pfn.v].swapcache) return true;
      if (!swap_) return false;
      const std::uint64_t first = swap_->alloc_cluster();
      if (first != SwapDevice::kNoSlot) {
        if (ex()) explain_->emit(Event(EventKind::add_to_swap).num("slot", first).hex("pfn", pfn.v).num("pages", 512));
        for (std::uint64_t k = 0; k < 512; ++k) {
          HostPage& t = pages_[pfn.v + k];
          t.swapcache = true;
          t.slot = first + k;
          swapcache_[first + k] = pfn.v + k;
          if (!slot_owner_.empty()) slot_owner_[first + k] = std::uint64_t{t.vm} << 32 | t.gfn;
        }
        pages_[pfn.v].dirty = true;  // no copy on the device yet
        return true;
      }
      ++stats_.thp_swpout_fallback;
    } else if (!swap_ || swap_->slots_used() == swap_->slots()) {
      return false;  // 2.6.38: get_swap_page fails before the split
    }
    split_huge_page(pfn.v);
    if (split_tails)
      for (std::uint64_t k = 1; k < 512; ++k) split_tails->push_back(pfn.v + k);
  }
  HostPage& pg = pages_[pfn.v];
  if (pg.swapcache) return true;
  if (!swap_) return false;
  const std::uint64_t slot = swap_->alloc_slot();
  if (slot == SwapDevice::kNoSlot) return false;
  if (ex()) explain_->emit(Event(EventKind::add_to_swap).num("slot", slot).hex("pfn", pfn.v));
  pg.swapcache = true;
  pg.slot = slot;
  pg.dirty = true;  // a new swap-cache page has no copy on the device yet
  swapcache_[slot] = pfn.v;
  if (!slot_owner_.empty()) slot_owner_[slot] = std::uint64_t{pg.vm} << 32 | pg.gfn;
  return true;
}

// try_to_unmap of a huge page in the swap cache (4.14, bd4c82c22c36): TTU_SPLIT_HUGE_PMD splits the
// pmd mapping (__split_huge_pmd: the deposited table takes 512 ptes) and try_to_unmap_one makes
// each pte the swap entry of its page; the page stays one compound page. The mmu notifier
// invalidates the 2 MiB range (mmu_notifier_invalidate_range_start/end, 4.13's try_to_unmap_one),
// so KVM drops a large spte and every 4 KiB spte of the range. With unmap_checks_young the young
// check is made once, on the pmd and the head's secondary mappings, before the mapping is split
// (the kernel checks each pte after the split: a young huge page would stay mapped by 512 ptes).
bool HostMemory::unmap_huge(std::uint64_t head, CauseCycles& c) {
  HostPage& pg = pages_[head];
  Vm& v = vms_[pg.vm];
  const Vpn hvpn{gfn_to_hva(pg.vm, Gfn{pg.gfn}).v >> kPageShift};
  TableNode* pmd = v.table->table_for(hvpn, 2);
  const unsigned i = pt_index(hvpn, 2);
  Pte& e = pmd->e[i];
  MmuNotifier* n = v.notifier;
  if (cfg_.unmap_checks_young) {
    bool young = e.accessed();
    e.raw &= ~pte_bits::A;
    if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "pte").hex("pfn", head).flag("young", young));
    if (n) young |= n->clear_flush_young(Gfn{pg.gfn}, c);
    if (young) {
      if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "swap_fail").hex("pfn", head));
      return false;
    }
  }
  const auto dep = deposited_.find(head);
  if (!e.large() || dep == deposited_.end()) throw std::logic_error("unmap of a huge page its pmd does not map");
  if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "unmapped").hex("pfn", head).num("slot", pg.slot).num("pages", 512));
  if (e.dirty()) pg.dirty = true;
  TableNode* pt = dep->second;
  deposited_.erase(dep);
  for (unsigned k = 0; k < kEntriesPerTable; ++k) pt->e[k] = swap_pte(pages_[head + k].slot);
  e = Pte::make(pt->frame, pte_bits::W | pte_bits::U);
  pmd->set_child(i, pt);
  for (std::uint64_t k = 0; k < 512; ++k) set_mapcount(pages_[head + k], 0);
  if (n) {
    n->invalidate_range_start(Gfn{pg.gfn}, Gfn{pg.gfn + 511u}, c);
    n->invalidate_range_end(Gfn{pg.gfn}, Gfn{pg.gfn + 511u});
  }
  return true;
}

bool HostMemory::try_to_unmap(Pfn pfn, CauseCycles& c) {
  HostPage& pg = pages_[pfn.v];
  if (pg.mapcount == 0) return true;
  if (pg.huge) return unmap_huge(pfn.v, c);  // only with thp_swap: else add_to_swap has split it
  Pte* p = host_pte(pg.vm, Gfn{pg.gfn});
  MmuNotifier* n = vms_[pg.vm].notifier;
  if (cfg_.unmap_checks_young) {
    bool young = p->accessed();
    p->raw &= ~pte_bits::A;
    if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "pte").hex("pfn", pfn.v).flag("young", young));
    if (young && vms_[pg.vm].flush) vms_[pg.vm].flush(Vpn{pg.gfn});
    if (n) young |= n->clear_flush_young(Gfn{pg.gfn}, c);
    if (young) {
      if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "swap_fail").hex("pfn", pfn.v));
      return false;  // SWAP_FAIL: referenced since page_referenced looked
    }
  }
  if (ex()) explain_->emit(Event(EventKind::try_to_unmap).word("step", "unmapped").hex("pfn", pfn.v).num("slot", pg.slot));
  if (p->dirty()) pg.dirty = true;
  *p = swap_pte(pg.slot);  // ptep_clear_flush_notify, then the swap entry
  if (vms_[pg.vm].flush) vms_[pg.vm].flush(Vpn{pg.gfn});
  set_mapcount(pg, 0);
  if (n) n->invalidate_page(Gfn{pg.gfn}, c);
  return true;
}

Cycles HostMemory::pageout(Pfn pfn, Cycles now) {
  HostPage& pg = pages_[pfn.v];
  lru_->isolate(pfn.v);
  pg.writeback = true;
  pg.dirty = false;
  if (cfg_.writeback_rotate) {  // SetPageReclaim, then putback_lru_page: the inactive head
    pg.reclaim = true;
    pg.active = false;
    lru_->putback(pfn.v, pg);
  }
  const unsigned nr = pg.huge ? 512 : 1;  // a huge page: one 2 MiB write (swap_writepage, 4.14)
  stats_.swap_outs += nr;
  stats_.swap_outs_procs += vms_[pg.vm].process;
  stats_.thp_swpout += pg.huge;
  const Cycles done = pg.huge ? swap_->write_pages(now, nr) : swap_->write(now);
  writeback_.emplace(done, pfn.v);
  if (ex()) {
    Event e(EventKind::swap_out);
    e.hex("pfn", pfn.v).num("slot", pg.slot).num("done", done).flag("rotate", cfg_.writeback_rotate);
    if (pg.huge) e.num("pages", nr);
    explain_->emit(e);
  }
  return done;
}

// thp_swap: __remove_mapping or end of writeback of a huge page in the swap cache: its 512 slots
// keep the data (each gets the folio's shadow, as __delete_from_swap_cache stores one per slot) and
// its frames go back to the allocator as one order-9 block (free_compound_page).
void HostMemory::free_huge(std::uint64_t head, const char* why) {
  const std::uint64_t token = shadow_.empty() ? 0 : lru_->evict_token(head, pages_[head]);
  for (std::uint64_t k = 0; k < 512; ++k) {
    const std::uint64_t f = head + k;
    HostPage& pg = pages_[f];
    swapcache_.erase(pg.slot);
    if (!shadow_.empty()) shadow_[pg.slot] = token;
    if (lru_->on_lru(f)) lru_->isolate(f);
    lru_->forget(f);
    disown(f);
    if (!reading_.empty()) reading_.erase(f);
    pages_[f] = HostPage{};
  }
  frames_.free_block(head, 9);
  if (ex()) explain_->emit(Event(EventKind::page_freed).hex("pfn", head).word("why", why).num("pages", 512));
}

void HostMemory::remove_mapping(Pfn pfn) {
  HostPage& pg = pages_[pfn.v];
  if (pg.mapcount || pg.dirty || pg.writeback || !pg.swapcache || page_pinned(pfn))
    throw std::logic_error("remove_mapping of a page still in use");
  if (pg.huge) {
    free_huge(pfn.v, "clean");
    return;
  }
  swapcache_.erase(pg.slot);
  evict(pfn.v);
  free_frame(pfn.v);
  if (ex()) explain_->emit(Event(EventKind::page_freed).hex("pfn", pfn.v).word("why", "clean"));
}

std::uint64_t HostMemory::complete_writeback(Cycles now) {
  std::uint64_t freed = 0;
  while (!writeback_.empty() && writeback_.begin()->first <= now) {
    const std::uint64_t f = writeback_.begin()->second;
    writeback_.erase(writeback_.begin());
    HostPage& pg = pages_[f];
    pg.writeback = false;
    if (cfg_.writeback_rotate) {  // end_page_writeback: TestClearPageReclaim, rotate_reclaimable_page
      if (pg.reclaim && lru_->rotate_reclaimable(f, pg)) ++stats_.pages_rotated_writeback;
      pg.reclaim = false;
    } else if (pg.huge && pg.mapcount == 0 && !pg.dirty && !page_pinned(Pfn{f})) {  // thp_swap: freed whole
      free_huge(f, "writeback");
      freed += 512;
    } else if (pg.mapcount == 0 && !pg.dirty && !pg.pinned) {  // end_page_writeback, then freed
      swapcache_.erase(pg.slot);
      evict(f);
      free_frame(f);
      ++freed;
      if (ex()) explain_->emit(Event(EventKind::page_freed).hex("pfn", f).word("why", "writeback"));
    } else if (!lru_->on_lru(f)) {  // refaulted while being written
      lru_->putback(f, pg);
    }
  }
  return freed;
}

std::vector<std::string> HostMemory::check() const {
  std::vector<std::string> bad;
  if (const std::string wrong = lru_->check_lists(); !wrong.empty()) bad.push_back(wrong);
  std::vector<std::uint8_t> seen(pages_.size(), 0);
  for (std::size_t vm = 0; vm < vms_.size(); ++vm) {
    for (const auto& [frame, node] : vms_[vm].table->tables()) {
      if (frame >= pages_.size()) {  // pages_ covers only the frames ever handed out
        bad.push_back("host table page " + std::to_string(frame) + " is a frame never handed out");
        continue;
      }
      ++seen[frame];
      if (pages_[frame].use != HostPage::Use::HostPageTable)
        bad.push_back("host table page " + std::to_string(frame) + " not marked as a page table");
      if (node->level == 2) {  // huge pages: 512 frames each
        for (unsigned i = 0; i < kEntriesPerTable; ++i) {
          const Pte& e = node->e[i];
          if (!e.present() || !e.large()) continue;
          if (e.frame() + 512 > pages_.size() || !deposited_.count(e.frame())) {
            bad.push_back("host pmd of vm " + std::to_string(vm) + " maps a 2 MiB page at " + std::to_string(e.frame()) +
                          " never handed out or without its deposited table");
            continue;
          }
          for (std::uint64_t k = 0; k < 512; ++k) {
            const HostPage& pg = pages_[e.frame() + k];
            ++seen[e.frame() + k];
            if (pg.use != HostPage::Use::GuestMemory || pg.vm != vm || pg.mapcount != 1 || !pg.huge)
              bad.push_back("host pmd of vm " + std::to_string(vm) + " maps frame " + std::to_string(e.frame() + k) +
                            " that is not its mapped huge guest memory");
          }
        }
      }
      if (node->level != 1) continue;
      for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        const Pte& e = node->e[i];
        if (is_swap_entry(e)) {
          if (!swap_ || !swap_->slot_in_use(e.frame()))
            bad.push_back("host swap entry of vm " + std::to_string(vm) + " points at a free slot");
          continue;
        }
        if (!e.present()) continue;
        if (e.frame() >= pages_.size()) {
          bad.push_back("host pte of vm " + std::to_string(vm) + " maps frame " + std::to_string(e.frame()) +
                        ", never handed out");
          continue;
        }
        const HostPage& pg = pages_[e.frame()];
        ++seen[e.frame()];
        if (pg.use != HostPage::Use::GuestMemory || pg.vm != vm || pg.mapcount != 1)
          bad.push_back("host pte of vm " + std::to_string(vm) + " maps frame " + std::to_string(e.frame()) +
                        " that is not its mapped guest memory");
      }
    }
  }
  std::uint64_t used = 0, mapped = 0, resident[2] = {0, 0};
  for (std::size_t f = 0; f < pages_.size(); ++f) {
    const HostPage& pg = pages_[f];
    const bool in_use = frames_.in_use(f);
    used += in_use;
    mapped += in_use && pg.mapcount > 0;
    if (in_use && pg.use == HostPage::Use::GuestMemory) ++resident[vms_[pg.vm].process];
    // An unmapped guest page is accounted for by the swap cache (in writeback or about to be freed).
    const bool unmapped_cached = pg.use == HostPage::Use::GuestMemory && pg.mapcount == 0 && pg.swapcache;
    const unsigned owners = seen[f] + (pg.use == HostPage::Use::ShadowPage) + unmapped_cached;
    if (in_use && owners != 1)
      bad.push_back("host frame " + std::to_string(f) + " accounted for " + std::to_string(owners) + " times");
    if (!in_use && (seen[f] || pg.use != HostPage::Use::Free)) bad.push_back("free host frame " + std::to_string(f) + " still in use");
    const bool on_lru = lru_->on_lru(f);
    const bool huge_tail = pg.huge && f % 512 != 0;  // a huge page's tails stay off the LRU
    if (pg.use == HostPage::Use::GuestMemory && on_lru != (!huge_tail && (cfg_.writeback_rotate || !pg.writeback)))
      bad.push_back("host page " + std::to_string(f) + (on_lru ? " in writeback but on the LRU" : " off the LRU"));
    if (on_lru) {
      const std::string wrong = lru_->check_page(f, pg);
      if (!wrong.empty()) bad.push_back("host page " + std::to_string(f) + ": " + wrong);
    }
    if (pg.swapcache && (!swap_ || !swap_->slot_in_use(pg.slot) || swapcache_.count(pg.slot) == 0 ||
                         swapcache_.at(pg.slot) != f))
      bad.push_back("host page " + std::to_string(f) + ": swap cache entry broken");
    // A huge page is mapped by its pmd, or (thp_swap) unmapped in the swap cache, its 512 pages in
    // the 512 slots of one cluster, in order.
    if (in_use && pg.huge && pg.mapcount == 0 && !pg.swapcache)
      bad.push_back("host page " + std::to_string(f) + " of a huge page neither mapped nor in the swap cache");
    if (in_use && pg.huge && pg.swapcache) {
      const HostPage& head = pages_[f - f % 512];
      if (!head.huge || !head.swapcache || head.slot % SwapDevice::kClusterSlots != 0 || pg.slot != head.slot + f % 512 ||
          pg.mapcount != head.mapcount)
        bad.push_back("host page " + std::to_string(f) + " of a huge page in the swap cache outside its head's cluster");
    }
  }
  if (used != frames_.used()) bad.push_back("host frame count mismatch");
  if (mapped != mapped_) bad.push_back("mapped pages counted " + std::to_string(mapped_) + ", found " + std::to_string(mapped));
  if (resident[0] != resident_[0] || resident[1] != resident_[1])
    bad.push_back("resident pages of guests and host processes counted " + std::to_string(resident_[0]) + " and " +
                  std::to_string(resident_[1]) + ", found " + std::to_string(resident[0]) + " and " + std::to_string(resident[1]));
  return bad;
}

}  // namespace mmusim
