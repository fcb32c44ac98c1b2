#include "mmu/mmu.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace mmusim {

namespace {
const char* tlb_name(bool fetch) { return fetch ? "iTLB" : "dTLB"; }
const char* size_name(PageSize s) { return s == PageSize::k4K ? "4K" : s == PageSize::k2M ? "2M" : "1G"; }

// The event of a hardware walk that started at a table of `start_level`: how it ended, and the
// tables it read (t4..t1, with the vpn's index in each) for the view's radix tree.
Event walk_event(const WalkResult& w, Vpn vpn, unsigned start_level, const char* entry, bool fetch) {
  Event e(EventKind::walk);
  e.num("dims", 1).hex("vpn", vpn.v).num("start_level", start_level).num("refs", w.refs).word("entry", entry);
  e.word("status", w.status == WalkStatus::Ok ? "ok" : w.status == WalkStatus::NotPresent ? "absent" : fetch ? "NX" : "read-only");
  e.num("level", w.level);
  if (w.leaf) e.hex("frame", w.leaf->frame()).word("size", size_name(w.size));
  static const char* const tables[] = {"", "t1", "t2", "t3", "t4"};
  for (unsigned l = kLevels; l >= 1; --l)
    if (w.tables[l]) e.hex(tables[l], w.tables[l]->frame);
  return e;
}

// A fill of `l1`'s entry `f` (and of the STLB's entry `s` when given): where each went, by set and
// way; a large entry (2 MiB or 1 GiB: `l1` the L1's array of its size) names its size.
Event fill_event(const Tlb& l1, const TlbEntry& f, const Tlb* stlb, const TlbEntry* s, bool fetch, bool two_d) {
  const auto at = [](const Tlb& t, const TlbEntry& e) { return static_cast<unsigned>(&e - t.all_entries().data()); };
  Event e(EventKind::tlb_fill);
  e.word("tlb", tlb_name(fetch)).flag("stlb", stlb != nullptr).hex("vpn", key_vpn(f.key).v).hex("frame", f.frame);
  e.num("set", at(l1, f) / l1.ways()).num("way", at(l1, f) % l1.ways());
  if (stlb) e.num("stlb_set", at(*stlb, *s) / stlb->ways()).num("stlb_way", at(*stlb, *s) % stlb->ways());
  e.flag("gva_to_hpa", two_d).flag("large", f.size != PageSize::k4K);
  return f.size == PageSize::k4K ? e : e.word("size", size_name(f.size));
}

}  // namespace

Event tlb_lookup_event(const char* tlb, bool hit, Vpn vpn, PageSize size) {
  Event e(EventKind::tlb_lookup);
  e.word("tlb", tlb).flag("hit", hit).hex("vpn", vpn.v).flag("large", size != PageSize::k4K);
  return size == PageSize::k4K ? e : e.word("size", size_name(size));
}

