#include "reclaim/lru_gen_reclaim.h"

#include <algorithm>
#include <string>

#include "common/errors.h"

namespace mmusim {

namespace {
// fls_long: the position of the highest set bit, 1-based; 0 for 0.
int fls(std::uint64_t v) {
  int n = 0;
  while (v) {
    ++n;
    v >>= 1;
  }
  return n;
}

// suitable_to_scan: at least one young pte per cache line of ptes (64 / 8 = 8 ptes) on average.
bool suitable_to_scan(unsigned total, unsigned young) { return young * 8 >= total; }
}  // namespace

LruGenReclaim::LruGenReclaim(HostMemory& host, LruGenConfig cfg)
    : host_(host), lru_(dynamic_cast<LruGen&>(host.lru_policy())), cfg_(cfg) {}

const ReclaimStats& LruGenReclaim::stats() const {
  stats_.workingset_refaults = lru_.stats().workingset_refaults;
  return stats_;
}

bool LruGenReclaim::clear_young(std::uint16_t mm, std::uint64_t index, Pte& e, CauseCycles& work) {
  bool young = e.accessed();
  e.raw &= ~pte_bits::A;
  if (cfg_.notify_young && host_.has_notifier(mm)) {  // ptep_clear_young_notify
    ++stats_.aging_secondary_calls;
    work.reclaim += cfg_.notifier_call_cycles;
    young |= host_.notifier_clear_young(mm, index);
  }
  if (young) ++stats_.aging_young_ptes;
  return young;
}

// One pte of a walk or look-around: a present one found young (6.6: by its own bit, old ones
// skipped; 6.12: also by KVM) is cleared and its page promoted. Returns whether it was.
bool LruGenReclaim::age_pte(std::uint16_t mm, std::uint64_t index, Pte& e, CauseCycles& work) {
  ++stats_.aging_ptes_scanned;
  work.reclaim += cfg_.walk_pte_cycles;
  if (!e.present() || (!cfg_.notify_young && !e.accessed())) return false;
  if (!clear_young(mm, index, e, work)) return false;
  promote(e.frame());
  return true;
}

// folio_update_gen on a page found young by a walk or look-around (kswapd's walk); direct reclaim's
// look-around uses folio_activate, which puts the page in the same generation at once.
void LruGenReclaim::promote(std::uint64_t pfn) {
  const HostPage& pg = host_.page(Pfn{pfn});
  if (pg.use != HostPage::Use::GuestMemory) return;
  lru_.update_gen(pfn, host_.page_flags(Pfn{pfn}), LruGen::gen_from_seq(lru_.max_seq()));
}

// walk_pmd_range / walk_pte_range (6.6): a leaf table is walked when the Bloom filter of max_seq
// names it (or the walk is forced); it joins the filter of max_seq + 1 when suitable_to_scan. A
// pmd that maps a huge page is a leaf aged on every walk (the Bloom filter names pte tables only)
// as a pte is (walk_pmd_range_locked; 6.12 with notify_young: pmdp_clear_young_notify): young, it
// is cleared and the folio, its head, promoted; old, passed over; KVM is asked about the head's gfn
// (a 2 MiB spte or EPT entry covers the range; 4 KiB sptes of the other gfns are not asked).
void LruGenReclaim::walk_tables(std::uint16_t mm, TableNode* t, unsigned level, std::uint64_t base, bool force,
                                CauseCycles& work) {
  if (level > 1) {
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const std::uint64_t first = base + (std::uint64_t{i} << (9 * (level - 1)));
      if (TableNode* c = t->child(i)) walk_tables(mm, c, level - 1, first, force, work);
      else if (level == 2 && t->e[i].present() && t->e[i].large()) age_pte(mm, first - host_.mm_base(mm).v, t->e[i], work);
    }
    return;
  }
  const std::uint64_t seq = lru_.max_seq();
  if (!force && !bloom_[seq % 2].count(t)) return;
  const std::uint64_t first = host_.mm_base(mm).v;
  unsigned young = 0;
  for (unsigned i = 0; i < kEntriesPerTable; ++i) young += age_pte(mm, base + i - first, t->e[i], work);
  if (suitable_to_scan(kEntriesPerTable, young)) bloom_[(seq + 1) % 2].insert(t);
}

