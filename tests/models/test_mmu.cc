#include <catch2/catch.hpp>

#include "mmu/checker.h"
#include "mmu/mmu.h"
#include "native/native_os.h"

using namespace mmusim;

namespace {
MmuConfig small_config() {
  MmuConfig c;
  c.l1i_entries = 4, c.l1i_ways = 4;
  c.l1d_entries = 4, c.l1d_ways = 4;  // one set of 4
  c.stlb_entries = 8, c.stlb_ways = 4;  // two sets of 4
  c.l1_hit_cycles = 1;
  c.stlb_hit_cycles = 9;
  c.walk_ref_cycles = 20;
  c.dirty_assist_cycles = 5;
  return c;
}

// Translates like the vCPU does: retry after each fault, which the native OS handles.
Cycles access(Mmu& mmu, NativeOs& os, std::uint64_t vpn, bool write = false, bool fetch = false) {
  Cycles c = 0;
  for (;;) {
    const Translation t = mmu.translate(Vpn{vpn}, write, fetch);
    c += t.cycles;
    if (t.ok) return c;
    os.handle_page_fault(mmu.ctx(), Vpn{vpn});
  }
}
}  // namespace

TEST_CASE("first touch: a faulting walk, the fault, and a retry that counts every lookup again", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  // Attempt 1: L1 miss (1) + STLB miss (9) + walk stops at the empty PML4 (1 ref = 20) = 30.
  // Attempt 2: L1 miss (1) + STLB miss (9) + full walk (4 refs = 80) = 90.
  CHECK(access(mmu, os, 0x123) == 120);
  const MmuStats& s = mmu.stats();
  CHECK(s.l1d_lookups == 2);
  CHECK(s.l1d_misses == 2);
  CHECK(s.stlb_lookups == 2);
  CHECK(s.stlb_misses == 2);
  CHECK(s.walks == 2);
  CHECK(s.walk_refs == 5);
  CHECK(s.faults == 1);
  CHECK(s.translations == 1);
  CHECK(os.stats().page_faults == 1);
  CHECK(s.tlb_cycles == 20);
  CHECK(s.walk_cycles == 100);
  // Second touch of the same page: an L1 hit, 1 cycle.
  CHECK(access(mmu, os, 0x123) == 1);
  CHECK(s.l1d_lookups == 3);
  CHECK(s.l1d_misses == 2);
}

TEST_CASE("dirty-bit assist: a write to a cached clean entry sets PTE.D, no miss and no walk", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  access(mmu, os, 7);  // read: cached clean
  const Pte* p = os.table(ctx).leaf(Vpn{7});
  CHECK_FALSE(p->dirty());
  const auto walks = mmu.stats().walks;
  CHECK(access(mmu, os, 7, true) == 1 + 5);  // L1 hit + assist
  CHECK(p->dirty());
  CHECK(mmu.stats().dirty_assists == 1);
  CHECK(mmu.stats().walks == walks);
  CHECK(mmu.stats().l1d_misses == 2);
  CHECK(access(mmu, os, 7, true) == 1);  // the entry is dirty now: no second assist
  CHECK(mmu.stats().dirty_assists == 1);
}

TEST_CASE("a write that walks sets D itself: no assist", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  access(mmu, os, 7, true);
  CHECK(os.table(ctx).leaf(Vpn{7})->dirty());
  CHECK(access(mmu, os, 7, true) == 1);
  CHECK(mmu.stats().dirty_assists == 0);
}

TEST_CASE("fetches use the iTLB, data the dTLB, both share the STLB", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  access(mmu, os, 3, false, true);  // fetch: fault + walk, fills STLB and iTLB
  CHECK(mmu.stats().l1i_lookups == 2);
  CHECK(mmu.stats().l1d_lookups == 0);
  // A read of the same page misses the dTLB and hits the STLB: 1 + 9 cycles, and fills the dTLB.
  CHECK(access(mmu, os, 3) == 10);
  CHECK(mmu.stats().stlb_misses == 2);
  CHECK(mmu.stats().stlb_lookups == 3);
  CHECK(access(mmu, os, 3) == 1);
}

