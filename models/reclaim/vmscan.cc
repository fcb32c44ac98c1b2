#include "reclaim/vmscan.h"

#include <algorithm>
#include <cmath>

namespace mmusim {

namespace {
// Explain mode: a line for the page `pfn` taken off a list by `who`; closed by the caller.
void open_page(ExplainSink* sink, const char* who, const HostMemory& host, std::uint64_t pfn) {
  const HostPage& pg = host.page(Pfn{pfn});
  sink->open(std::string(who) + " pfn " + to_hex(pfn) + " (vm " + std::to_string(pg.vm) + " gfn " + to_hex(pg.gfn) + ")");
}

// Closes the line with the decision.
void decide(ExplainSink* sink, const char* what) {
  sink->step(what);
  sink->close();
}
}  // namespace

Vmscan::Vmscan(HostMemory& host, VmscanConfig cfg)
    : host_(host), lru_(dynamic_cast<SplitLru&>(host.lru_policy())), cfg_(cfg) {
  const std::uint64_t gb = host_.frames().total() >> (30 - kPageShift);
  ratio_ = gb ? static_cast<std::uint64_t>(std::sqrt(10.0 * static_cast<double>(gb))) : 1;
}

bool Vmscan::inactive_anon_is_low() const {
  return lru_.size(LruList::InactiveAnon) * ratio_ < lru_.size(LruList::ActiveAnon);
}

// shrink_active_list (2.6.28): every scanned page goes to the inactive list; page_referenced clears
// its referenced bits; the referenced ones count as rotated.
void Vmscan::shrink_active_list(std::uint64_t n, CauseCycles& work) {
  for (; n > 0; --n) {
    const std::uint64_t pfn = lru_.tail(LruList::ActiveAnon);
    if (pfn == LruLists::kNone) return;
    ++stats_.pages_scanned;
    work.reclaim += cfg_.scan_page_cycles + cfg_.rmap_walk_cycles;
    const bool ex = explaining(explain_);
    if (ex) open_page(explain_, "shrink_active_list", host_, pfn);
    if (host_.page_referenced(Pfn{pfn}, work) && host_.page(Pfn{pfn}).mapcount) ++stats_.pages_rotated;
    host_.deactivate(Pfn{pfn});
    ++stats_.pages_deactivated;
    if (ex) decide(explain_, "deactivate");
  }
}

// shrink_inactive_list -> shrink_page_list (2.6.28): referenced and mapped -> activate; otherwise
// add_to_swap, try_to_unmap (young again -> activate), pageout if dirty, free if clean. A page KVM
// pins cannot be freed: it goes back to the head of the inactive list.
std::uint64_t Vmscan::shrink_inactive_list(std::uint64_t n, Cycles now, CauseCycles& work) {
  std::uint64_t progress = 0;
  for (; n > 0; --n) {
    const std::uint64_t pfn = lru_.tail(LruList::InactiveAnon);
    if (pfn == LruLists::kNone) break;
    const Pfn p{pfn};
    ++stats_.pages_scanned;
    work.reclaim += cfg_.scan_page_cycles;
    const bool ex = explaining(explain_);
    if (ex) open_page(explain_, "shrink_inactive_list", host_, pfn);
    if (host_.page(p).pinned) {
      host_.deactivate(p);
      if (ex) decide(explain_, "pinned by KVM: back to the inactive list");
      continue;
    }
    work.reclaim += cfg_.rmap_walk_cycles;
    if (host_.page_referenced(p, work) && host_.page(p).mapcount) {
      host_.activate(p);
      ++stats_.pages_activated;
      if (ex) decide(explain_, "referenced: activate");
      continue;
    }
    if (!host_.add_to_swap(p)) {  // swap full, or none
      host_.activate(p);
      ++stats_.pages_activated;
      if (ex) decide(explain_, "no swap slot: activate");
      continue;
    }
    if (host_.page(p).mapcount) {
      work.reclaim += cfg_.rmap_walk_cycles;
      if (!host_.try_to_unmap(p, work)) {
        host_.activate(p);
        ++stats_.pages_activated;
        if (ex) decide(explain_, "activate");
        continue;
      }
    }
    if (host_.page(p).pinned) {  // the unmap's notifier did not drop KVM's reference
      host_.deactivate(p);
      if (ex) decide(explain_, "still pinned by KVM: back to the inactive list");
      continue;
    }
    if (host_.page(p).dirty) {
      host_.pageout(p, now);  // counted in HostStats::swap_outs
    } else {
      host_.remove_mapping(p);
    }
    if (ex) explain_->close();
    ++progress;
  }
  return progress;
}

// shrink_zone (2.6.28): scan (list size >> priority) + 1 pages of each list, a round of at most
// 32 pages of each list at a time; the active quota ages the active list only while
// inactive_anon_is_low (else it goes to the inactive list, as shrink_list does); a direct
// reclaimer stops once it has a cluster; at the end the active list is aged if the inactive one
// is low. Around it the priority loops of balance_pgdat (until the free pages are above the high
// watermark or a cluster is reclaimed) and do_try_to_free_pages (until a cluster is reclaimed).
// A batch ends after a round that leaves more to scan, or at the end of a shrink_zone.
void Vmscan::batch(ScanControl& sc, Cycles now, CauseCycles& work) {
  bool worked = false;
  for (;;) {
    if (!sc.in_zone) {
      if (sc.priority < 0 || (sc.direct ? sc.progress >= kSwapClusterMax : host_.free_pages() > host_.high_pages())) {
        sc.done = true;
        return;
      }
      sc.nr_active = (lru_.size(LruList::ActiveAnon) >> sc.priority) + 1;
      sc.nr_inactive = (lru_.size(LruList::InactiveAnon) >> sc.priority) + 1;
      sc.zone_progress = 0;
      sc.in_zone = true;
    }
    if (sc.nr_active || sc.nr_inactive) {
      worked = true;
      if (sc.nr_active) {
        const std::uint64_t n = std::min<std::uint64_t>(sc.nr_active, kSwapClusterMax);
        sc.nr_active -= n;
        if (inactive_anon_is_low()) shrink_active_list(n, work);
        else sc.zone_progress += shrink_inactive_list(n, now, work);
      }
      if (sc.nr_inactive) {
        const std::uint64_t n = std::min<std::uint64_t>(sc.nr_inactive, kSwapClusterMax);
        sc.nr_inactive -= n;
        sc.zone_progress += shrink_inactive_list(n, now, work);
      }
      if (sc.direct && sc.zone_progress >= kSwapClusterMax && sc.priority < kDefPriority) sc.nr_active = sc.nr_inactive = 0;
      if (sc.nr_active || sc.nr_inactive) return;
    }
    if (inactive_anon_is_low()) {
      worked = true;
      shrink_active_list(kSwapClusterMax, work);
    }
    sc.progress += sc.zone_progress;
    sc.in_zone = false;
    --sc.priority;
    if (!sc.direct && sc.progress >= kSwapClusterMax) {
      sc.done = true;
      return;
    }
    if (worked) return;
  }
}

void Vmscan::kswapd_begin() { kswapd_ = ScanControl{}; }

Reclaimer::Batch Vmscan::kswapd_batch(Cycles now) {
  CauseCycles work;
  batch(kswapd_, now, work);
  return Batch{work.total(), kswapd_.progress, kswapd_.done};
}

Cycles Vmscan::try_to_free_pages(Cycles now) {
  CauseCycles work;
  ScanControl sc;
  sc.direct = true;
  while (!sc.done) batch(sc, now, work);
  Cycles spent = work.total();
  // Throttle: with nothing free yet, wait for the first swap write to complete.
  if (host_.free_pages() <= host_.min_pages() && host_.writeback_pages()) {
    const Cycles done = host_.next_writeback_completion();
    if (done > now + spent) spent = done - now;
    host_.complete_writeback(now + spent);
  }
  return spent;
}

}  // namespace mmusim
