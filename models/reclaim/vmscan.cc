#include "reclaim/vmscan.h"

#include <algorithm>
#include <cmath>

namespace mmusim {

namespace {
// Events: the page `pfn` taken off a list by `who` (the function scanning)...
void open_page(EventSink* sink, const char* who, const HostMemory& host, std::uint64_t pfn) {
  const HostPage& pg = host.page(Pfn{pfn});
  sink->emit(Event(EventKind::scan_page).word("function", who).hex("pfn", pfn).num("vm", pg.vm).hex("gfn", pg.gfn));
}

// ... and what became of it: `outcome` (activate, deactivate, keep_active, putback, pageout, free)
// and why (a word, or none).
void decide(EventSink* sink, const char* outcome, const char* why = "") {
  sink->emit(Event(EventKind::scan_decision).word("outcome", outcome).word("why", why));
}
}  // namespace

Vmscan::Vmscan(HostMemory& host, VmscanConfig cfg)
    : host_(host), lru_(dynamic_cast<SplitLru&>(host.lru_policy())), cfg_(cfg) {
  const std::uint64_t gb = host_.frames().total() >> (30 - kPageShift);
  ratio_ = gb ? static_cast<std::uint64_t>(std::sqrt(10.0 * static_cast<double>(gb))) : 1;
}

// isolate_lru_pages (2.6.38) one entry at a time: the oldest entry of `list` (kNone when the list
// is empty), counted as one entry scanned (the loop's `scan`, nr_scanned: pages_scanned) and its
// pages taken (nr_taken += hpage_nr_pages: pages_taken, 512 for a huge page's head).
std::uint64_t Vmscan::isolate_tail(LruList list) {
  const std::uint64_t pfn = lru_.tail(list);
  if (pfn == LruLists::kNone) return pfn;
  ++stats_.pages_scanned;
  stats_.pages_taken += host_.nr_pages(Pfn{pfn});
  return pfn;
}

bool Vmscan::inactive_anon_is_low() const {
  return lru_.size(LruList::InactiveAnon) * ratio_ < lru_.size(LruList::ActiveAnon);
}

// shrink_active_list (2.6.28): every scanned page goes to the inactive list; page_referenced clears
// its referenced bits; the referenced ones count as rotated. `n` counts entries; the rotated and
// deactivated counts are pages (2.6.38: nr_rotated and move_active_pages_to_lru's pgmoved add
// hpage_nr_pages).
void Vmscan::shrink_active_list(std::uint64_t n, Cycles now, CauseCycles& work) {
  for (; n > 0; --n) {
    const std::uint64_t pfn = isolate_tail(LruList::ActiveAnon);
    if (pfn == LruLists::kNone) return;
    const unsigned nr = host_.nr_pages(Pfn{pfn});
    work.reclaim += cfg_.scan_page_cycles + cfg_.rmap_walk_cycles;
    const bool ex = explaining(explain_);
    if (ex) open_page(explain_, "shrink_active_list", host_, pfn);
    if (host_.page_referenced(Pfn{pfn}, work, now) && host_.page(Pfn{pfn}).mapcount) stats_.pages_rotated += nr;
    host_.deactivate(Pfn{pfn});
    stats_.pages_deactivated += nr;
    if (ex) decide(explain_, "deactivate");
  }
}

// shrink_active_list (2.6.24): reclaim_mapped is decided once per call from swap_tendency =
// mapped_ratio / 2 + distress + vm_swappiness (60) + imbalance (active / (inactive + 1), scaled by
// (swappiness + 1) / 100 and mapped_ratio / 100), distress = 100 >> min(prev_priority, priority);
// a mapped page stays active unless reclaim_mapped, swap exists and page_referenced finds it old;
// an unmapped one is deactivated. (zone_is_near_oom, which forces reclaim_mapped after scanning
// three times the lists without freeing a page, is left out: on a host of mapped guest memory
// swap_tendency is above 100 already.) A huge page counts as in shrink_active_list above.
void Vmscan::shrink_active_list_2624(std::uint64_t n, int priority, Cycles now, CauseCycles& work) {
  constexpr std::uint64_t kSwappiness = 60;  // vm_swappiness
  const std::uint64_t total = host_.frames().total();
  const std::uint64_t mapped_ratio = host_.mapped_pages() * 100 / total;
  const std::uint64_t distress = 100 >> std::min(prev_priority_, priority);
  std::uint64_t imbalance = lru_.size(LruList::ActiveAnon) / (lru_.size(LruList::InactiveAnon) + 1);
  imbalance = imbalance * (kSwappiness + 1) / 100 * mapped_ratio / 100;
  const bool reclaim_mapped = mapped_ratio / 2 + distress + kSwappiness + imbalance >= 100;
  const bool have_swap = host_.has_swap();
  for (; n > 0; --n) {
    const std::uint64_t pfn = isolate_tail(LruList::ActiveAnon);
    if (pfn == LruLists::kNone) return;
    const Pfn p{pfn};
    const unsigned nr = host_.nr_pages(p);
    work.reclaim += cfg_.scan_page_cycles;
    const bool ex = explaining(explain_);
    if (ex) open_page(explain_, "shrink_active_list", host_, pfn);
    if (host_.page(p).mapcount) {
      bool keep = !reclaim_mapped || !have_swap;
      if (!keep) {
        work.reclaim += cfg_.rmap_walk_cycles;
        keep = host_.page_referenced(p, work, now) > 0;
      } else if (!reclaim_mapped) {
        ++stats_.reclaim_mapped_refusals;
      }
      if (keep) {
        host_.activate(p);
        stats_.pages_rotated += nr;
        if (ex) decide(explain_, "keep_active", reclaim_mapped ? "referenced" : "reclaim_mapped_off");
        continue;
      }
    }
    host_.deactivate(p);
    stats_.pages_deactivated += nr;
    if (ex) decide(explain_, "deactivate");
  }
}

// shrink_slab (mm/vmscan.c, 2.6.24 and 2.6.28) after a priority that scanned `scanned` LRU pages.
void Vmscan::shrink_slab(std::uint64_t scanned, CauseCycles& work) {
  constexpr std::uint64_t kShrinkBatch = 128;  // SHRINK_BATCH
  const std::uint64_t lru_pages = lru_.size(LruList::ActiveAnon) + lru_.size(LruList::InactiveAnon);
  for (Shrinker* s : host_.shrinkers()) {
    const std::uint64_t max_pass = s->shrink(0, work);
    const std::uint64_t delta = 4 * scanned / s->seeks() * max_pass / (lru_pages + 1);
    s->nr += static_cast<std::int64_t>(delta);
    if (s->nr > static_cast<std::int64_t>(max_pass * 2)) s->nr = static_cast<std::int64_t>(max_pass * 2);
    std::uint64_t total_scan = static_cast<std::uint64_t>(s->nr);
    s->nr = 0;
    while (total_scan >= kShrinkBatch) {
      s->shrink(kShrinkBatch, work);
      ++stats_.slab_shrink_calls;
      total_scan -= kShrinkBatch;
    }
    s->nr += static_cast<std::int64_t>(total_scan);
  }
}

void Vmscan::end_pass(const ScanControl& sc) {
  prev_priority_ = std::clamp(sc.priority + 1, 0, static_cast<int>(kDefPriority));
}

// shrink_inactive_list -> shrink_page_list (2.6.28): referenced and mapped -> activate; otherwise
// add_to_swap, try_to_unmap (young again -> activate), pageout if dirty, free if clean. A page KVM
// pins cannot be freed: it goes back to the head of the inactive list. With thp_swap, the tails of
// a huge page split for want of a swap cluster go through the same call after it
// (split_huge_page_to_list onto shrink_page_list's list, 4.14), beyond the `n` entries taken off
// the list: each counts as scanned, none as taken. Activations count entries (2.6.38's pgactivate),
// the progress pages (nr_reclaimed).
std::uint64_t Vmscan::shrink_inactive_list(std::uint64_t n, Cycles now, CauseCycles& work) {
  std::uint64_t progress = 0;
  std::vector<std::uint64_t> tails;  // thp_swap's fallback: taken from the back (tail 1 first)
  for (;;) {
    std::uint64_t pfn;
    if (!tails.empty()) {
      pfn = tails.back();
      tails.pop_back();
      ++stats_.pages_scanned;
    } else {
      if (n == 0) break;
      --n;
      pfn = isolate_tail(LruList::InactiveAnon);
      if (pfn == LruLists::kNone) break;
    }
    const Pfn p{pfn};
    work.reclaim += cfg_.scan_page_cycles;
    const bool ex = explaining(explain_);
    if (ex) open_page(explain_, "shrink_inactive_list", host_, pfn);
    if (host_.page(p).pinned) {
      host_.deactivate(p);
      if (ex) decide(explain_, "putback", "pinned");
      continue;
    }
    if (host_.read_in_flight(p, now)) {  // !trylock_page: a swap read in flight
      host_.deactivate(p);
      if (ex) decide(explain_, "putback", "swap_read");
      continue;
    }
    if (host_.writeback_rotate() && host_.page(p).writeback) {  // PageWriteback: keep_locked
      host_.deactivate(p);
      if (ex) decide(explain_, "putback", "writeback");
      continue;
    }
    work.reclaim += cfg_.rmap_walk_cycles;
    // page_mapping_inuse: mapped, or (2.6.28) a swap-cache page.
    const bool mapped = host_.page(p).mapcount > 0;
    if (host_.page_referenced(p, work, now) && (mapped || (host_.writeback_rotate() && host_.page(p).swapcache))) {
      host_.activate(p);
      ++stats_.pages_activated;
      if (!mapped) ++stats_.pages_reactivated_swapcache;
      if (ex) decide(explain_, "activate", mapped ? "referenced" : "referenced_swapcache");
      continue;
    }
    std::vector<std::uint64_t> split;
    const bool slot = host_.add_to_swap(p, host_.thp_swap() ? &split : nullptr);
    tails.insert(tails.end(), split.rbegin(), split.rend());
    if (!slot) {  // swap full, or none
      host_.activate(p);
      ++stats_.pages_activated;
      if (ex) decide(explain_, "activate", "no_swap_slot");
      continue;
    }
    if (host_.page(p).mapcount) {
      work.reclaim += cfg_.rmap_walk_cycles;
      if (!host_.try_to_unmap(p, work)) {
        host_.activate(p);
        ++stats_.pages_activated;
        if (ex) decide(explain_, "activate", "unmap_failed");
        continue;
      }
    }
    if (host_.page_pinned(p)) {  // the unmap's notifier did not drop KVM's reference
      host_.deactivate(p);
      if (ex) decide(explain_, "putback", "still_pinned");
      continue;
    }
    const unsigned nr = host_.nr_pages(p);  // nr_reclaimed counts a huge page's 512 (thp_swap)
    if (host_.page(p).dirty) {
      host_.pageout(p, now);  // counted in HostStats::swap_outs
      if (ex) decide(explain_, "pageout");
      if (!cfg_.progress_freed) progress += nr;
      continue;
    }
    host_.remove_mapping(p);
    if (ex) decide(explain_, "free");
    progress += nr;
  }
  return progress;
}

// shrink_zone (2.6.28) and the priority loops around it, up to the end of the next batch.
// The lists' sizes count pages (a huge page 512, 2.6.38's zone_nr_lru_pages), the quotas they
// give are entries to scan (isolate_lru_pages' nr_to_scan).
// With zone_scan_accounting, as 2.6.28: each list's nr_scan grows by size >> priority (the whole
// list at priority 0; anon is scanned at 100 per cent, get_scan_ratio with no page cache), and a
// list is scanned once its count reaches SWAP_CLUSTER_MAX; the loop runs while the inactive list
// has a quota, a round taking at most 32 pages of the inactive and then of the active list, the
// active quota aging the active list only while inactive_anon_is_low (shrink_list); balance_pgdat
// ages the active list at the start of each priority when the inactive one is low. Without it,
// the simpler rule: (size >> priority) + 1 of each list, the active list first, and a direct
// reclaimer stops once it has a cluster. Either way shrink_zone ends by aging the active list if
// the inactive one is low. The priority loops: balance_pgdat until the free pages are above the
// high watermark or a cluster is reclaimed, do_try_to_free_pages until a cluster is reclaimed;
// both sleep in congestion_wait after a priority below DEF_PRIORITY - 2 that scanned pages
// (kswapd: any page of the pass; direct reclaim: without a cluster yet). A batch ends after a round that leaves
// more to scan, at the end of a shrink_zone, or before a congestion_wait.
void Vmscan::batch(ScanControl& sc, Cycles now, CauseCycles& work) {
  bool worked = false;
  sc.congestion_wait = false;
  if (cfg_.timed_batches) host_.complete_writeback(now);
  for (;;) {
    if (!sc.in_zone) {
      if (sc.priority < 0 || (sc.direct && sc.progress >= kSwapClusterMax)) {
        sc.done = true;
        break;
      }
      if (sc.priority == 0) host_.disable_swap_token();  // "The swap token gets in the way of swapout..."
      const bool split = !cfg_.classic_2624;
      if (!sc.direct && split && cfg_.zone_scan_accounting && inactive_anon_is_low()) {  // background aging
        worked = true;
        shrink_active_list(kSwapClusterMax, now, work);
      }
      if (!sc.direct && host_.free_pages() > host_.high_pages()) {
        sc.done = true;
        break;
      }
      prev_priority_ = std::min(prev_priority_, sc.priority);  // note_zone_scanning_priority
      if (!split) {  // 2.6.24: (size >> priority) + 1, accumulated until it reaches a cluster
        const auto quota = [&](LruList l, std::uint64_t& nr_scan) {
          nr_scan += scan_target(l, sc.priority) + 1;
          if (nr_scan < kSwapClusterMax) return std::uint64_t{0};
          const std::uint64_t nr = nr_scan;
          nr_scan = 0;
          return nr;
        };
        sc.nr_active = quota(LruList::ActiveAnon, nr_scan_active_);
        sc.nr_inactive = quota(LruList::InactiveAnon, nr_scan_inactive_);
      } else if (cfg_.zone_scan_accounting) {
        const auto quota = [&](LruList l, std::uint64_t& nr_scan) {
          nr_scan += scan_target(l, sc.priority);  // the whole list at priority 0
          if (nr_scan < kSwapClusterMax) return std::uint64_t{0};
          const std::uint64_t nr = nr_scan;
          nr_scan = 0;
          return nr;
        };
        sc.nr_inactive = quota(LruList::InactiveAnon, nr_scan_inactive_);
        sc.nr_active = quota(LruList::ActiveAnon, nr_scan_active_);
      } else {
        sc.nr_active = scan_target(LruList::ActiveAnon, sc.priority) + 1;
        sc.nr_inactive = scan_target(LruList::InactiveAnon, sc.priority) + 1;
      }
      sc.zone_progress = 0;
      sc.priority_start_scanned = stats_.pages_scanned;
      sc.in_zone = true;
    }
    const auto active_quota = [&] {
      const std::uint64_t n = std::min<std::uint64_t>(sc.nr_active, kSwapClusterMax);
      sc.nr_active -= n;
      if (cfg_.classic_2624) shrink_active_list_2624(n, sc.priority, now, work);
      else if (inactive_anon_is_low()) shrink_active_list(n, now, work);
      else sc.zone_progress += shrink_inactive_list(n, now, work);
    };
    const auto inactive_quota = [&] {
      const std::uint64_t n = std::min<std::uint64_t>(sc.nr_inactive, kSwapClusterMax);
      sc.nr_inactive -= n;
      sc.zone_progress += shrink_inactive_list(n, now, work);
    };
    const bool split_accounting = !cfg_.classic_2624 && cfg_.zone_scan_accounting;
    if (split_accounting ? sc.nr_inactive > 0 : (sc.nr_active || sc.nr_inactive)) {
      worked = true;
      if (split_accounting) {  // for_each_evictable_lru: inactive anon, then active anon
        inactive_quota();
        if (sc.nr_active) active_quota();
      } else {  // 2.6.24, and the simpler rule: the active list first
        if (sc.nr_active) active_quota();
        if (sc.nr_inactive) inactive_quota();
        if (!cfg_.classic_2624 && sc.direct && sc.zone_progress >= kSwapClusterMax && sc.priority < kDefPriority)
          sc.nr_active = sc.nr_inactive = 0;
      }
      if (split_accounting ? sc.nr_inactive > 0 : (sc.nr_active || sc.nr_inactive)) break;
    }
    if (!cfg_.classic_2624 && inactive_anon_is_low()) {
      worked = true;
      shrink_active_list(kSwapClusterMax, now, work);
    }
    const bool priority_scanned = stats_.pages_scanned > sc.priority_start_scanned;
    if (cfg_.shrink_slab && !host_.shrinkers().empty()) shrink_slab(stats_.pages_scanned - sc.priority_start_scanned, work);
    sc.progress += sc.zone_progress;
    sc.in_zone = false;
    const int priority = sc.priority--;
    // congestion_wait(WRITE, HZ/10): balance_pgdat when the pass has scanned, before its
    // nr_reclaimed check; do_try_to_free_pages when this priority scanned, after it (a reclaimer
    // with a cluster leaves without sleeping).
    if (cfg_.congestion_timeout_cycles && priority < kDefPriority - 2 &&
        (sc.direct ? priority_scanned && sc.progress < kSwapClusterMax : stats_.pages_scanned > sc.pass_start_scanned))
      sc.congestion_wait = true;
    if (!sc.direct && sc.progress >= kSwapClusterMax) sc.done = true;
    if (sc.done || sc.congestion_wait || worked) break;
  }
  if (sc.done) end_pass(sc);
}

void Vmscan::kswapd_begin() {
  kswapd_ = ScanControl{};
  kswapd_.pass_start_scanned = stats_.pages_scanned;
}

Reclaimer::Batch Vmscan::kswapd_batch(Cycles now) {
  CauseCycles work;
  batch(kswapd_, now, work);
  return Batch{work.total(), kswapd_.progress, kswapd_.done, kswapd_.congestion_wait};
}

// congestion_wait (mm/backing-dev.c, 2.6.28): sleeps on the write congestion queue until a write
// completes (clear_bdi_congested wakes it) or the timeout passes.
Cycles Vmscan::congestion_wait(Cycles now) {
  host_.complete_writeback(now);
  Cycles until = now + cfg_.congestion_timeout_cycles;
  const Cycles next = host_.next_writeback_completion();  // later than now, or 0: none in flight
  if (next && next < until) until = next;
  ++stats_.congestion_waits;
  stats_.congestion_wait_cycles += until - now;
  if (explaining(explain_)) explain_->emit(Event(EventKind::congestion_wait).num("cycles", until - now).flag("write_done", next && next == until));
  return until;
}

Cycles Vmscan::try_to_free_pages(Cycles now) {
  CauseCycles work;
  ScanControl sc;
  sc.direct = true;
  sc.pass_start_scanned = stats_.pages_scanned;
  Cycles waited = 0;
  while (!sc.done) {
    batch(sc, cfg_.timed_batches ? now + work.total() + waited : now, work);
    if (sc.congestion_wait) {
      const Cycles at = now + work.total() + waited;
      waited += congestion_wait(at) - at;
    }
  }
  return host_.throttle_reclaim(now, work.total() + waited);
}

}  // namespace mmusim
