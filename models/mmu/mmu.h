// The translation path of one CPU (docs/architecture.md, "The path of one access" and "Semantics" 3-6): L1 iTLB or dTLB,
// then the shared STLB, then the hardware walk of the active table (CR3), through an optional
// page-walk cache. Plain C++ with exact cycle counts; faults are returned to the caller, which
// owns time (the SystemC vCPU), handles them and retries the translation.
#pragma once
#include <cstdint>
#include <memory>

#include "common/counters.h"
#include "common/explain.h"
#include "paging/page_table.h"
#include "paging/walker.h"
#include "tlb/pwc.h"
#include "tlb/tlb.h"

namespace mmusim {

struct MmuConfig {
  unsigned l1i_entries = 64, l1i_ways = 4;
  unsigned l1d_entries = 64, l1d_ways = 4;
  unsigned stlb_entries = 1536, stlb_ways = 12;  // holds 4 KiB and 2 MiB entries (Skylake's STLB)
  // The L1 arrays of 2 MiB entries (Skylake: iTLB 8 fully associative, dTLB 32 4-way).
  unsigned l1i_2m_entries = 8, l1i_2m_ways = 8;
  unsigned l1d_2m_entries = 32, l1d_2m_ways = 4;
  // The arrays of 1 GiB entries (Skylake: dTLB 4, fully associative; STLB 16, 4-way). The iTLB
  // has none: an instruction fetch from a 1 GiB page fills its 2 MiB array with the 2 MiB part
  // that holds the address.
  unsigned l1d_1g_entries = 4, l1d_1g_ways = 4;
  unsigned stlb_1g_entries = 16, stlb_1g_ways = 4;
  unsigned pwc_entries = 0;  // 0 = no page-walk cache (nested paging: the guest's tables)
  // Nested paging only (a context with a nested root): the caches of the EPT dimension, 0 = off,
  // and whether the hardware sets accessed and dirty bits in EPT entries (Haswell and later).
  unsigned ept_pwc_entries = 0;                  // EPT paging-structure cache (SDM 28.3)
  unsigned ntlb_entries = 0, ntlb_ways = 4;      // nested TLB: gfn -> pfn (AMD's NTLB)
  bool ept_ad_bits = false;
  Cycles l1_hit_cycles = 1;        // every L1 lookup, hit or miss
  Cycles stlb_hit_cycles = 9;      // every STLB lookup, hit or miss
  Cycles walk_ref_cycles = 20;     // every entry a walk reads
  Cycles dirty_assist_cycles = 0;  // a write to a cached entry whose D bit is clear
};

// Counters of one MMU; plain integers, summed over vCPUs by the driver.
struct MmuStats {
  std::uint64_t translations = 0;  // completed translations (one per page an access touches)
  std::uint64_t l1i_lookups = 0, l1i_misses = 0;
  std::uint64_t l1d_lookups = 0, l1d_misses = 0;
  std::uint64_t stlb_lookups = 0, stlb_misses = 0;
  std::uint64_t walks = 0, walk_refs = 0;
  std::uint64_t walk_refs_guest = 0, walk_refs_ept = 0;  // of walk_refs, by dimension of a 2D walk
  std::uint64_t pwc_lookups = 0, pwc_hits = 0;
  std::uint64_t ept_pwc_lookups = 0, ept_pwc_hits = 0;  // EPT paging-structure cache
  std::uint64_t ntlb_lookups = 0, ntlb_hits = 0;        // nested TLB
  std::uint64_t dirty_assists = 0;
  std::uint64_t walks_2m = 0;      // completed walks that ended at a 2 MiB leaf (the guest's, in a 2D walk)
  std::uint64_t tlb_2m_hits = 0;   // L1 and STLB hits on 2 MiB entries
  std::uint64_t walks_1g = 0;      // completed walks that ended at a 1 GiB leaf (the guest's, in a 2D walk)
  std::uint64_t tlb_1g_hits = 0;   // L1 and STLB hits on 1 GiB entries
  std::uint64_t faults = 0;           // translations that ended in a fault (and were retried)
  Cycles tlb_cycles = 0;              // L1 and STLB lookups
  Cycles walk_cycles = 0;             // walk references
  Cycles dirty_assist_cycles = 0;