// try_to_inc_max_seq (6.6): iterate_mm_list over every mm; should_skip_mm skips one with fewer
// than MIN_LRU_BATCH resident pages; the filter of max_seq + 1 is reset before the first.
void LruGenReclaim::age(Cycles now, CauseCycles& work) {
  bloom_[(lru_.max_seq() + 1) % 2].clear();
  if (walked_.size() < host_.mms()) walked_.resize(host_.mms(), false);
  for (std::uint16_t mm = 0; mm < host_.mms(); ++mm) {
    if (host_.mm_resident(mm) < LruGen::kMinLruBatch) continue;
    const bool force = !walked_[mm];  // an mm new to the walks is scanned in full
    walked_[mm] = true;
    walk_tables(mm, host_.host_table(mm).root(), kLevels, 0, force, work);
  }
  if (explaining(explain_))
    explain_->emit(Event(EventKind::mglru_aging).num("max_seq", lru_.max_seq()).num("new_max_seq", lru_.max_seq() + 1));
  lru_.inc_max_seq(now, [this](std::uint64_t pfn) -> HostPage& { return host_.page_flags(Pfn{pfn}); });
  ++stats_.aging_passes;
}

// lru_gen_look_around (6.6; 6.12 with notify_young): the window of at most MIN_LRU_BATCH ptes around
// `index` within its leaf table (and the VM's memslot); every young pte is cleared and its page
// promoted (an isolated page gets PG_referenced); the table joins max_seq's Bloom filter when
// suitable_to_scan.
void LruGenReclaim::look_around(std::uint16_t mm, std::uint64_t index, CauseCycles& work) {
  const std::uint64_t first = host_.mm_base(mm).v;
  const std::uint64_t vpn = first + index;
  TableNode* t = host_.host_table(mm).root();
  for (unsigned level = kLevels; level > 1 && t; --level) t = t->child(pt_index(Vpn{vpn}, level));
  if (!t) return;
  std::uint64_t start = vpn & ~std::uint64_t{kEntriesPerTable - 1}, end = start + kEntriesPerTable;
  if (!host_.is_process(mm)) {  // the memslot's VMA
    start = std::max(start, first);
    end = std::min(end, first + host_.mm_pages(mm));
  }
  constexpr std::uint64_t kBatch = LruGen::kMinLruBatch;
  if (end - start > kBatch) {
    if (vpn - start < kBatch / 2) end = start + kBatch;
    else if (end - vpn < kBatch / 2) start = end - kBatch;
    else {
      start = vpn - kBatch / 2;
      end = vpn + kBatch / 2;
    }
  }
  unsigned young = 1;  // the pte that brought reclaim here was young
  for (std::uint64_t v = start; v < end; ++v) {
    if (v == vpn) continue;
    young += age_pte(mm, v - first, t->e[v & (kEntriesPerTable - 1)], work);
  }
  if (suitable_to_scan(static_cast<unsigned>(end - start), young)) bloom_[lru_.max_seq() % 2].insert(t);
}