const CounterTable<Mmu>& Mmu::counters() {
  using K = CounterKind;
  static const CounterTable<Mmu> t = {
      {{"l1i_lookups", "lookups", K::Count, "L1 iTLB lookups (X), every attempt of a retried translation"},
       [](const Mmu& m) { return m.stats().l1i_lookups; }},
      {{"l1i_misses", "lookups", K::Count, "L1 iTLB misses"}, [](const Mmu& m) { return m.stats().l1i_misses; }},
      {{"l1d_lookups", "lookups", K::Count, "L1 dTLB lookups (R, W, M)"}, [](const Mmu& m) { return m.stats().l1d_lookups; }},
      {{"l1d_misses", "lookups", K::Count, "L1 dTLB misses"}, [](const Mmu& m) { return m.stats().l1d_misses; }},
      {{"stlb_lookups", "lookups", K::Count, "STLB lookups (one per L1 miss)"}, [](const Mmu& m) { return m.stats().stlb_lookups; }},
      {{"stlb_misses", "lookups", K::Count, "STLB misses (each starts a walk)"}, [](const Mmu& m) { return m.stats().stlb_misses; }},
      {{"walks", "walks", K::Count, "hardware page walks, completed or faulting"}, [](const Mmu& m) { return m.stats().walks; }},
      {{"walk_refs", "references", K::Count, "page-table entries read by walks"}, [](const Mmu& m) { return m.stats().walk_refs; }},
      {{"translations", "translations", K::Count, "completed translations: one per 4 KiB page an access touches"},
       [](const Mmu& m) { return m.stats().translations; }},
      {{"dirty_assists", "assists", K::Count, "writes to a cached entry whose D bit was clear"},
       [](const Mmu& m) { return m.stats().dirty_assists; }},
      {{"pwc_lookups", "lookups", K::Count, "page-walk cache lookups (one per walk when enabled)"},
       [](const Mmu& m) { return m.stats().pwc_lookups; }},
      {{"pwc_hits", "hits", K::Count, "walks that started below the root thanks to the page-walk cache"},
       [](const Mmu& m) { return m.stats().pwc_hits; }},
      {{"walk_refs_guest", "references", K::Count, "of walk_refs, guest page-table entries read by 2D walks (nested mode)"},
       [](const Mmu& m) { return m.stats().walk_refs_guest; }},
      {{"walk_refs_ept", "references", K::Count, "of walk_refs, EPT entries read by 2D walks (nested mode)"},
       [](const Mmu& m) { return m.stats().walk_refs_ept; }},
      {{"ept_pwc_lookups", "lookups", K::Count, "EPT paging-structure cache lookups (nested mode, ept.pwc_entries)"},
       [](const Mmu& m) { return m.stats().ept_pwc_lookups; }},
      {{"ept_pwc_hits", "hits", K::Count, "EPT walks that started below the EPT root thanks to that cache"},
       [](const Mmu& m) { return m.stats().ept_pwc_hits; }},
      {{"ntlb_lookups", "lookups", K::Count, "nested TLB lookups: gfn -> pfn (nested mode, ept.ntlb_entries)"},
       [](const Mmu& m) { return m.stats().ntlb_lookups; }},
      {{"ntlb_hits", "hits", K::Count, "of those, hits: the EPT dimension read no entry"},
       [](const Mmu& m) { return m.stats().ntlb_hits; }},
      {{"tlb_cycles", "cycles", K::Count, "L1 and STLB lookups"}, [](const Mmu& m) { return m.stats().tlb_cycles; }},
      {{"walk_cycles", "cycles", K::Count, "hardware page-walk references"}, [](const Mmu& m) { return m.stats().walk_cycles; }},
      {{"dirty_assist_cycles", "cycles", K::Count, "dirty-bit assists"},
       [](const Mmu& m) { return m.stats().dirty_assist_cycles; }},
      // The three Cs of each TLB's misses (tlb/miss_classifier.h).
      {{"l1i_misses_compulsory", "lookups", K::Count, "of l1i_misses, on a page this iTLB never held (Dinero IV's three Cs)"},
       [](const Mmu& m) { return m.l1i().miss_counts().compulsory; }},
      {{"l1i_misses_capacity", "lookups", K::Count,
        "of l1i_misses, neither compulsory nor held by a fully associative LRU TLB of the same size (also "
        "misses after a flush or INVLPG)"},
       [](const Mmu& m) { return m.l1i().miss_counts().capacity; }},
      {{"l1i_misses_conflict", "lookups", K::Count,
        "of l1i_misses, on a page a fully associative LRU TLB of the same size would hold (the set mapping's)"},
       [](const Mmu& m) { return m.l1i().miss_counts().conflict; }},
      {{"l1d_misses_compulsory", "lookups", K::Count, "of l1d_misses, compulsory (as l1i_misses_compulsory)"},
       [](const Mmu& m) { return m.l1d().miss_counts().compulsory; }},
      {{"l1d_misses_capacity", "lookups", K::Count, "of l1d_misses, capacity (as l1i_misses_capacity)"},
       [](const Mmu& m) { return m.l1d().miss_counts().capacity; }},
      {{"l1d_misses_conflict", "lookups", K::Count, "of l1d_misses, conflict (as l1i_misses_conflict)"},
       [](const Mmu& m) { return m.l1d().miss_counts().conflict; }},
      {{"stlb_misses_compulsory", "lookups", K::Count, "of stlb_misses, compulsory (as l1i_misses_compulsory)"},
       [](const Mmu& m) { return m.stlb().miss_counts().compulsory; }},
      {{"stlb_misses_capacity", "lookups", K::Count, "of stlb_misses, capacity (as l1i_misses_capacity)"},
       [](const Mmu& m) { return m.stlb().miss_counts().capacity; }},
      {{"stlb_misses_conflict", "lookups", K::Count, "of stlb_misses, conflict (as l1i_misses_conflict)"},
       [](const Mmu& m) { return m.stlb().miss_counts().conflict; }},
      {{"walks_2m", "walks", K::Count, "completed walks that ended at a 2 MiB leaf (nested mode: the guest's leaf)"},
       [](const Mmu& m) { return m.stats().walks_2m; }},
      {{"tlb_2m_hits", "hits", K::Count, "L1 and STLB lookups that hit a 2 MiB entry"},
       [](const Mmu& m) { return m.stats().tlb_2m_hits; }},
      {{"walks_1g", "walks", K::Count, "completed walks that ended at a 1 GiB leaf (nested mode: the guest's leaf)"},
       [](const Mmu& m) { return m.stats().walks_1g; }},
      {{"tlb_1g_hits", "hits", K::Count, "L1 dTLB and STLB lookups that hit a 1 GiB entry"},
       [](const Mmu& m) { return m.stats().tlb_1g_hits; }},
  };
  return t;
}