  MmuStats& operator+=(const MmuStats& o);
};

// What a CR3 load (and, under nested paging, the EPT pointer) gives the hardware: the TLB tag of
// the address space and the root of each dimension of its walk. One root: the one-dimensional walk
// of native and shadow paging. Two roots: the two-dimensional walk of nested paging (walk_2d).
struct TranslationContext {
  std::uint32_t ctx = 0;             // TLB tag (tlb_key)
  TableNode* root = nullptr;         // WalkDimension::Virtual: the table CR3 points at
  TableNode* nested_root = nullptr;  // WalkDimension::Nested (EPT); nullptr: one dimension
  std::uint32_t nested_ctx = 0;      // tag of the EPT caches' entries (the VM: one EPT pointer each)
};

struct Translation {
  bool ok = true;
  PageSize size = PageSize::k4K;      // what the translation maps (from the TLB entry or the walk's leaf)
  WalkDimension fault_dimension = WalkDimension::Virtual;  // the dimension whose table faulted, when !ok
  WalkStatus fault = WalkStatus::Ok;  // NotPresent or Protection when !ok
  unsigned fault_level = 0;           // level of the entry that faulted (from a walk), 0 on a TLB hit
  std::uint64_t fault_gfn = 0;        // WalkDimension::Nested: the guest frame the EPT does not map
  Cycles cycles = 0;                  // lookups, walk and assist of this attempt
  std::uint64_t frame = 0;            // on success
};

// The explain event of a TLB lookup (`tlb`: "iTLB", "dTLB", "STLB"); a hit names the size of the
// entry it hit when it is large.
Event tlb_lookup_event(const char* tlb, bool hit, Vpn vpn, PageSize size);

class Mmu {
 public:
  explicit Mmu(const MmuConfig& cfg);

  // CR3 load: the context's roots become the active ones; the walker follows from their number
  // (one root: the one-dimensional walk). TLBs are tagged by context: no flush.
  void load_context(const TranslationContext& tc);
  // The one-dimensional form: `root` is a process's PML4 or a shadow root.
  void load_cr3(std::uint32_t ctx, TableNode* root) { load_context(TranslationContext{ctx, root, nullptr}); }
  std::uint32_t ctx() const { return tc_.ctx; }

  // One attempt to translate `vpn` of the current context. On a fault nothing is filled; the
  // caller handles the fault and calls translate again (every lookup is counted again).
  // The common case, an L1 hit that needs no assist, is inline; the rest is translate_after_l1.
  Translation translate(Vpn vpn, bool write, bool fetch) {
    const std::uint64_t key = tlb_key(tc_.ctx, vpn);
    ++(fetch ? stats_.l1i_lookups : stats_.l1d_lookups);
    stats_.tlb_cycles += cfg_.l1_hit_cycles;
    TlbEntry* e = (fetch ? l1i_ : l1d_).lookup(key);
    // The L1's 2 MiB array and the dTLB's 1 GiB array, looked up with the 4 KiB one in the same
    // cycle (only once an entry of their size was ever filled: large_seen_, gig_seen_).
    if (!e && large_seen_ && (e = (fetch ? *l1i_2m_ : *l1d_2m_).lookup(tlb_key_2m(tc_.ctx, vpn)))) ++stats_.tlb_2m_hits;
    if (!e && gig_seen_ && !fetch && (e = l1d_1g_->lookup(tlb_key_1g(tc_.ctx, vpn)))) ++stats_.tlb_1g_hits;
    if (e && (!write || e->dirty) && (!fetch || !e->nx) && (!write || e->writable)) {
      ++stats_.translations;
      Translation t;
      t.cycles = cfg_.l1_hit_cycles;
      t.frame = e->size == PageSize::k4K ? e->frame : e->frame + (vpn.v & (frames(e->size) - 1));
      t.size = e->size;
      return t;
    }
    return translate_after_l1(key, vpn, write, fetch, e);
  }

  // Drops `vpn` of `ctx` from every TLB level (INVLPG).
  void invlpg(std::uint32_t ctx, Vpn vpn);
  void flush_all();

  const MmuStats& stats() const { return stats_; }
  const MmuConfig& config() const { return cfg_; }
  // Its summary.csv figures (summed over CPUs).
  static const CounterTable<Mmu>& counters();
  const Tlb& l1i() const { return l1i_; }
  const Tlb& l1d() const { return l1d_; }
  const Tlb& stlb() const { return stlb_; }
  // The L1's 2 MiB arrays: nullptr until the first large entry is filled; the 1 GiB arrays:
  // nullptr until the first 1 GiB entry is.
  const Tlb* l1i_2m() const { return l1i_2m_.get(); }
  const Tlb* l1d_2m() const { return l1d_2m_.get(); }
  const Tlb* l1d_1g() const { return l1d_1g_.get(); }
  const Tlb* stlb_1g() const { return stlb_1g_.get(); }
  const PageWalkCache& pwc() const { return pwc_; }
  const PageWalkCache& ept_pwc() const { return ept_pwc_; }
  const Tlb* ntlb() const { return ntlb_.get(); }
  const TranslationContext& context() const { return tc_; }
  // Explain mode: the slow path reports its steps; `entry` names what the walker reads ("pte",
  // "spte").
  // entry: what the walker reads ("pte", "spte"); cpu: this MMU's CPU, named by its flush events.
  void set_explain(EventSink* sink, const char* entry, unsigned cpu = 0) { explain_ = sink, entry_ = entry, cpu_ = cpu; }

