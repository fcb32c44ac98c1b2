// Nested paging (models/kvm/tdp_mmu, the 2D walk of models/mmu): the hardware walks the guest's
// tables and, for each guest-physical address on the way, the EPT; KVM's tdp_page_fault (2.6.28)
// maps what the EPT lacks. Every count below is derived in its comment from the walk's rule:
// guest level L's table is translated through the EPT (4 references cold), then its entry is read
// (1); the data page's gfn is translated last (4): (4 + 1) * 4 + 4 = 24.
#include <catch2/catch.hpp>

#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/tdp_mmu.h"
#include "mmu/checker.h"

using namespace mmusim;

namespace {

MmuConfig tiny_tlbs() {
  MmuConfig c;
  c.l1i_entries = 8, c.l1i_ways = 8, c.l1d_entries = 8, c.l1d_ways = 8, c.stlb_entries = 32, c.stlb_ways = 8;
  return c;
}

// One VM with one vCPU under nested paging, driven as the SystemC vCPU drives it.
struct Nested {
  HostMemory host{4096};
  GuestOs guest{1024, "guest", 3200};
  TdpMmu kvm;
  Mmu mmu;

  explicit Nested(MmuConfig mc = tiny_tlbs(), KvmConfig kc = KvmConfig{}) : kvm(0, add_vm(host), guest, with_ad(kc, mc)), mmu(mc) {
    kvm.add_vcpu(0, 0, &mmu, [](const CauseCycles&) {});
  }
  static HostMemory& add_vm(HostMemory& h) {
    h.add_vm(1024);
    return h;
  }
  static KvmConfig with_ad(KvmConfig kc, const MmuConfig& mc) {
    kc.ept_ad_bits = mc.ept_ad_bits;
    return kc;
  }
  void run(std::uint32_t pid) {
    CauseCycles c;
    TableNode* root = kvm.new_cr3(0, pid, true, c);
    mmu.load_context(TranslationContext{pid, root, kvm.nested_root(), 0});
  }
  // One access, retried after each fault; returns the faults taken.
  unsigned touch(std::uint64_t vpn, bool write = false) {
    unsigned faults = 0;
    for (;;) {
      const Translation t = mmu.translate(Vpn{vpn}, write, false);
      if (t.ok) return faults;
      ++faults;
      kvm.page_fault(0, Vpn{vpn}, write, false, t);
      REQUIRE(faults < 12);
    }
  }
  std::vector<std::string> check() {
    CheckTarget t;
    t.root = [this](std::uint32_t pid) { return kvm.root_of_pid(pid); };
    t.table_live = [this](std::uint32_t, std::uint64_t frame, const TableNode* n) { return kvm.table_live(frame, n); };
    t.frames = &host.frames();
    t.ept_root = [this](std::uint32_t) { return kvm.nested_root(); };
    t.ept_root_of_vm = [this](std::uint32_t) { return kvm.nested_root(); };
    t.ept_table_live = [this](std::uint32_t, std::uint64_t f, const TableNode* n) { return kvm.ept_table_live(f, n); };
    auto bad = check_translation_caches(mmu, t);
    for (std::string& b : kvm.check()) bad.push_back(b);
    return bad;
  }
  // The walk references of one translation of `vpn` (it must not fault).
  std::uint64_t refs_of(std::uint64_t vpn) {
    const std::uint64_t before = mmu.stats().walk_refs;
    REQUIRE(mmu.translate(Vpn{vpn}, false, false).ok);
    return mmu.stats().walk_refs - before;
  }
};

}  // namespace

TEST_CASE("nested: the first touch faults its way through the EPT, 96 references in 7 walks", "[nested]") {
  Nested m;
  m.run(1);  // the guest's PML4 is gfn 0 (cleared: the host backs it; no EPT entry yet)
  // Attempt 1: EPT root entry for gfn 0 absent -> 1 ref, EPT violation (gfn 0).
  // Attempt 2: gfn 0 through the EPT (4), the guest's PML4 entry absent (1) -> #PF to the guest,
  //            which maps PDPT gfn 1, PD gfn 2, PT gfn 3 and the page gfn 4.
  // Attempts 3-6: each reads one more guest level, then the next gfn's EPT walk finds its leaf
  //            absent (the EPT's tables exist: 4 refs): 4+1+4 = 9, 14, 19, then 24 for gfn 4.
  // Attempt 7: 24 refs, translated.
  CHECK(m.touch(0) == 6);
  const MmuStats& s = m.mmu.stats();
  CHECK(s.walks == 7);
  CHECK(s.walk_refs == 1 + 5 + 9 + 14 + 19 + 24 + 24);
  CHECK(s.walk_refs_guest == 0 + 1 + 1 + 2 + 3 + 4 + 4);  // the guest entries each attempt read
  CHECK(s.walk_refs_ept == s.walk_refs - s.walk_refs_guest);
  const KvmStats& k = m.kvm.stats();
  CHECK(k.exits[static_cast<int>(ExitReason::EptViolation)] == 5);  // gfns 0 to 4, one exit each
  CHECK(k.vmexits() == 5);          // the guest's #PF, its pte stores and its CR3 load do not exit
  CHECK(k.guest_pf_direct == 1);
  CHECK(k.sptes_created == 5);
  CHECK(m.kvm.ept_entries() == 5);
  CHECK(m.kvm.mode_pages() == 4);  // the EPT root and one table of each lower level (gfns 0-511)
  CHECK(m.check().empty());
}

