// The multi-generational LRU (MGLRU, Linux 6.1 and later; include/linux/mm_inline.h, mm/vmscan.c
// lru_gen_*, mm/swap.c folio_inc_refs, mm/workingset.c lru_gen_eviction/lru_gen_refault), anonymous
// pages of one node and no memory cgroup: generations numbered by sequence, min_seq (the oldest)
// to max_seq (the youngest), MIN_NR_GENS = 2 to MAX_NR_GENS = 4 of them; a page's generation is a
// flag (gen = seq % 4) that the aging may change while the page stays on the list of its old
// generation (folio_update_gen), for eviction to sort later (sort_folio); within a generation,
// tiers by the accesses the kernel saw in software (PG_referenced, PG_workingset and a 2-bit
// counter), with the refault feedback that decides which tiers are protected (get_tier_idx).
// The aging walk, look-around and eviction live in models/reclaim/lru_gen_reclaim.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "common/addr.h"
#include "host/lru_policy.h"

namespace mmusim {

class LruGen : public LruPolicy {
 public:
  static constexpr unsigned kMinNrGens = 2, kMaxNrGens = 4;  // MIN_NR_GENS, MAX_NR_GENS
  static constexpr unsigned kMaxNrTiers = 4;                 // MAX_NR_TIERS
  static constexpr unsigned kRefsWidth = 2;                  // LRU_REFS_WIDTH = MAX_NR_TIERS - 2
  static constexpr unsigned kMinLruBatch = 64;               // MIN_LRU_BATCH = BITS_PER_LONG
  static constexpr unsigned kMaxLruBatch = 64 * 128;         // MAX_LRU_BATCH
  using Link = std::uint32_t;
  static constexpr Link kNone = ~Link{0};

  // lru_gen_init_lruvec: max_seq = MIN_NR_GENS + 1, min_seq = 0 (four generations, all empty).
  explicit LruGen(std::uint64_t frames);

  // --- LruPolicy ---
  // folio_add_lru in a fault (lru_gen_in_fault): PG_active, so the youngest generation.
  void add_new(std::uint64_t pfn, HostPage& pg) override;
  // folio_mark_accessed under MGLRU: folio_inc_refs (PG_referenced, then PG_workingset, then the
  // counter up to 3); the page does not move.
  void mark_accessed(std::uint64_t pfn, HostPage& pg) override;
  void isolate(std::uint64_t pfn) override;
  // lru_gen_add_folio(reclaiming = false).
  void putback(std::uint64_t pfn, HostPage& pg) override { add(pfn, pg, false); }
  // folio_rotate_reclaimable: a clean page whose write completed goes to the oldest generation's
  // tail (lru_gen_add_folio with reclaiming).
  bool rotate_reclaimable(std::uint64_t pfn, const HostPage& pg) override;
  // lru_gen_is_active: the two youngest generations count as active, the rest inactive.
  LruList list_of(std::uint64_t pfn) const override;
  std::uint64_t size(LruList list) const override;
  std::string check_page(std::uint64_t pfn, const HostPage& pg) const override;
  std::uint64_t evict_token(std::uint64_t pfn, const HostPage& pg) override;
  void refault(std::uint64_t pfn, HostPage& pg, std::uint64_t token) override;
  bool keeps_shadows() const override { return true; }
  void forget(std::uint64_t pfn) override;

  // --- What the aging and eviction use ---
  std::uint64_t max_seq() const { return max_seq_; }
  std::uint64_t min_seq() const { return min_seq_; }
  unsigned nr_gens() const { return static_cast<unsigned>(max_seq_ - min_seq_ + 1); }  // get_nr_gens
  static unsigned gen_from_seq(std::uint64_t seq) { return static_cast<unsigned>(seq % kMaxNrGens); }
  // Pages whose generation flag is `gen` (lrugen->nr_pages; a huge page counts its 512,
  // lru_gen_update_size with folio_nr_pages).
  std::uint64_t nr_pages(unsigned gen) const { return nr_pages_[gen]; }
  // The generation flag of a page, -1 if it has none (isolated or off the lists): folio_lru_gen.
  int gen_of(std::uint64_t pfn) const {
    return pfn < flags_.size() && (flags_[pfn] & kGenMask) ? (flags_[pfn] & kGenMask) - 1 : -1;
  }
  // The list the page is on (-1 none; kMaxNrGens: isolated by reclaim).
  int list_of_page(std::uint64_t pfn) const { return pfn < on_.size() ? on_[pfn] - 1 : -1; }
  // The oldest page on generation `gen`'s list, or kNone.
  std::uint64_t tail(unsigned gen) const { return tail_[gen]; }
  // Accesses beyond PG_referenced (folio_lru_refs) and their tier (lru_tier_from_refs).
  unsigned refs(std::uint64_t pfn) const;
  static unsigned tier_from_refs(unsigned refs);
  // folio_update_gen: the aging found the page young. A page on a list gets generation `gen`
  // (its refs and PG_referenced, PG_workingset cleared) and stays where it is; an isolated one gets
  // PG_referenced (for shrink_folio_list). Returns the old generation, -1 for an isolated page.
  int update_gen(std::uint64_t pfn, HostPage& pg, unsigned gen);
  // folio_inc_gen: a page of the oldest generation moves one generation up (refs cleared; with
  // `reclaiming`, PG_reclaim set); a page whose flag is already younger keeps it. Returns the
  // new generation; the caller moves the page to its list (move_head, move_tail).
  unsigned inc_gen(std::uint64_t pfn, HostPage& pg, bool reclaiming);
  void move_head(std::uint64_t pfn, unsigned gen);
  void move_tail(std::uint64_t pfn, unsigned gen);
  // isolate_folio: off its list onto reclaim's private list; refs cleared unless PG_referenced,
  // then PG_reclaim and PG_referenced cleared.
  void isolate_for_reclaim(std::uint64_t pfn, HostPage& pg);
  // A page reclaim isolated goes back (lru_gen_add_folio; PG_active puts it in the youngest
  // generation, as evict_folios does for the pages it rejects).
  void putback_isolated(std::uint64_t pfn, HostPage& pg);
  // Rejected by shrink_folio_list (evict_folios): refs and PG_referenced, PG_workingset cleared,
  // PG_active set, then back.
  void reject(std::uint64_t pfn, HostPage& pg);