 private:
  // The rest of a translation after the L1 lookup: `l1_hit` is the L1 entry (of any size) or nullptr.
  Translation translate_after_l1(std::uint64_t key, Vpn vpn, bool write, bool fetch, TlbEntry* l1_hit);
  // A hit in `e` (L1 or STLB): checks permissions and the dirty-bit assist.
  bool hit_allows(TlbEntry& e, Vpn vpn, bool write, bool fetch, Translation& t);
  // The page walk after an STLB miss: one dimension, or two under nested paging. On success it
  // fills the STLB and `l1`.
  void walk_1d(std::uint64_t key, Vpn vpn, bool write, bool fetch, Tlb& l1, Translation& t);
  void walk_2d(std::uint64_t key, Vpn vpn, bool write, bool fetch, Tlb& l1, Translation& t);
  // Fills the STLB and the L1 after a walk: a 4 KiB entry under `key`, or an entry of the page's
  // size in the STLB's array for it and the L1's (l1_fill). `frame` is vpn's 4 KiB frame.
  void fill_after_walk(std::uint64_t key, Vpn vpn, std::uint64_t frame, bool writable, bool dirty, bool nx,
                       PageSize size, bool fetch, Translation& t);
  // Fills the L1 array for an entry of `size` (of the STLB hit `stlb`, or after a walk), `frame`
  // being vpn's 4 KiB frame: the 4 KiB array under `key`, the 2 MiB one, or the dTLB's 1 GiB one;
  // the iTLB holds a 1 GiB page's 2 MiB part. Emits the fill event.
  TlbEntry& l1_fill(std::uint64_t key, Vpn vpn, std::uint64_t frame, bool writable, bool dirty, bool nx, PageSize size,
                    bool fetch, const Tlb* stlb, const TlbEntry* stlb_entry);
  // A completed walk whose leaf (the guest's, in a 2D walk) maps `size`: walks_2m or walks_1g.
  void count_large_walk(PageSize size) {
    stats_.walks_2m += size == PageSize::k2M;
    stats_.walks_1g += size == PageSize::k1G;
  }
  // Makes the arrays of large entries at the first fill of `size` (2 MiB or 1 GiB).
  void make_large_arrays(PageSize size);
  // The EPT dimension of a 2D walk: the host frame of guest frame `gfn`, through the nested TLB,
  // the EPT paging-structure cache and the EPT walk; its references are added to `refs`.
  struct NestedStep {
    bool ok = true;
    unsigned refs = 0, level = 0;  // entries read; level of the one that faulted
    std::uint64_t frame = 0;       // the host frame of the gfn
    PageSize size = PageSize::k4K;  // what the EPT leaf maps
    bool writable = true, dirty = true, nx = false;
    const char* via = "EPT walk";  // for explain: "nested TLB", "EPT walk", "EPT walk from the EPT PWC"
  };
  NestedStep nested_translate(std::uint64_t gfn, bool write);

  MmuConfig cfg_;
  Tlb l1i_, l1d_, stlb_;
  // Made at the first 2 MiB fill (a run without large pages keeps the memory it had before them:
  // 16,384 vCPUs' MMUs are many).
  std::unique_ptr<Tlb> l1i_2m_, l1d_2m_;
  std::unique_ptr<Tlb> l1d_1g_, stlb_1g_;  // made at the first 1 GiB fill
  // Speed only: no large entry was ever filled, so the 2 MiB lookups would all miss and are skipped
  // (every run without large pages takes the paths it took before they existed). Also: the 2 MiB
  // arrays exist. gig_seen_: the same for 1 GiB entries (and implies large_seen_).
  bool large_seen_ = false;
  bool gig_seen_ = false;
  PageWalkCache pwc_;
  PageWalkCache ept_pwc_;
  std::unique_ptr<Tlb> ntlb_;  // nullptr: no nested TLB
  TranslationContext tc_;
  MmuStats stats_;
  EventSink* explain_ = nullptr;
  const char* entry_ = "pte";
  unsigned cpu_ = 0;
};

}  // namespace mmusim