TEST_CASE("nested: a cold 2D walk reads 24 entries, 4 guest and 20 EPT", "[nested]") {
  Nested m;
  m.run(1);
  m.touch(0);
  m.mmu.flush_all();
  const MmuStats before = m.mmu.stats();
  CHECK(m.refs_of(0) == 24);
  CHECK(m.mmu.stats().walk_refs_guest - before.walk_refs_guest == 4);
  CHECK(m.mmu.stats().walk_refs_ept - before.walk_refs_ept == 20);
}

TEST_CASE("nested: each cache on alone (guest PWC, EPT PWC, nested TLB), references derived", "[nested]") {
  // vpn 0 and vpn 1 share every guest table (PML4 gfn 0, PDPT 1, PD 2, PT 3); their pages are
  // gfns 4 and 5. Every EPT leaf is in the one EPT level-1 table of gfns 0-511.
  SECTION("guest page-walk cache: a hit on the PT gives its host address: 1 guest ref + 4 EPT = 5") {
    MmuConfig c = tiny_tlbs();
    c.pwc_entries = 8;
    Nested m(c);
    m.run(1);
    m.touch(0), m.touch(1);
    m.mmu.flush_all();
    CHECK(m.refs_of(0) == 24);  // the cache was flushed: a cold walk, which fills it
    CHECK(m.refs_of(1) == 5);   // 5L with L = 1
    CHECK(m.mmu.stats().pwc_hits >= 1);
  }
  SECTION("EPT paging-structure cache: gfn 0's walk reads 4, the next four gfns 1 each: 4+1 + (1+1)*3 + 1 = 12") {
    MmuConfig c = tiny_tlbs();
    c.ept_pwc_entries = 8;
    Nested m(c);
    m.run(1);
    m.touch(0);
    m.mmu.flush_all();
    const MmuStats b = m.mmu.stats();
    CHECK(m.refs_of(0) == 12);
    CHECK(m.mmu.stats().ept_pwc_lookups - b.ept_pwc_lookups == 5);
    CHECK(m.mmu.stats().ept_pwc_hits - b.ept_pwc_hits == 4);  // the first one finds the cache empty
    CHECK(m.mmu.stats().walk_refs_ept - b.walk_refs_ept == 8);
  }
  SECTION("nested TLB: vpn 0 misses on all five gfns (24); vpn 1 hits on the four tables and walks gfn 5: 4 + 4 = 8") {
    MmuConfig c = tiny_tlbs();
    c.ntlb_entries = 16, c.ntlb_ways = 4;
    Nested m(c);
    m.run(1);
    m.touch(0), m.touch(1);
    m.mmu.flush_all();
    const MmuStats b = m.mmu.stats();
    CHECK(m.refs_of(0) == 24);
    CHECK(m.refs_of(1) == 8);
    CHECK(m.mmu.stats().ntlb_lookups - b.ntlb_lookups == 10);
    CHECK(m.mmu.stats().ntlb_hits - b.ntlb_hits == 4);
  }
  SECTION("all three: vpn 1 after vpn 0 hits the guest PWC on the PT and the nested TLB misses gfn 5, "
          "which the EPT PWC starts at the level-1 EPT table: 1 + 1 = 2") {
    MmuConfig c = tiny_tlbs();
    c.pwc_entries = 8, c.ept_pwc_entries = 8, c.ntlb_entries = 16, c.ntlb_ways = 4;
    Nested m(c);
    m.run(1);
    m.touch(0), m.touch(1);
    m.mmu.flush_all();
    CHECK(m.refs_of(0) == 12);  // as the EPT PWC alone: the empty guest PWC and nested TLB save nothing
    CHECK(m.refs_of(1) == 2);
    CHECK(m.check().empty());
  }
}