MmuStats& MmuStats::operator+=(const MmuStats& o) {
  // Summed over CPUs: saturating (common/counters.h).
  for (auto [x, y] : {std::pair{&translations, o.translations}, {&l1i_lookups, o.l1i_lookups}, {&l1i_misses, o.l1i_misses},
                      {&l1d_lookups, o.l1d_lookups}, {&l1d_misses, o.l1d_misses}, {&stlb_lookups, o.stlb_lookups},
                      {&stlb_misses, o.stlb_misses}, {&walks, o.walks}, {&walk_refs, o.walk_refs},
                      {&walk_refs_guest, o.walk_refs_guest}, {&walk_refs_ept, o.walk_refs_ept},
                      {&ept_pwc_lookups, o.ept_pwc_lookups}, {&ept_pwc_hits, o.ept_pwc_hits},
                      {&ntlb_lookups, o.ntlb_lookups}, {&ntlb_hits, o.ntlb_hits}, {&pwc_lookups, o.pwc_lookups},
                      {&pwc_hits, o.pwc_hits}, {&dirty_assists, o.dirty_assists}, {&faults, o.faults},
                      {&walks_2m, o.walks_2m}, {&tlb_2m_hits, o.tlb_2m_hits}, {&walks_1g, o.walks_1g},
                      {&tlb_1g_hits, o.tlb_1g_hits},
                      {&tlb_cycles, o.tlb_cycles}, {&walk_cycles, o.walk_cycles},
                      {&dirty_assist_cycles, o.dirty_assist_cycles}})
    add_saturating(*x, y);
  return *this;
}

Mmu::Mmu(const MmuConfig& cfg)
    : cfg_(cfg),
      l1i_("l1i", cfg.l1i_entries, cfg.l1i_ways),
      l1d_("l1d", cfg.l1d_entries, cfg.l1d_ways),
      stlb_("stlb", cfg.stlb_entries, cfg.stlb_ways),
      pwc_(cfg.pwc_entries),
      ept_pwc_(cfg.ept_pwc_entries),
      ntlb_(cfg.ntlb_entries ? std::make_unique<Tlb>("ntlb", cfg.ntlb_entries, cfg.ntlb_ways) : nullptr) {}