// folio_referenced_one under MGLRU. 6.6: a young pte runs the look-around (which clears it) and
// counts 1, then ptep_clear_flush_young_notify counts 1 more if a secondary MMU (or the pte again)
// says young. 6.12: lru_gen_look_around first clears the pte with ptep_clear_young_notify and
// returns at once if it was old; a young one counts 1.
unsigned LruGenReclaim::folio_referenced(Pfn pfn, CauseCycles& work) {
  const HostPage& pg = host_.page(pfn);
  if (pg.mapcount == 0) return 0;
  const std::uint16_t mm = pg.vm;
  const std::uint64_t index = pg.gfn;
  Pte* p = host_.host_pte(mm, Gfn{index});
  ++stats_.aging_ptes_scanned;
  work.reclaim += cfg_.walk_pte_cycles;
  if (pg.huge) {  // mapped by a pmd: pmdp_clear_flush_young_notify, no look-around (6.6 and 6.12)
    bool young = p->accessed();
    p->raw &= ~pte_bits::A;
    if (young) ++stats_.aging_young_ptes;
    if (host_.has_notifier(mm)) young |= host_.notifier_clear_flush_young(mm, index, work);
    return young;
  }
  if (cfg_.notify_young) {
    if (!clear_young(mm, index, *p, work)) return 0;
    look_around(mm, index, work);
    return 1;
  }
  unsigned referenced = 0;
  if (p->accessed()) {
    p->raw &= ~pte_bits::A;  // the look-around's ptep_test_and_clear_young
    ++stats_.aging_young_ptes;
    look_around(mm, index, work);
    ++referenced;
  }
  bool young = p->accessed();  // ptep_clear_flush_young_notify: the primary bit is clear by now
  if (host_.has_notifier(mm)) young |= host_.notifier_clear_flush_young(mm, index, work);
  return referenced + young;
}

// should_run_aging (6.6).
bool LruGenReclaim::should_run_aging(int priority, std::uint64_t& nr_to_scan) const {
  const std::uint64_t max_seq = lru_.max_seq(), min_seq = lru_.min_seq();
  if (min_seq + LruGen::kMinNrGens > max_seq) {  // out of cold pages
    nr_to_scan = 0;
    return true;
  }
  std::uint64_t total = 0, young = 0, old = 0;
  for (std::uint64_t seq = min_seq; seq <= max_seq; ++seq) {
    const std::uint64_t size = lru_.nr_pages(LruGen::gen_from_seq(seq));
    total += size;
    if (seq == max_seq) young += size;
    else if (seq + LruGen::kMinNrGens == max_seq) old += size;
  }
  nr_to_scan = total >> priority;
  if (min_seq + LruGen::kMinNrGens < max_seq) return false;  // MIN_NR_GENS + 1 generations or more
  if (young * LruGen::kMinNrGens > total) return true;
  if (old * (LruGen::kMinNrGens + 2) < total) return true;
  return false;
}

