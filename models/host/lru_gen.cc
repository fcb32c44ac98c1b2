#include "host/lru_gen.h"

#include <stdexcept>
#include <string>

namespace mmusim {

LruGen::LruGen(std::uint64_t frames) : frames_(frames) {
  if (frames > kNone) throw std::invalid_argument("LruGen: more frames than 32-bit links can name");
  head_.fill(kNone);
  tail_.fill(kNone);
}

void LruGen::grow_to(std::uint64_t pfn) {
  if (pfn < on_.size()) return;
  if (pfn >= frames_) throw std::logic_error("LruGen: frame beyond the host's memory");
  const std::size_t n = pfn + 1;
  prev_.resize(n, kNone);
  next_.resize(n, kNone);
  on_.resize(n, 0);
  flags_.resize(n, 0);
}

// Lists: the head is the youngest page, eviction takes the tail (list_add, lru_to_folio).
void LruGen::link_head(std::uint64_t pfn, unsigned list) {
  grow_to(pfn);
  if (on_[pfn]) throw std::logic_error("LruGen: page already on a list");
  const Link p = static_cast<Link>(pfn);
  prev_[p] = kNone;
  next_[p] = head_[list];
  if (head_[list] != kNone) prev_[head_[list]] = p;
  else tail_[list] = p;
  head_[list] = p;
  on_[p] = static_cast<std::uint8_t>(list + 1);
  ++count_[list];
}

void LruGen::link_tail(std::uint64_t pfn, unsigned list) {
  grow_to(pfn);
  if (on_[pfn]) throw std::logic_error("LruGen: page already on a list");
  const Link p = static_cast<Link>(pfn);
  next_[p] = kNone;
  prev_[p] = tail_[list];
  if (tail_[list] != kNone) next_[tail_[list]] = p;
  else head_[list] = p;
  tail_[list] = p;
  on_[p] = static_cast<std::uint8_t>(list + 1);
  ++count_[list];
}

void LruGen::unlink(std::uint64_t pfn) {
  if (pfn >= on_.size() || !on_[pfn]) throw std::logic_error("LruGen: page on no list");
  const unsigned list = on_[pfn] - 1u;
  const Link p = static_cast<Link>(pfn);
  if (prev_[p] != kNone) next_[prev_[p]] = next_[p];
  else head_[list] = next_[p];
  if (next_[p] != kNone) prev_[next_[p]] = prev_[p];
  else tail_[list] = prev_[p];
  prev_[p] = next_[p] = kNone;
  on_[p] = 0;
  --count_[list];
}

void LruGen::set_gen(std::uint64_t pfn, int gen) {
  const int old = gen_of(pfn);
  const std::uint64_t nr = (flags_[pfn] & kLarge) ? 512 : 1;
  if (old >= 0) nr_pages_[old] -= nr;
  if (gen >= 0) nr_pages_[gen] += nr;
  flags_[pfn] = static_cast<std::uint8_t>((flags_[pfn] & ~kGenMask) | (gen + 1));
}

// lru_gen_add_folio (6.1 to 6.12, after "mm: multi-gen LRU: fix placement"): active (freshly
// faulted in) -> max_seq; an anon page not in the swap cache, or one PG_reclaim left dirty or under
// writeback -> max_seq - 1; reclaiming, or with only MIN_NR_GENS generations -> min_seq; else
// min_seq + 1. PG_active is consumed; the page goes to the head, or the tail when reclaiming.
void LruGen::add(std::uint64_t pfn, HostPage& pg, bool reclaiming) {
  std::uint64_t seq;
  if (pg.active) seq = max_seq_;
  else if (!pg.swapcache || (pg.reclaim && (pg.dirty || pg.writeback))) seq = max_seq_ - 1;
  else if (reclaiming || min_seq_ + kMinNrGens >= max_seq_) seq = min_seq_;
  else seq = min_seq_ + 1;
  pg.active = false;
  grow_to(pfn);
  // Off every list here (no generation): the size the page counts for can change.
  flags_[pfn] = static_cast<std::uint8_t>(pg.huge ? flags_[pfn] | kLarge : flags_[pfn] & ~kLarge);
  const unsigned gen = gen_from_seq(seq);
  set_gen(pfn, static_cast<int>(gen));
  if (reclaiming) link_tail(pfn, gen);
  else link_head(pfn, gen);
}

void LruGen::add_new(std::uint64_t pfn, HostPage& pg) {
  pg.active = true;  // folio_add_lru: lru_gen_in_fault
  add(pfn, pg, false);
}

void LruGen::mark_accessed(std::uint64_t pfn, HostPage& pg) {
  grow_to(pfn);
  if (!pg.referenced) {
    pg.referenced = true;
  } else if (!(flags_[pfn] & kWorkingset)) {
    flags_[pfn] |= kWorkingset;
  } else if ((flags_[pfn] & kRefsMask) != kRefsMask) {
    flags_[pfn] = static_cast<std::uint8_t>(flags_[pfn] + (1u << kRefsShift));
  }
}

void LruGen::isolate(std::uint64_t pfn) {
  unlink(pfn);
  set_gen(pfn, -1);
}

void LruGen::forget(std::uint64_t pfn) {
  if (pfn >= flags_.size()) return;
  if (on_[pfn]) isolate(pfn);
  flags_[pfn] = 0;
}

bool LruGen::rotate_reclaimable(std::uint64_t pfn, const HostPage& pg) {
  if (pg.dirty || pfn >= on_.size() || !on_[pfn] || on_[pfn] - 1u == kMaxNrGens) return false;
  isolate(pfn);
  HostPage copy = pg;  // lru_move_tail: folio_clear_active, then lru_gen_add_folio(reclaiming)
  copy.active = false;
  add(pfn, copy, true);
  return true;
}

LruList LruGen::list_of(std::uint64_t pfn) const {
  if (pfn >= on_.size() || !on_[pfn]) return LruList::None;
  const int gen = gen_of(pfn);
  return gen >= 0 && is_active_gen(static_cast<unsigned>(gen)) ? LruList::ActiveAnon : LruList::InactiveAnon;
}

std::uint64_t LruGen::size(LruList list) const {
  const std::uint64_t active = nr_pages_[gen_from_seq(max_seq_)] + nr_pages_[gen_from_seq(max_seq_ - 1)];
  std::uint64_t total = count_[kMaxNrGens];  // isolated pages count as inactive
  for (unsigned g = 0; g < kMaxNrGens; ++g) total += nr_pages_[g];
  return list == LruList::ActiveAnon ? active : list == LruList::InactiveAnon ? total - active : 0;
}

std::string LruGen::check_page(std::uint64_t pfn, const HostPage& pg) const {
  if (pg.active) return "PG_active set on a page of the multi-gen LRU";
  const int list = list_of_page(pfn);
  const int gen = gen_of(pfn);
  if (list == static_cast<int>(kMaxNrGens)) return gen < 0 ? "" : "isolated by reclaim but has a generation";
  if (gen < 0) return "on a generation's list without a generation";
  if (static_cast<bool>(flags_[pfn] & kLarge) != pg.huge)
    return std::string("counted as ") + (pg.huge ? "1 page but is a huge page's head" : "512 pages but is no huge page");
  // The flag may be younger than the list (promoted by the aging, sorted by eviction later), never
  // outside [min_seq, max_seq].
  for (std::uint64_t seq = min_seq_; seq <= max_seq_; ++seq)
    if (gen_from_seq(seq) == static_cast<unsigned>(gen)) return "";
  return "generation " + std::to_string(gen) + " outside min_seq " + std::to_string(min_seq_) + " .. max_seq " + std::to_string(max_seq_);
}

unsigned LruGen::refs(std::uint64_t pfn) const {
  if (pfn >= flags_.size()) return 0;
  return ((flags_[pfn] & kRefsMask) >> kRefsShift) + ((flags_[pfn] & kWorkingset) ? 1u : 0u);
}

// lru_tier_from_refs: order_base_2(refs + 1).
unsigned LruGen::tier_from_refs(unsigned refs) {
  unsigned tier = 0;
  while ((1u << tier) < refs + 1) ++tier;
  return tier;
}

int LruGen::update_gen(std::uint64_t pfn, HostPage& pg, unsigned gen) {
  const int old = gen_of(pfn);
  if (old < 0) {
    pg.referenced = true;  // "for shrink_folio_list()"
    return -1;
  }
  set_gen(pfn, static_cast<int>(gen));
  flags_[pfn] &= static_cast<std::uint8_t>(~(kRefsMask | kWorkingset));
  pg.referenced = false;
  return old;
}

unsigned LruGen::inc_gen(std::uint64_t pfn, HostPage& pg, bool reclaiming) {
  const unsigned old_gen = gen_from_seq(min_seq_);
  const int gen = gen_of(pfn);
  if (gen >= 0 && static_cast<unsigned>(gen) != old_gen) return static_cast<unsigned>(gen);
  const unsigned new_gen = (old_gen + 1) % kMaxNrGens;
  set_gen(pfn, static_cast<int>(new_gen));
  flags_[pfn] &= static_cast<std::uint8_t>(~(kRefsMask | kWorkingset));
  pg.referenced = false;
  if (reclaiming) pg.reclaim = true;
  return new_gen;
}

void LruGen::move_head(std::uint64_t pfn, unsigned gen) {
  unlink(pfn);
  link_head(pfn, gen);
}

void LruGen::move_tail(std::uint64_t pfn, unsigned gen) {
  unlink(pfn);
  link_tail(pfn, gen);
}

void LruGen::isolate_for_reclaim(std::uint64_t pfn, HostPage& pg) {
  if (!pg.referenced) flags_[pfn] &= static_cast<std::uint8_t>(~(kRefsMask | kWorkingset));
  pg.reclaim = false;
  pg.referenced = false;
  unlink(pfn);
  set_gen(pfn, -1);
  link_head(pfn, kMaxNrGens);
}

void LruGen::putback_isolated(std::uint64_t pfn, HostPage& pg) {
  unlink(pfn);
  add(pfn, pg, false);
}

void LruGen::reject(std::uint64_t pfn, HostPage& pg) {
  flags_[pfn] &= static_cast<std::uint8_t>(~(kRefsMask | kWorkingset));
  pg.referenced = false;
  pg.active = true;
  putback_isolated(pfn, pg);
}

void LruGen::reset_ctrl_pos() {
  for (unsigned t = 0; t < kMaxNrTiers; ++t) {
    avg_refaulted_[t] = (avg_refaulted_[t] + refaulted_[t]) / 2;
    avg_total_[t] = (avg_total_[t] + evicted_[t] + (t ? protected_[t - 1] : 0)) / 2;
    refaulted_[t] = evicted_[t] = 0;
    if (t) protected_[t - 1] = 0;
  }
}

// inc_min_seq, then inc_max_seq (6.6): with MAX_NR_GENS generations the oldest one's pages move
// to the next (folio_inc_gen, to that list's tail); the new generation is stamped.
void LruGen::inc_max_seq(Cycles now, const std::function<HostPage&(std::uint64_t)>& page) {
  if (nr_gens() == kMaxNrGens) {
    const unsigned old_gen = gen_from_seq(min_seq_);
    while (tail_[old_gen] != kNone) {
      const std::uint64_t pfn = tail_[old_gen];
      move_tail(pfn, inc_gen(pfn, page(pfn), false));
    }
    reset_ctrl_pos();
    ++min_seq_;
  }
  ++max_seq_;
  timestamps_[gen_from_seq(max_seq_)] = now;
}

bool LruGen::try_to_inc_min_seq() {
  std::uint64_t seq = min_seq_;
  while (seq + kMinNrGens <= max_seq_ && count_[gen_from_seq(seq)] == 0) ++seq;
  if (seq == min_seq_) return false;
  reset_ctrl_pos();
  min_seq_ = seq;
  return true;
}

// positive_ctrl_err with MIN_LRU_BATCH, gains 1 (tier 0) and 2 (the others), as get_tier_idx.
unsigned LruGen::tier_idx() const {
  const auto refaulted = [&](unsigned t) { return avg_refaulted_[t] + refaulted_[t]; };
  const auto total = [&](unsigned t) { return avg_total_[t] + evicted_[t] + (t ? protected_[t - 1] : 0); };
  const std::uint64_t sp_refaulted = refaulted(0), sp_total = total(0);
  unsigned tier = 1;
  for (; tier < kMaxNrTiers; ++tier) {
    const std::uint64_t pv_refaulted = refaulted(tier), pv_total = total(tier);
    const bool positive = pv_refaulted < kMinLruBatch ||
                          pv_refaulted * (sp_total + kMinLruBatch) * 1 <= (sp_refaulted + 1) * pv_total * 2;
    if (!positive) break;
  }
  return tier - 1;
}

// lru_gen_eviction: the token holds min_seq, refs - 1 and whether refs were non-zero (the shadow's
// workingset bit); the eviction is counted in its tier.
std::uint64_t LruGen::evict_token(std::uint64_t pfn, const HostPage& /*pg*/) {
  const unsigned r = refs(pfn);
  ++evicted_[tier_from_refs(r)];
  return std::uint64_t{1} << 63 | min_seq_ << 3 | std::uint64_t{r > 0} << 2 | (r > 0 ? r - 1 : 0);
}

// lru_gen_refault: a shadow is recent when its min_seq is fewer than MAX_NR_GENS behind max_seq;
// the refault counts in the tier the page had; in a fault (every swap-in here) the page gets
// PG_workingset and a full counter back.
void LruGen::refault(std::uint64_t pfn, HostPage& /*pg*/, std::uint64_t token) {
  if (!(token >> 63)) return;
  const std::uint64_t seq = (token & ~(std::uint64_t{1} << 63)) >> 3;
  const std::uint64_t diff = seq > max_seq_ ? seq - max_seq_ : max_seq_ - seq;
  if (diff >= kMaxNrGens) return;
  ++stats_.workingset_refaults;
  const unsigned r = static_cast<unsigned>(token & 3) + static_cast<unsigned>((token >> 2) & 1);
  ++refaulted_[tier_from_refs(r)];
  grow_to(pfn);
  flags_[pfn] |= kRefsMask | kWorkingset;
}

}  // namespace mmusim