bool Mmu::hit_allows(TlbEntry& e, Vpn vpn, bool write, bool fetch, Translation& t) {
  if ((write && !e.writable) || (fetch && e.nx)) {
    // A permission fault drops the page's entries (SDM 4.10.4.1) so that the retry walks.
    if (explaining(explain_))
      explain_->emit(Event(EventKind::protection_fault).word("cause", write && !e.writable ? "read-only" : "NX").hex("vpn", vpn.v));
    invlpg(tc_.ctx, vpn);
    t.ok = false;
    t.fault = WalkStatus::Protection;
    return false;
  }
  if (write && !e.dirty) {
    // Dirty-bit assist (semantics 5): PTE.D is set and the entry updated in place; it is not a
    // miss and not a walk.
    // Under nested paging the guest pte and, with EPT A/D bits, the EPT entry of its gfn. A large
    // entry holds the frame of the first 4 KiB page of its page.
    const Vpn at{vpn.v & ~(frames(e.size) - 1)};
    const LeafRef g = leaf_ref(tc_.root, at);
    Pte* p = g.pte;
    const LeafRef h = p && tc_.nested_root ? leaf_ref(tc_.nested_root, Vpn{g.frame_of(at)}) : LeafRef{};
    Pte* ep = h.pte;
    const Pte* last = tc_.nested_root ? ep : p;
    if (!p || !p->present() || !p->writable() || !last || !last->present() || !last->writable() ||
        (tc_.nested_root ? h.frame_of(Vpn{g.frame_of(at)}) : g.frame_of(at)) != e.frame)
      throw std::logic_error("dirty-bit assist on a TLB entry that no longer matches its PTE");
    p->raw |= pte_bits::A | pte_bits::D;
    if (ep && cfg_.ept_ad_bits) ep->raw |= pte_bits::A | pte_bits::D;
    e.dirty = true;
    ++stats_.dirty_assists;
    stats_.dirty_assist_cycles += cfg_.dirty_assist_cycles;
    t.cycles += cfg_.dirty_assist_cycles;
    if (explaining(explain_)) explain_->emit(Event(EventKind::dirty_assist).word("entry", entry_).hex("vpn", vpn.v));
  }
  t.frame = e.frame + (vpn.v & (frames(e.size) - 1));
  t.size = e.size;
  return true;
}

Translation Mmu::translate_after_l1(std::uint64_t key, Vpn vpn, bool write, bool fetch, TlbEntry* l1_hit) {
  Translation t;
  Tlb& l1 = fetch ? l1i_ : l1d_;
  t.cycles += cfg_.l1_hit_cycles;
  if (TlbEntry* e = l1_hit) {
    if (explaining(explain_)) explain_->emit(tlb_lookup_event(tlb_name(fetch), true, vpn, e->size));
    if (!hit_allows(*e, vpn, write, fetch, t)) return ++stats_.faults, t;
    ++stats_.translations;
    return t;
  }
  ++(fetch ? stats_.l1i_misses : stats_.l1d_misses);
  // Once large entries exist, a miss is classified against the 4 KiB key and the 2 MiB key of
  // the page (in the L1's 2 MiB array and in the STLB), and the 1 GiB key in the 1 GiB arrays
  // once those exist (the iTLB holds a 1 GiB page as 2 MiB entries): every lookup missed.
  const std::uint64_t key2m = large_seen_ ? tlb_key_2m(tc_.ctx, vpn) : 0;
  const std::uint64_t key1g = gig_seen_ ? tlb_key_1g(tc_.ctx, vpn) : 0;
  if (large_seen_)
    l1.classify_miss(key, fetch ? *l1i_2m_ : *l1d_2m_, key2m, gig_seen_ && !fetch ? l1d_1g_.get() : nullptr, key1g);
  else
    l1.classify_miss(key);
  if (explaining(explain_)) explain_->emit(tlb_lookup_event(tlb_name(fetch), false, vpn, PageSize::k4K));

  ++stats_.stlb_lookups;
  t.cycles += cfg_.stlb_hit_cycles;
  stats_.tlb_cycles += cfg_.stlb_hit_cycles;
  // The STLB holds 4 KiB and 2 MiB entries, and 1 GiB ones in an array of their own: a lookup
  // probes all.
  TlbEntry* se = stlb_.lookup(key);
  if (!se && large_seen_ && (se = stlb_.lookup(key2m))) ++stats_.tlb_2m_hits;
  if (!se && gig_seen_ && (se = stlb_1g_->lookup(key1g))) ++stats_.tlb_1g_hits;
  if (TlbEntry* e = se) {
    if (explaining(explain_)) explain_->emit(tlb_lookup_event("STLB", true, vpn, e->size));
    if (!hit_allows(*e, vpn, write, fetch, t)) return ++stats_.faults, t;
    l1_fill(key, vpn, t.frame, e->writable, e->dirty, e->nx, e->size, fetch, nullptr, nullptr);
    ++stats_.translations;
    return t;
  }
  ++stats_.stlb_misses;
  if (large_seen_)
    stlb_.classify_miss(key, stlb_, key2m, stlb_1g_.get(), key1g);
  else
    stlb_.classify_miss(key);
  if (explaining(explain_)) explain_->emit(tlb_lookup_event("STLB", false, vpn, PageSize::k4K));
  if (tc_.nested_root) {
    walk_2d(key, vpn, write, fetch, l1, t);
  } else {
    walk_1d(key, vpn, write, fetch, l1, t);
  }
  return t;
}