TEST_CASE("nested: the host zaps a guest page table's EPT entry; the walk stops there with an EPT violation",
          "[nested]") {
  Nested m;
  m.run(1);
  m.touch(0);
  // kvm_unmap_hva of the PD's gfn 2 (the host reclaiming it): its EPT entry goes, TLBs flushed.
  CauseCycles c;
  m.kvm.invalidate_page(Gfn{2}, c);
  CHECK(m.check().empty());
  const std::uint64_t refs = m.mmu.stats().walk_refs;
  const Translation t = m.mmu.translate(Vpn{0}, false, false);
  REQUIRE_FALSE(t.ok);
  // gfn 0 (4) + PML4 entry (1) + gfn 1 (4) + PDPT entry (1) + gfn 2: absent at EPT level 1 (4).
  CHECK(m.mmu.stats().walk_refs - refs == 14);
  CHECK(t.fault_dimension == WalkDimension::Nested);
  CHECK(t.fault_gfn == 2);
  CHECK(t.fault_level == 1);
  const std::uint64_t exits = m.kvm.stats().vmexits();
  m.kvm.page_fault(0, Vpn{0}, false, false, t);  // tdp_page_fault maps gfn 2 again
  CHECK(m.kvm.stats().vmexits() == exits + 1);
  CHECK(m.refs_of(0) == 24);
  CHECK(m.check().empty());
}

TEST_CASE("nested: EPT accessed and dirty bits only with ept.ad_bits; guest table reads count as writes", "[nested]") {
  SECTION("without A/D bits (before Haswell) no EPT entry ever has A or D") {
    Nested m;
    m.run(1);
    m.touch(0, true);
    for (std::uint64_t g = 0; g <= 4; ++g) {
      INFO("gfn " << g);
      CHECK_FALSE(m.kvm.ept_entry(g)->accessed());
      CHECK_FALSE(m.kvm.ept_entry(g)->dirty());
    }
  }
  SECTION("with them: a read sets A in the page's entry; the guest tables' entries get A and D") {
    MmuConfig c = tiny_tlbs();
    c.ept_ad_bits = true;
    Nested m(c);
    m.run(1);
    m.touch(0);  // a read
    for (std::uint64_t g = 0; g <= 3; ++g) {
      INFO("table gfn " << g);
      CHECK(m.kvm.ept_entry(g)->accessed());
      CHECK(m.kvm.ept_entry(g)->dirty());  // the walker may write the guest's A/D bits there (SDM 28.3.5)
    }
    CHECK(m.kvm.ept_entry(4)->accessed());
    CHECK_FALSE(m.kvm.ept_entry(4)->dirty());
    m.mmu.flush_all();
    REQUIRE(m.touch(0, true) == 0);
    CHECK(m.kvm.ept_entry(4)->dirty());
    CHECK(m.check().empty());
  }
}

namespace {
// A nested machine with policy `name` and EPT A/D bits or not, after the guest touched vpn 0
// (its page is gfn 4).
struct Aged : Nested {
  Aged(const std::string& name, bool ad, bool mark = true) : Nested(mmu_with_ad(ad), kvm_with(name, mark)) {
    run(1);
    touch(0);
  }
  static MmuConfig mmu_with_ad(bool ad) {
    MmuConfig c = tiny_tlbs();
    c.ept_ad_bits = ad;
    return c;
  }
  static KvmConfig kvm_with(const std::string& name, bool mark) {
    KvmConfig k;
    k.aging.name = name;
    k.aging.access_track_mark = mark;
    k.aging.spte_lru_drop_every = 1;
    return k;
  }
  bool young() {
    CauseCycles c;
    return kvm.clear_flush_young(Gfn{4}, c);
  }
  std::uint64_t exits(ExitReason r) const { return kvm.stats().exits[static_cast<int>(r)]; }
};
}  // namespace

TEST_CASE("nested aging: young harvests EPT A bits with A/D; without them it answers old (kvm_age_rmapp, 2.6.28)",
          "[nested][aging]") {
  SECTION("with A/D bits (Haswell and later)") {
    Aged m("young", true);
    CHECK(m.young());                  // the access set the entry's A bit
    CHECK_FALSE(m.kvm.ept_entry(4)->accessed());
    CHECK_FALSE(m.young());            // nothing since; the flush emptied the TLBs
    m.touch(0);                        // a 2D walk sets A again
    CHECK(m.young());
  }
  SECTION("without (2.6.27 to 2.6.33): \"always return old for EPT\", and the entry stays") {
    Aged m("young", false);
    CHECK_FALSE(m.young());
    CHECK(m.kvm.ept_entry(4)->present());
    CHECK(m.kvm.stats().remote_tlb_flushes == 0);
  }
}