TEST_CASE("non-inclusive levels: evicting an STLB entry leaves the L1 copy", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  MmuConfig c = small_config();
  c.stlb_entries = 2, c.stlb_ways = 2;  // tiny STLB: one set of 2
  c.l1d_entries = 8, c.l1d_ways = 8;
  Mmu mmu(c);
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  for (std::uint64_t v : {0, 1, 2}) access(mmu, os, v);  // vpn 0 leaves the STLB
  CHECK(mmu.stlb().lru_order(0) == std::vector<std::uint64_t>{tlb_key(ctx, Vpn{2}), tlb_key(ctx, Vpn{1})});
  CHECK(access(mmu, os, 0) == 1);  // still an L1 hit
}

TEST_CASE("a write through a read-only entry faults and drops the page's TLB entries", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  PageTable& pt = os.table(ctx);
  mmu.load_cr3(ctx, pt.root());
  pt.map(Vpn{9}, frames.alloc(), pte_bits::U);  // read-only
  CHECK(mmu.translate(Vpn{9}, false, false).ok);
  const Translation t = mmu.translate(Vpn{9}, true, false);  // L1 hit without W
  CHECK_FALSE(t.ok);
  CHECK(t.fault == WalkStatus::Protection);
  CHECK(t.cycles == 1);
  // Dropped from L1 and STLB: the next attempt walks (and faults in the walk).
  const Translation again = mmu.translate(Vpn{9}, true, false);
  CHECK(again.fault == WalkStatus::Protection);
  CHECK(again.fault_level == 1);
  CHECK(mmu.stats().walks == 2);
}

TEST_CASE("translation-cache checker: clean, then a stale entry is reported", "[mmu][check]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  MmuConfig c = small_config();
  c.pwc_entries = 4;
  Mmu mmu(c);
  const auto ctx = os.context(0, 1);
  mmu.load_cr3(ctx, os.table(ctx).root());
  for (std::uint64_t v : {1, 2, 600}) access(mmu, os, v, v == 2);
  CHECK(check_translation_caches(mmu, os.check_target()).empty());
  CHECK(os.check().empty());
  // Break the mapping behind the TLB's back, as a buggy zap without a flush would.
  const Pte old = os.table(ctx).unmap(Vpn{2});
  frames.free(old.frame());
  const auto bad = check_translation_caches(mmu, os.check_target());
  CHECK(bad.size() == 2);  // the L1 dTLB and STLB copies
  CHECK(os.check().empty());
}

TEST_CASE("a translation and its TLB entries carry the page size; a fault names its dimension and level", "[mmu]") {
  FrameAllocator frames(64, "host");
  NativeOs os(frames);
  Mmu mmu(small_config());
  const auto ctx = os.context(0, 1);
  mmu.load_context(TranslationContext{ctx, os.table(ctx).root(), nullptr});
  // A fresh process: the walk stops at the empty PML4 entry, level 4 of the virtual dimension.
  Translation t = mmu.translate(Vpn{5}, false, false);
  REQUIRE_FALSE(t.ok);
  CHECK(t.fault == WalkStatus::NotPresent);
  CHECK(t.fault_dimension == WalkDimension::Virtual);
  CHECK(t.fault_level == 4);
  os.handle_page_fault(ctx, Vpn{5});
  t = mmu.translate(Vpn{5}, false, false);  // the walk fills the STLB and the L1 dTLB
  REQUIRE(t.ok);
  CHECK(t.size == PageSize::k4K);
  for (const Tlb* tlb : {&mmu.l1d(), &mmu.stlb()}) {
    bool found = false;
    for (const TlbEntry& e : tlb->all_entries())
      if (e.key == tlb_key(ctx, Vpn{5})) {
        found = true;
        CHECK(e.size == PageSize::k4K);
      }
    CHECK(found);
  }
  t = mmu.translate(Vpn{5}, false, false);  // the L1 hit carries the entry's size
  REQUIRE(t.ok);
  CHECK(t.size == PageSize::k4K);
}