void Mmu::walk_1d(std::uint64_t key, Vpn vpn, bool write, bool fetch, Tlb& l1, Translation& t) {
  ++stats_.walks;
  TableNode* start = tc_.root;
  if (pwc_.enabled()) {
    ++stats_.pwc_lookups;
    if (TableNode* n = pwc_.lookup(tc_.ctx, WalkDimension::Virtual, vpn)) {
      ++stats_.pwc_hits;
      start = n;
    }
  }
  const WalkResult w = hardware_walk(start, WalkRequest{vpn, write, fetch});
  stats_.walk_refs += w.refs;
  const Cycles walk_cycles = w.refs * cfg_.walk_ref_cycles;
  t.cycles += walk_cycles;
  stats_.walk_cycles += walk_cycles;
  if (pwc_.enabled()) pwc_.fill(tc_.ctx, WalkDimension::Virtual, vpn, w, start->level);
  if (explaining(explain_)) explain_->emit(walk_event(w, vpn, start->level, entry_, fetch));
  if (w.status != WalkStatus::Ok) {
    t.ok = false;
    t.fault_dimension = WalkDimension::Virtual;
    t.fault = w.status;
    t.fault_level = w.level;
    ++stats_.faults;
    return;
  }
  const Pte leaf = *w.leaf;
  count_large_walk(w.size);
  fill_after_walk(key, vpn, leaf.frame() + (vpn.v & (frames(w.size) - 1)), leaf.writable(), leaf.dirty(), leaf.nx(),
                  w.size, fetch, t);
  ++stats_.translations;
}

void Mmu::fill_after_walk(std::uint64_t key, Vpn vpn, std::uint64_t frame, bool writable, bool dirty, bool nx,
                          PageSize size, bool fetch, Translation& t) {
  t.frame = frame;
  t.size = size;
  make_large_arrays(size);
  // A large entry holds the frame of its page's first 4 KiB page.
  Tlb& stlb = size == PageSize::k1G ? *stlb_1g_ : stlb_;
  const std::uint64_t skey = size == PageSize::k4K ? key : size == PageSize::k2M ? tlb_key_2m(tc_.ctx, vpn) : tlb_key_1g(tc_.ctx, vpn);
  TlbEntry& s = stlb.fill(skey, frame - (vpn.v & (frames(size) - 1)), writable, dirty, nx, size);
  l1_fill(key, vpn, frame, writable, dirty, nx, size, fetch, &stlb, &s);
}