// evict_folios (6.6): scan_folios on the oldest generation, try_to_inc_min_seq, shrink_folio_list
// on what it isolated, the rejected pages to the youngest generation.
std::uint64_t LruGenReclaim::evict_folios(std::uint64_t& reclaimed, Cycles now, CauseCycles& work) {
  std::vector<std::uint64_t> isolated;
  std::uint64_t scanned = 0;
  const bool ex = explaining(explain_);
  if (lru_.nr_gens() > LruGen::kMinNrGens) {
    const unsigned gen = LruGen::gen_from_seq(lru_.min_seq());
    const unsigned tier_idx = lru_.tier_idx();
    unsigned remaining = LruGen::kMaxLruBatch;
    std::uint64_t isolated_pages = 0;
    for (std::uint64_t pfn = lru_.tail(gen); pfn != LruGen::kNone; pfn = lru_.tail(gen)) {
      const unsigned nr = host_.nr_pages(Pfn{pfn});  // scan_folios: delta = folio_nr_pages
      scanned += nr;
      stats_.pages_scanned += nr;
      work.reclaim += cfg_.scan_page_cycles;
      HostPage& pg = host_.page_flags(Pfn{pfn});
      const int flag = lru_.gen_of(pfn);
      const unsigned refs = lru_.refs(pfn), tier = LruGen::tier_from_refs(refs);
      const char* outcome = "isolated";  // for the gen_scan event
      if (flag != static_cast<int>(gen)) {  // promoted
        lru_.move_head(pfn, static_cast<unsigned>(flag));
        ++stats_.pages_promoted;
        outcome = "promoted";
      } else if (tier > tier_idx || refs == 1u << LruGen::kRefsWidth) {  // protected
        lru_.move_tail(pfn, lru_.inc_gen(pfn, pg, false));
        lru_.count_protected(tier);
        ++stats_.pages_protected;
        outcome = "protected";
      } else if (pg.writeback || host_.read_in_flight(Pfn{pfn}, now)) {  // waiting for writeback, or locked
        lru_.move_head(pfn, lru_.inc_gen(pfn, pg, true));
        outcome = "busy";
      } else {
        lru_.isolate_for_reclaim(pfn, pg);
        isolated.push_back(pfn);
        isolated_pages += nr;
      }
      if (ex) explain_->emit(Event(EventKind::gen_scan).hex("pfn", pfn).num("gen", gen).word("outcome", outcome));
      if (!--remaining || isolated_pages >= LruGen::kMinLruBatch) break;
    }
    if (isolated.empty() && remaining) scanned = 0;
  }
  if (lru_.try_to_inc_min_seq()) ++scanned;
  if (lru_.nr_gens() == LruGen::kMinNrGens) scanned = 0;

  // shrink_folio_list (6.6) for anonymous pages; the tails of a huge page it splits join the list.
  for (std::size_t at = 0; at < isolated.size(); ++at) {
    const std::uint64_t pfn = isolated[at];
    const Pfn p{pfn};
    HostPage& pg = host_.page_flags(p);
    if (ex) explain_->emit(Event(EventKind::scan_page).word("function", "evict_folios").hex("pfn", pfn).num("vm", pg.vm).hex("gfn", pg.gfn));
    const auto decide = [&](const char* outcome, const char* why = "") {
      if (ex) explain_->emit(Event(EventKind::scan_decision).word("outcome", outcome).word("why", why));
    };
    const auto reject = [&](const char* why, bool activated) {  // why: a word of scan_decision (README "Events")
      if (activated) ++stats_.pages_activated;
      lru_.reject(pfn, pg);
      decide(activated ? "activate" : "keep", why);
    };
    if (pg.mapcount && pg.referenced) {  // "folio_update_gen() tried to promote this page?"
      reject("promoted", false);
      continue;
    }
    if (pg.pinned) {
      reject("pinned", false);
      continue;
    }
    work.reclaim += cfg_.rmap_walk_cycles;
    const unsigned referenced_ptes = folio_referenced(p, work);
    const bool referenced_folio = pg.referenced;  // folio_test_clear_referenced
    pg.referenced = false;
    if (referenced_ptes) {  // folio_check_references
      pg.referenced = true;
      if (referenced_folio || referenced_ptes > 1) reject("referenced", true);
      else reject("referenced_once", false);
      continue;
    }
    // add_to_swap of a huge page: whole (thp_swap), or split (without a cluster, or without THP
    // swap: split_folio_to_list, 6.6), its 511 tails then taken from their lists onto reclaim's.
    std::vector<std::uint64_t> tails;
    const bool slot = host_.add_to_swap(p, &tails);
    for (const std::uint64_t t : tails) {
      lru_.isolate_for_reclaim(t, host_.page_flags(Pfn{t}));
      isolated.push_back(t);
    }
    if (!slot) {
      reject("no_swap_slot", true);
      continue;
    }
    if (pg.mapcount) {
      work.reclaim += cfg_.rmap_walk_cycles;
      if (!host_.try_to_unmap(p, work)) {
        reject("young_again", true);
        continue;
      }
    }
    if (host_.page_pinned(p)) {
      reject("still_pinned", false);
      continue;
    }
    const unsigned nr = host_.nr_pages(p);
    if (pg.dirty) {
      host_.pageout(p, now);  // off reclaim's list; back under writeback (max_seq - 1) with writeback_rotate
      decide("pageout");
      continue;
    }
    host_.remove_mapping(p);
    decide("free");
    reclaimed += nr;
  }
  return scanned;
}

void LruGenReclaim::end_shrink(ScanControl& sc) {
  sc.in_lruvec = false;
  if (sc.direct) {  // do_try_to_free_pages
    if (sc.nr_reclaimed >= sc.nr_to_reclaim || --sc.priority < 0) sc.done = true;
    return;
  }
  // balance_pgdat (6.6): priority drops when the shrink scanned less than it was to reclaim or
  // reclaimed nothing; the pass ends at priority 0 or once the node is balanced.
  if (host_.free_pages() > host_.high_pages()) {
    sc.done = true;
    return;
  }
  const bool raise_priority = sc.scanned < sc.nr_to_reclaim;
  if (raise_priority || sc.nr_reclaimed == sc.iter_reclaimed) --sc.priority;
  if (sc.priority < 1) sc.done = true;
}