TEST_CASE("nested aging: access-track zaps (2.6.34) or marks (4.14+) EPT entries, with or without A/D bits",
          "[nested][aging]") {
  for (const bool ad : {false, true}) {
    INFO("ept.ad_bits = " << ad);
    {  // zap: young means "mapped since the last aging"; the next access is a full EPT violation
      Aged m("access-track", ad, false);
      CHECK(m.young());
      CHECK_FALSE(m.kvm.ept_entry(4)->present());
      CHECK(m.kvm.stats().sptes_zapped_aging == 1);
      CHECK_FALSE(m.young());
      const std::uint64_t ept = m.exits(ExitReason::EptViolation);
      CHECK(m.touch(0) == 1);
      CHECK(m.exits(ExitReason::EptViolation) == ept + 1);
      CHECK(m.young());
      CHECK(m.check().empty());
    }
    {  // mark: the entry keeps its pfn, non-present; the fast page fault restores it (A only with A/D)
      Aged m("access-track", ad, true);
      CHECK(m.young());
      CHECK_FALSE(m.kvm.ept_entry(4)->present());
      CHECK(m.kvm.ept_entries() == 5);  // still in the rmap
      CHECK_FALSE(m.young());
      CHECK(m.touch(0) == 1);
      CHECK(m.exits(ExitReason::AccessTrack) == 1);
      CHECK(m.kvm.ept_entry(4)->present());
      CHECK(m.kvm.ept_entry(4)->accessed() == ad);
      CHECK(m.young());
      CHECK(m.check().empty());
    }
  }
}

TEST_CASE("nested aging: notifier, spte-lru and pinned act on EPT entries as on sptes", "[nested][aging]") {
  for (const bool ad : {false, true}) {
    INFO("ept.ad_bits = " << ad);
    {  // notifier: clear_flush_young reports nothing; invalidate_page zaps the EPT entry
      Aged m("notifier", ad);
      CHECK_FALSE(m.young());
      CHECK(m.kvm.ept_entry(4)->present());
      CauseCycles c;
      m.kvm.invalidate_page(Gfn{4}, c);
      CHECK_FALSE(m.kvm.ept_entry(4)->present());
      CHECK(m.kvm.stats().sptes_zapped_invalidate == 1);
      CHECK(m.check().empty());
    }
    {  // spte-lru, one drop per reclaimed page: reclaiming gfn 4 drops the oldest entry, gfn 0's
      Aged m("spte-lru", ad);
      CauseCycles c;
      m.kvm.invalidate_page(Gfn{4}, c);
      CHECK_FALSE(m.kvm.ept_entry(0)->present());
      CHECK(m.kvm.ept_entry(1)->present());
      CHECK(m.kvm.stats().sptes_dropped_lru == 1);
      CHECK(m.check().empty());
    }
    {  // pinned: every EPT-mapped page holds a reference until its entry goes
      Aged m("pinned", ad);
      const Pfn p{m.kvm.ept_entry(4)->frame()};
      CHECK(m.host.page(p).pinned == 1);
      CauseCycles c;
      m.kvm.invalidate_page(Gfn{4}, c);
      CHECK(m.host.page(p).pinned == 0);
    }
  }
}

TEST_CASE("nested: rmap_remove passes an EPT entry's A bit to the host page only with A/D bits (2.6.28)", "[nested][aging]") {
  // rmap_remove: kvm_set_pfn_accessed only if (*spte & shadow_accessed_mask), which is 0 for EPT
  // without A/D bits: the host never learns of the access from the zap.
  for (const bool ad : {false, true}) {
    INFO("ept.ad_bits = " << ad);
    Aged m("notifier", ad);
    const Pfn p{m.kvm.ept_entry(4)->frame()};
    CauseCycles c;
    m.host.page_referenced(p, c);  // PG_referenced and the host pte's young bit cleared
    REQUIRE_FALSE(m.host.page(p).referenced);
    m.mmu.flush_all();
    m.touch(0);  // the guest uses the page again: with A/D bits the EPT entry's A is set
    m.kvm.invalidate_page(Gfn{4}, c);
    CHECK(m.host.page(p).referenced == ad);
  }
}