TlbEntry& Mmu::l1_fill(std::uint64_t key, Vpn vpn, std::uint64_t frame, bool writable, bool dirty, bool nx, PageSize size,
                       bool fetch, const Tlb* stlb, const TlbEntry* stlb_entry) {
  if (fetch && size == PageSize::k1G) size = PageSize::k2M;  // no 1 GiB iTLB array
  Tlb& l1 = size == PageSize::k4K ? (fetch ? l1i_ : l1d_) : size == PageSize::k2M ? (fetch ? *l1i_2m_ : *l1d_2m_) : *l1d_1g_;
  const std::uint64_t l1_key = size == PageSize::k4K ? key : size == PageSize::k2M ? tlb_key_2m(tc_.ctx, vpn) : tlb_key_1g(tc_.ctx, vpn);
  TlbEntry& f = l1.fill(l1_key, frame - (vpn.v & (frames(size) - 1)), writable, dirty, nx, size);
  if (explaining(explain_)) explain_->emit(fill_event(l1, f, stlb, stlb_entry, fetch, stlb && tc_.nested_root != nullptr));
  return f;
}

void Mmu::make_large_arrays(PageSize size) {
  if (size == PageSize::k4K) return;
  if (!large_seen_) {
    large_seen_ = true;
    l1i_2m_ = std::make_unique<Tlb>("l1i_2m", cfg_.l1i_2m_entries, cfg_.l1i_2m_ways);
    l1d_2m_ = std::make_unique<Tlb>("l1d_2m", cfg_.l1d_2m_entries, cfg_.l1d_2m_ways);
  }
  if (size == PageSize::k1G && !gig_seen_) {
    gig_seen_ = true;
    l1d_1g_ = std::make_unique<Tlb>("l1d_1g", cfg_.l1d_1g_entries, cfg_.l1d_1g_ways);
    stlb_1g_ = std::make_unique<Tlb>("stlb_1g", cfg_.stlb_1g_entries, cfg_.stlb_1g_ways);
  }
}

// The EPT dimension (SDM vol. 3C, 28.2 and 28.3): the nested TLB (gfn -> pfn) first, then the EPT
// walk from the deepest table the EPT paging-structure cache holds. With EPT A/D bits the walk
// sets A in every EPT entry it uses and D in the leaf of a write.
Mmu::NestedStep Mmu::nested_translate(std::uint64_t gfn, bool write) {
  NestedStep n;
  const std::uint64_t key = tlb_key(tc_.nested_ctx, Vpn{gfn});
  if (ntlb_) {
    ++stats_.ntlb_lookups;
    if (TlbEntry* e = ntlb_->lookup(key); e && (!write || (e->writable && e->dirty))) {
      ++stats_.ntlb_hits;
      n.frame = e->frame, n.writable = e->writable, n.dirty = e->dirty, n.nx = e->nx, n.size = e->size;
      n.via = "nested TLB";
      return n;
    }
  }
  TableNode* start = tc_.nested_root;
  if (ept_pwc_.enabled()) {
    ++stats_.ept_pwc_lookups;
    if (TableNode* x = ept_pwc_.lookup(tc_.nested_ctx, WalkDimension::Nested, Vpn{gfn})) {
      ++stats_.ept_pwc_hits;
      start = x;
      n.via = "EPT walk from the EPT PWC";
    }
  }
  WalkRequest req{Vpn{gfn}, write, false};
  req.set_ad = cfg_.ept_ad_bits;
  const WalkResult w = hardware_walk(start, req);
  n.refs = w.refs;
  if (ept_pwc_.enabled()) ept_pwc_.fill(tc_.nested_ctx, WalkDimension::Nested, Vpn{gfn}, w, start->level);
  if (w.status != WalkStatus::Ok) {
    n.ok = false;
    n.level = w.level;
    return n;
  }
  const Pte leaf = *w.leaf;
  n.frame = leaf.frame() + (gfn & (frames(w.size) - 1)), n.writable = leaf.writable(), n.nx = leaf.nx();
  n.size = w.size;
  n.dirty = !cfg_.ept_ad_bits || leaf.dirty();
  if (ntlb_) ntlb_->fill(key, n.frame, n.writable, n.dirty, n.nx, n.size);  // a 4 KiB part of the EPT page
  return n;
}

