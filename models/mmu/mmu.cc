#include "mmu/mmu.h"

#include <stdexcept>

namespace mmusim {

namespace {
const char* tlb_name(bool fetch) { return fetch ? "iTLB" : "dTLB"; }

// Explain mode: the hardware walk that started at a table of `start_level` and how it ended.
std::string walk_words(const WalkResult& w, unsigned start_level, const char* entry, bool fetch) {
  std::string s = "walk";
  if (start_level < kLevels) s += " from the PWC's level-" + std::to_string(start_level) + " table";
  s += ": " + std::to_string(w.refs) + (w.refs == 1 ? " ref, " : " refs, ");
  if (w.status == WalkStatus::Ok) return s + entry + " -> frame " + to_hex(w.leaf->frame());
  s += entry + std::string(" ");
  if (w.status == WalkStatus::NotPresent) return s + "absent at level " + std::to_string(w.level);
  return s + (fetch ? "NX" : "read-only") + " at level " + std::to_string(w.level) + " -> protection fault";
}
}  // namespace

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
  };
  return t;
}

MmuStats& MmuStats::operator+=(const MmuStats& o) {
  translations += o.translations;
  l1i_lookups += o.l1i_lookups;
  l1i_misses += o.l1i_misses;
  l1d_lookups += o.l1d_lookups;
  l1d_misses += o.l1d_misses;
  stlb_lookups += o.stlb_lookups;
  stlb_misses += o.stlb_misses;
  walks += o.walks;
  walk_refs += o.walk_refs;
  pwc_lookups += o.pwc_lookups;
  pwc_hits += o.pwc_hits;
  dirty_assists += o.dirty_assists;
  faults += o.faults;
  tlb_cycles += o.tlb_cycles;
  walk_cycles += o.walk_cycles;
  dirty_assist_cycles += o.dirty_assist_cycles;
  return *this;
}

Mmu::Mmu(const MmuConfig& cfg)
    : cfg_(cfg),
      l1i_("l1i", cfg.l1i_entries, cfg.l1i_ways),
      l1d_("l1d", cfg.l1d_entries, cfg.l1d_ways),
      stlb_("stlb", cfg.stlb_entries, cfg.stlb_ways),
      pwc_(cfg.pwc_entries) {}

bool Mmu::hit_allows(TlbEntry& e, Vpn vpn, bool write, bool fetch, Translation& t) {
  if ((write && !e.writable) || (fetch && e.nx)) {
    // A permission fault drops the page's entries (SDM 4.10.4.1) so that the retry walks.
    if (explaining(explain_))
      explain_->step(std::string(write && !e.writable ? "read-only" : "NX") + " entry -> protection fault, INVLPG");
    invlpg(tc_.ctx, vpn);
    t.ok = false;
    t.fault = WalkStatus::Protection;
    return false;
  }
  if (write && !e.dirty) {
    // Dirty-bit assist (semantics 5): PTE.D is set and the entry updated in place; it is not a
    // miss and not a walk.
    Pte* p = leaf_entry(tc_.root, vpn);
    if (!p || !p->present() || !p->writable() || p->frame() != e.frame)
      throw std::logic_error("dirty-bit assist on a TLB entry that no longer matches its PTE");
    p->raw |= pte_bits::A | pte_bits::D;
    e.dirty = true;
    ++stats_.dirty_assists;
    stats_.dirty_assist_cycles += cfg_.dirty_assist_cycles;
    t.cycles += cfg_.dirty_assist_cycles;
    if (explaining(explain_)) explain_->step(std::string("dirty-bit assist: ") + entry_ + " D set");
  }
  t.frame = e.frame;
  t.size = e.size;
  return true;
}

Translation Mmu::translate_after_l1(std::uint64_t key, Vpn vpn, bool write, bool fetch, TlbEntry* l1_hit) {
  Translation t;
  Tlb& l1 = fetch ? l1i_ : l1d_;
  t.cycles += cfg_.l1_hit_cycles;
  if (TlbEntry* e = l1_hit) {
    if (explaining(explain_)) explain_->step(std::string(tlb_name(fetch)) + " hit");
    if (!hit_allows(*e, vpn, write, fetch, t)) return ++stats_.faults, t;
    ++stats_.translations;
    return t;
  }
  ++(fetch ? stats_.l1i_misses : stats_.l1d_misses);
  l1.classify_miss(key);
  if (explaining(explain_)) explain_->step(std::string(tlb_name(fetch)) + " miss");

  ++stats_.stlb_lookups;
  t.cycles += cfg_.stlb_hit_cycles;
  stats_.tlb_cycles += cfg_.stlb_hit_cycles;
  if (TlbEntry* e = stlb_.lookup(key)) {
    if (explaining(explain_)) explain_->step("STLB hit");
    if (!hit_allows(*e, vpn, write, fetch, t)) return ++stats_.faults, t;
    l1.fill(key, e->frame, e->writable, e->dirty, e->nx, e->size);
    if (explaining(explain_)) explain_->step(std::string("fill ") + tlb_name(fetch));
    ++stats_.translations;
    return t;
  }
  ++stats_.stlb_misses;
  stlb_.classify_miss(key);
  if (explaining(explain_)) explain_->step("STLB miss");

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
  if (explaining(explain_)) explain_->step(walk_words(w, start->level, entry_, fetch));
  if (w.status != WalkStatus::Ok) {
    t.ok = false;
    t.fault_dimension = WalkDimension::Virtual;
    t.fault = w.status;
    t.fault_level = w.level;
    ++stats_.faults;
    return t;
  }
  const Pte leaf = *w.leaf;
  stlb_.fill(key, leaf.frame(), leaf.writable(), leaf.dirty(), leaf.nx(), w.size);
  l1.fill(key, leaf.frame(), leaf.writable(), leaf.dirty(), leaf.nx(), w.size);
  if (explaining(explain_)) explain_->step(std::string("fill STLB and ") + tlb_name(fetch));
  t.frame = leaf.frame();
  t.size = w.size;
  ++stats_.translations;
  return t;
}

void Mmu::load_context(const TranslationContext& tc) {
  if (tc.nested_root) throw std::logic_error("a two-dimensional translation context: no nested-paging walker yet");
  tc_ = tc;
}

void Mmu::invlpg(std::uint32_t ctx, Vpn vpn) {
  const std::uint64_t key = tlb_key(ctx, vpn);
  l1i_.invalidate(key);
  l1d_.invalidate(key);
  stlb_.invalidate(key);
}

void Mmu::flush_all() {
  l1i_.flush_all();
  l1d_.flush_all();
  stlb_.flush_all();
  pwc_.flush_all();
}

}  // namespace mmusim