  // inc_max_seq at `now`: if there are MAX_NR_GENS generations, inc_min_seq first moves the oldest
  // generation's pages one up (folio_inc_gen clears their PG_referenced: `page` gives a frame's
  // flags); then a new youngest generation, born at `now`.
  void inc_max_seq(Cycles now, const std::function<HostPage&(std::uint64_t)>& page);
  // try_to_inc_min_seq: min_seq moves past empty generations while MIN_NR_GENS remain. Returns
  // whether it moved.
  bool try_to_inc_min_seq();
  // When generation `seq` was made (lrugen->timestamps).
  Cycles birth(std::uint64_t seq) const { return timestamps_[gen_from_seq(seq)]; }

  // The tier feedback (get_tier_idx, NR_HIST_GENS = 1): the lowest tier whose refault rate is
  // above tier 0's, less one; tiers above it are protected from eviction.
  unsigned tier_idx() const;
  // sort_folio protected `delta` pages of `tier` (>= 1).
  void count_protected(unsigned tier) { ++protected_[tier - 1]; }

  struct Stats {
    std::uint64_t workingset_refaults = 0;  // swap-ins whose shadow was recent (lru_gen_test_recent)
  };
  const Stats& stats() const { return stats_; }

 private:
  static constexpr std::uint8_t kGenMask = 0x7;        // gen + 1 (0: none)
  static constexpr unsigned kRefsShift = 3;            // 2-bit counter (LRU_REFS_MASK)
  static constexpr std::uint8_t kRefsMask = 0x3 << kRefsShift;
  static constexpr std::uint8_t kWorkingset = 1 << 5;  // PG_workingset
  static constexpr std::uint8_t kLarge = 1 << 6;       // a huge page's head: 512 pages (folio_nr_pages)
  // lru_gen_add_folio: the generation a page joins.
  void add(std::uint64_t pfn, HostPage& pg, bool reclaiming);
  void set_gen(std::uint64_t pfn, int gen);  // the flag, with nr_pages
  void link_head(std::uint64_t pfn, unsigned list);
  void link_tail(std::uint64_t pfn, unsigned list);
  void unlink(std::uint64_t pfn);
  void grow_to(std::uint64_t pfn);
  bool is_active_gen(unsigned gen) const {
    return gen == gen_from_seq(max_seq_) || gen == gen_from_seq(max_seq_ - 1);
  }
  // reset_ctrl_pos(carryover) at a min_seq increment: averages carried, counts cleared.
  void reset_ctrl_pos();

  static constexpr unsigned kLists = kMaxNrGens + 1;  // the generations and reclaim's isolated list
  std::vector<Link> prev_, next_;
  std::vector<std::uint8_t> on_;     // list + 1, 0: none
  std::vector<std::uint8_t> flags_;  // generation flag, refs, PG_workingset
  std::array<Link, kLists> head_{}, tail_{};
  std::array<std::uint64_t, kLists> count_{};
  std::array<std::uint64_t, kMaxNrGens> nr_pages_{};
  std::array<Cycles, kMaxNrGens> timestamps_{};
  std::uint64_t max_seq_ = kMinNrGens + 1, min_seq_ = 0;
  // lrugen->evicted, refaulted, protected (per tier; protected of tiers 1..3) and their averages.
  std::array<std::uint64_t, kMaxNrTiers> evicted_{}, refaulted_{}, avg_refaulted_{}, avg_total_{};
  std::array<std::uint64_t, kMaxNrTiers - 1> protected_{};
  std::uint64_t frames_;
  Stats stats_;
};

}  // namespace mmusim