// The two-dimensional walk of nested paging (Bhargava et al., ASPLOS 2008, figure 2): the guest
// table of each level is at a guest-physical address that the EPT dimension translates first,
// then its entry is read; the guest-physical address of the page itself is translated last:
// (4 + 1)(4 + 1) - 1 = 24 references with every cache off. A guest page-walk-cache hit on a
// level-L table gives that table's host address as well (Intel's combined paging-structure
// caches): the walk reads its entry at once, 5L references in all when the other caches miss.
// Guest A/D bits are set as in a native walk; with EPT A/D bits the EPT dimension treats the
// guest's table accesses as writes (SDM 28.3.5: the processor may write A/D bits there).
void Mmu::walk_2d(std::uint64_t key, Vpn vpn, bool write, bool fetch, Tlb& l1, Translation& t) {
  ++stats_.walks;
  const bool ex = explaining(explain_);
  TableNode* table = tc_.root;
  bool table_translated = false;  // its host address known from the guest page-walk cache
  if (pwc_.enabled()) {
    ++stats_.pwc_lookups;
    if (TableNode* x = pwc_.lookup(tc_.ctx, WalkDimension::Virtual, vpn)) {
      ++stats_.pwc_hits;
      table = x;
      table_translated = true;
      if (ex) explain_->emit(Event(EventKind::walk_step).word("step", "pwc_hit").num("level", x->level).hex("gfn", x->frame));
    }
  }
  const unsigned start_level = table->level;
  PageSize gsize = PageSize::k4K;  // what the guest's leaf maps
  WalkResult gw;  // the guest tables read, for the page-walk cache
  unsigned guest_refs = 0, ept_refs = 0;
  const auto account = [&] {
    stats_.walk_refs_guest += guest_refs;
    stats_.walk_refs_ept += ept_refs;
    stats_.walk_refs += guest_refs + ept_refs;
    const Cycles cycles = (guest_refs + ept_refs) * cfg_.walk_ref_cycles;
    t.cycles += cycles;
    stats_.walk_cycles += cycles;
    if (pwc_.enabled()) pwc_.fill(tc_.ctx, WalkDimension::Virtual, vpn, gw, start_level);
  };
  // what: "table" (the guest table of level level_of_what) or "page" (the page itself, level 0).
  const auto ept_violation = [&](std::uint64_t gfn, const NestedStep& n, const char* what, unsigned level_of_what) {
    if (ex)
      explain_->emit(Event(EventKind::walk_step).word("step", what).num("level", level_of_what).hex("gfn", gfn).num("refs", n.refs)
                         .word("fault", "ept_violation").num("ept_level", n.level));
    account();
    t.ok = false;
    t.fault_dimension = WalkDimension::Nested;
    t.fault = WalkStatus::NotPresent;
    t.fault_level = n.level;
    t.fault_gfn = gfn;
    ++stats_.faults;
  };
  const auto nested_step = [&](const char* what, unsigned level, std::uint64_t gfn, const NestedStep& n) {
    return Event(EventKind::walk_step).word("step", what).num("level", level).hex("gfn", gfn).word("via", n.via)
        .num("refs", n.refs).hex("pfn", n.frame);
  };
  if (ex) explain_->emit(Event(EventKind::walk).num("dims", 2).hex("vpn", vpn.v).num("start_level", start_level));
  for (unsigned level = start_level;; --level) {
    if (!table_translated) {
      const NestedStep n = nested_translate(table->frame, cfg_.ept_ad_bits);
      ept_refs += n.refs;
      if (!n.ok) return ept_violation(table->frame, n, "table", level);
      if (ex) explain_->emit(nested_step("table", level, table->frame, n));
    }
    table_translated = false;
    gw.tables[level] = table;
    ++guest_refs;
    Pte& e = table->e[pt_index(vpn, level)];
    if (!e.present() || (write && !e.writable()) || (fetch && e.nx())) {
      if (ex)
        explain_->emit(Event(EventKind::walk_step).word("step", "guest_entry").num("level", level).hex("gfn", table->frame)
                           .word("fault", e.present() ? (fetch ? "NX" : "read-only") : "absent"));
      account();
      t.ok = false;
      t.fault_dimension = WalkDimension::Virtual;
      t.fault = e.present() ? WalkStatus::Protection : WalkStatus::NotPresent;
      t.fault_level = level;
      ++stats_.faults;
      return;
    }
    if (level == 1 || (level <= 3 && e.large())) {  // the guest's leaf: a pte, or a PS entry (2 MiB, 1 GiB)
      e.raw |= pte_bits::A | (write ? pte_bits::D : 0);
      gsize = size_at_level(level);
      if (ex) explain_->emit(Event(EventKind::walk_step).word("step", "guest_pte").num("level", level).hex("table", table->frame).hex("gfn", e.frame()));
      break;
    }
    e.raw |= pte_bits::A;
    table = table->child(pt_index(vpn, level));
  }
  const Pte gpte = table->e[pt_index(vpn, leaf_level(gsize))];
  const std::uint64_t gfn = gpte.frame() + (vpn.v & (frames(gsize) - 1));
  const NestedStep n = nested_translate(gfn, write);
  ept_refs += n.refs;
  if (!n.ok) return ept_violation(gfn, n, "page", 0);
  if (ex) explain_->emit(nested_step("page", 0, gfn, n));
  account();
  if (ex) explain_->emit(Event(EventKind::walk_done).num("refs", guest_refs + ept_refs).num("guest_refs", guest_refs).num("ept_refs", ept_refs));
  // The translation grants what both dimensions grant; it is dirty when both leaves are.
  // Its page size is the smaller of the two leaves' (a guest 2 MiB page on 4 KiB EPT pages is
  // cached as 4 KiB entries).
  const bool writable = gpte.writable() && n.writable, dirty = gpte.dirty() && n.dirty, nx = gpte.nx() || n.nx;
  count_large_walk(gsize);
  fill_after_walk(key, vpn, n.frame, writable, dirty, nx, std::min(gsize, n.size), fetch, t);
  ++stats_.translations;
}