// One batch of balance_pgdat or do_try_to_free_pages around lru_gen_shrink_node and
// try_to_shrink_lruvec (6.6).
bool LruGenReclaim::step(ScanControl& sc, Cycles now, CauseCycles& work) {
  for (;;) {
    if (sc.done) return false;
    if (!sc.in_lruvec) {
      if (!sc.direct && host_.free_pages() > host_.high_pages()) {  // pgdat_balanced
        sc.done = true;
        return false;
      }
      // lru_gen_age_node (kswapd, below DEF_PRIORITY): with lru_gen_min_ttl, a node whose oldest
      // generation is younger than the TTL is not reclaimed from: the OOM killer is called.
      if (!sc.direct && cfg_.min_ttl_cycles && sc.priority < kDefPriority && lru_.birth(lru_.min_seq()) + cfg_.min_ttl_cycles > now)
        throw OutOfMemory("lru_gen_min_ttl: the oldest generation is younger than reclaim.mglru_min_ttl_ms, so kswapd calls the OOM killer",
                          "reclaim.mglru_min_ttl_ms");
      // kswapd_shrink_node: the high watermark (at least SWAP_CLUSTER_MAX); direct reclaim: a cluster.
      sc.nr_to_reclaim = sc.direct ? kSwapClusterMax : std::max<std::uint64_t>(host_.high_pages(), kSwapClusterMax);
      // set_initial_priority: at DEF_PRIORITY, from the inactive pages and what is to be reclaimed.
      if (sc.priority == kDefPriority && sc.nr_to_reclaim >= LruGen::kMinLruBatch) {
        const int p = fls(lru_.size(LruList::InactiveAnon)) - 1 - fls(sc.nr_to_reclaim - 1);
        sc.priority = std::clamp(p, 0, kDefPriority);
      }
      sc.in_lruvec = true;
      sc.scanned = 0;
      sc.iter_reclaimed = sc.nr_reclaimed;
    }
    // get_nr_to_scan.
    std::uint64_t nr_to_scan = 0;
    if (should_run_aging(sc.priority, nr_to_scan) && sc.priority != kDefPriority) {
      age(now, work);  // try_to_inc_max_seq succeeded: -1, this shrink ends
      end_shrink(sc);
      return true;
    }
    if (nr_to_scan == 0) {
      end_shrink(sc);
      continue;
    }
    const std::uint64_t delta = evict_folios(sc.nr_reclaimed, now, work);
    if (!delta) {
      end_shrink(sc);
      return true;
    }
    sc.scanned += delta;
    // should_abort_scan: enough reclaimed; for kswapd, also the watermark met with MIN_LRU_BATCH to spare.
    const bool abort = sc.nr_reclaimed >= sc.nr_to_reclaim ||
                       (!sc.direct && host_.free_pages() >= host_.high_pages() + LruGen::kMinLruBatch);
    if (sc.scanned >= nr_to_scan || abort) end_shrink(sc);
    return true;
  }
}

void LruGenReclaim::kswapd_begin() { kswapd_ = ScanControl{}; }

Reclaimer::Batch LruGenReclaim::kswapd_batch(Cycles now) {
  CauseCycles work;
  if (cfg_.timed_batches) host_.complete_writeback(now);
  while (!kswapd_.done && !step(kswapd_, now, work)) {
  }
  return Batch{work.total(), kswapd_.nr_reclaimed, kswapd_.done, false};
}

Cycles LruGenReclaim::try_to_free_pages(Cycles now) {
  CauseCycles work;
  ScanControl sc;
  sc.direct = true;
  while (!sc.done) {
    const Cycles at = cfg_.timed_batches ? now + work.total() : now;
    if (cfg_.timed_batches) host_.complete_writeback(at);
    step(sc, at, work);
  }
  return host_.throttle_reclaim(now, work.total());
}

}  // namespace mmusim