void Mmu::load_context(const TranslationContext& tc) { tc_ = tc; }

void Mmu::invlpg(std::uint32_t ctx, Vpn vpn) {
  const std::uint64_t key = tlb_key(ctx, vpn);
  l1i_.invalidate(key);
  l1d_.invalidate(key);
  stlb_.invalidate(key);
  if (explaining(explain_)) explain_->emit(Event(EventKind::tlb_invlpg).hex("vpn", vpn.v).num("cpu", cpu_));
  if (!large_seen_) return;
  // INVLPG drops the entries of every page size that hold the address.
  const std::uint64_t key2m = tlb_key_2m(ctx, vpn);
  l1i_2m_->invalidate(key2m);
  l1d_2m_->invalidate(key2m);
  stlb_.invalidate(key2m);
  if (!gig_seen_) return;
  const std::uint64_t key1g = tlb_key_1g(ctx, vpn);
  l1d_1g_->invalidate(key1g);
  stlb_1g_->invalidate(key1g);
}

void Mmu::flush_all() {
  l1i_.flush_all();
  l1d_.flush_all();
  stlb_.flush_all();
  if (large_seen_) l1i_2m_->flush_all(), l1d_2m_->flush_all();
  if (gig_seen_) l1d_1g_->flush_all(), stlb_1g_->flush_all();
  pwc_.flush_all();
  ept_pwc_.flush_all();
  if (ntlb_) ntlb_->flush_all();
  if (explaining(explain_)) explain_->emit(Event(EventKind::tlb_flush).num("cpu", cpu_));
}

}  // namespace mmusim
