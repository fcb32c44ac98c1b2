// KVM shadow MMU (models/kvm): the rules of arch/x86/kvm/mmu.c and paging_tmpl.h (2.6.28), each
// test naming the kernel function it follows. A small machine: one VM, its guest OS, the host,
// and one or two vCPUs' MMUs, driven the way the SystemC vCPU drives them.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "common/errors.h"
#include "common/explain.h"
#include "guest/guest_os.h"
#include "host/host_memory.h"
#include "kvm/shadow_mmu.h"
#include "mmu/checker.h"

using namespace mmusim;

namespace {

MmuConfig tiny_tlbs() {
  MmuConfig c;
  c.l1i_entries = 8, c.l1i_ways = 8, c.l1d_entries = 8, c.l1d_ways = 8, c.stlb_entries = 32, c.stlb_ways = 8;
  return c;
}

struct Machine {
  HostMemory host{4096};
  std::vector<std::unique_ptr<GuestOs>> guests;
  std::vector<std::unique_ptr<ShadowMmu>> kvms;
  std::vector<std::unique_ptr<Mmu>> cpus;
  std::vector<CauseCycles> charged;  // exits other vCPUs caused, per CPU
  std::vector<unsigned> vm_of;

  explicit Machine(KvmConfig cfg = KvmConfig{}, unsigned vms = 1, unsigned vcpus = 1, bool guest_dirty_at_fault = true) {
    charged.resize(vms * vcpus);
    for (unsigned vm = 0; vm < vms; ++vm) {
      host.add_vm(1024);
      guests.push_back(std::make_unique<GuestOs>(1024, "guest", 3200, guest_dirty_at_fault));
      kvms.push_back(std::make_unique<ShadowMmu>(vm, host, *guests.back(), cfg));
      for (unsigned v = 0; v < vcpus; ++v) {
        const unsigned cpu = vm * vcpus + v;
        cpus.push_back(std::make_unique<Mmu>(tiny_tlbs()));
        vm_of.push_back(vm);
        kvms.back()->add_vcpu(cpu, v, cpus.back().get(), [this, cpu](const CauseCycles& c) { charged[cpu] += c; });
      }
    }
  }
  ShadowMmu& kvm(unsigned cpu) { return *kvms[vm_of[cpu]]; }
  void run(unsigned cpu, std::uint32_t pid, bool first = true) {
    CauseCycles c;
    cpus[cpu]->load_cr3(pid, kvm(cpu).new_cr3(cpu, pid, first, c));
  }
  // One translation, retried after each fault as the vCPU does; returns the faults taken.
  unsigned touch(unsigned cpu, std::uint64_t vpn, bool write = false) {
    unsigned faults = 0;
    for (;;) {
      const Translation t = cpus[cpu]->translate(Vpn{vpn}, write, false);
      if (t.ok) return faults;
      ++faults;
      kvm(cpu).page_fault(cpu, Vpn{vpn}, write, false, t);
      REQUIRE(faults < 10);
    }
  }
  std::vector<std::string> check(unsigned vm = 0) const { return kvms[vm]->check(); }
};

}  // namespace

TEST_CASE("first touch: #PF to the guest, its PML4 store emulated, spte installed (FNAME(page_fault))", "[kvm]") {
  Machine m;
  m.run(0, 1);
  // The root (guest PML4) is shadowed at the first CR3 load (kvm_mmu_load -> kvm_mmu_get_page),
  // its absent entries notrap (FNAME(prefetch_page)).
  CHECK(m.kvm(0).mode_pages() == 1);
  // vpn 0 of a fresh process: the walk meets the notrap root entry, the #PF goes to the guest
  // with no exit; the guest links a new PDPT into its shadowed PML4 (an emulated store: exit 1;
  // the root is level 4, no unsync) and fills unshadowed PD/PT pages freely. The retry meets a
  // trap entry: exit 2, and KVM builds 3 shadow pages and the spte.
  CHECK(m.touch(0, 0) == 2);
  const KvmStats& s = m.kvm(0).stats();
  CHECK(s.guest_pf_direct == 1);
  CHECK(s.guest_pf_injected == 0);
  CHECK(s.exits[static_cast<int>(ExitReason::ShadowPageFault)] == 1);
  CHECK(s.exits[static_cast<int>(ExitReason::PtWrite)] == 1);
  CHECK(s.sptes_created == 1);
  CHECK(m.kvm(0).mode_pages() == 4);
  // The guest cleared the PML4, PDPT, PD, PT and data frames: the host faulted each in.
  CHECK(m.host.stats().minor_faults == 5);
  CHECK(m.check().empty());
  CHECK(m.touch(0, 0) == 0);  // now a TLB hit
}

TEST_CASE("one spte per page and one shadow page per guest page-table page, rmap consistent", "[kvm]") {
  Machine m;
  m.run(0, 1);
  std::set<std::uint64_t> pages;
  // Pages spread over 3 PTs under one PD: vpn 0..9, 512..519, 1024..1030.
  for (std::uint64_t base : {0, 512, 1024})
    for (std::uint64_t i = 0; i < 8; ++i) {
      m.touch(0, base + i, i % 2);
      m.touch(0, base + i, false);  // touching again changes nothing
      pages.insert(base + i);
    }
  const KvmStats& s = m.kvm(0).stats();
  CHECK(s.sptes_created == pages.size());
  CHECK(m.guests[0]->stats().page_faults == pages.size());  // guest_page_faults = distinct pages
  // Guest tables: PML4, PDPT, PD, 3 PTs = 6; each shadowed exactly once.
  CHECK(m.guests[0]->table_pages() == 6);
  CHECK(m.kvm(0).mode_pages() == 6);
  CHECK(s.shadow_pages_created == 6);
  CHECK(s.sptes_zapped == 0);
  CHECK(m.check().empty());
}

TEST_CASE("a write through a read-only spte faults and drops the page's TLB entries (set_spte)", "[kvm]") {
  Machine m(KvmConfig{}, 1, 1, false);  // a guest that leaves read-faulted ptes clean
  m.run(0, 1);
  m.touch(0, 5);  // read fault: guest pte clean, so the spte is read-only
  const Pte* spte = leaf_entry(m.kvm(0).root_of_pid(1), Vpn{5});
  REQUIRE(spte);
  CHECK_FALSE(spte->writable());
  const Translation t = m.cpus[0]->translate(Vpn{5}, true, false);  // L1 hit without W
  CHECK(t.fault == WalkStatus::Protection);
  CHECK(m.cpus[0]->l1d().all_entries().end() ==
        std::find_if(m.cpus[0]->l1d().all_entries().begin(), m.cpus[0]->l1d().all_entries().end(),
                     [](const TlbEntry& e) { return e.valid() && key_vpn(e.key).v == 5; }));
  const auto exits = m.kvm(0).stats().vmexits();
  m.kvm(0).page_fault(0, Vpn{5}, true, false, t);
  CHECK(m.kvm(0).stats().vmexits() == exits + 1);
  CHECK(spte->writable());  // the guest walk set the guest pte's D; the spte became writable in place
  CHECK(m.kvm(0).stats().sptes_created == 1);
  CHECK(m.touch(0, 5, true) == 0);
  CHECK(m.check().empty());
}

TEST_CASE("without unsync an emulated guest pte write installs the spte (kvm_mmu_pte_write)", "[kvm]") {
  KvmConfig cfg;
  cfg.unsync = false;
  Machine m(cfg);
  m.run(0, 1);
  m.touch(0, 0);  // the PT of vpn 0..511 is now shadowed: write-protected, its absent ptes notrap
  const auto exits = m.kvm(0).stats().vmexits();
  // vpn 1: the walk meets a notrap spte: the #PF goes to the guest with no exit; the guest's pte
  // store traps and is emulated (1 exit), and the emulation installs the spte; the retry hits it.
  CHECK(m.touch(0, 1) == 1);
  const KvmStats& s = m.kvm(0).stats();
  CHECK(s.vmexits() == exits + 1);
  CHECK(s.guest_pf_direct == 2);  // vpn 0's first fault went to the guest directly too
  CHECK(s.pt_write_traps == 2);  // the PML4 link at vpn 0, this PT store
  CHECK(s.sptes_prefetched == 1);
  const Pte* spte = leaf_entry(m.kvm(0).root_of_pid(1), Vpn{1});
  CHECK(spte->present());
  CHECK(spte->accessed());  // speculative install leaves A clear; the hardware walk set it
  CHECK(m.check().empty());
}

TEST_CASE("unsync: the first store to a shadowed PT unsyncs it and the CR3 load resyncs it", "[kvm]") {
  Machine m;
  m.run(0, 1);
  m.touch(0, 0);
  const auto before = m.kvm(0).stats();
  // vpn 1: direct #PF (notrap), the guest's store faults once and unsyncs the page (kvm_unsync_page);
  // its notrap sptes now trap (mmu_convert_notrap), so the retry exits and installs the spte.
  CHECK(m.touch(0, 1) == 2);
  CHECK(m.kvm(0).stats().unsyncs == before.unsyncs + 1);
  CHECK(m.kvm(0).stats().pt_write_traps == before.pt_write_traps);
  // vpn 2: the PT is writable now: the guest's store costs nothing; walk exits once to inject, once to install.
  const auto mid = m.kvm(0).stats().vmexits();
  CHECK(m.touch(0, 2) == 2);
  CHECK(m.kvm(0).stats().vmexits() == mid + 2);
  CHECK(m.check().empty());
  // A CR3 load (a VM exit) resyncs the page and write-protects the gfn again (mmu_sync_roots).
  CauseCycles c;
  m.kvm(0).new_cr3(0, 1, false, c);
  CHECK(m.kvm(0).stats().resyncs == 1);
  CHECK(m.kvm(0).stats().exits[static_cast<int>(ExitReason::Cr3Load)] == 1);
  CHECK(c.vmexit == KvmConfig{}.vmexit_cycles);
  CHECK(m.check().empty());
}

TEST_CASE("write flooding: the third emulated write in a row to one gfn zaps its shadow page", "[kvm]") {
  KvmConfig cfg;
  cfg.unsync = false;
  Machine m(cfg);
  m.run(0, 1);
  m.touch(0, 0);
  // Three new pages in the same shadowed PT, each #PF delivered straight to the guest (notrap), so
  // no shadow page fault resets the detector in between and the guest never uses the sptes the
  // emulation installs: the third emulated store to the gfn floods it.
  for (std::uint64_t vpn : {1, 2, 3}) {
    const Translation t = m.cpus[0]->translate(Vpn{vpn}, false, false);
    m.kvm(0).page_fault(0, Vpn{vpn}, false, false, t);  // direct #PF: the guest's store is emulated
  }
  CHECK(m.kvm(0).stats().write_flood_zaps == 1);
  CHECK(m.kvm(0).stats().shadow_pages_zapped == 1);
  // The first two emulated stores replace absent ptes: mmu_pte_write_flush_tlb flushes only this
  // vCPU. The zap of the flooded page is the one remote flush (kvm_mmu_zap_page); nothing before
  // it mapped a guest page table writably, so no rmap_write_protect flushed either.
  CHECK(m.kvm(0).stats().remote_tlb_flushes == 1);
  CHECK(m.check().empty());
}

TEST_CASE("FIFO limit: fewer than 5 free pages zaps the oldest non-root pages until 25 are free", "[kvm]") {
  KvmConfig cfg;
  cfg.max_mmu_pages = 64;
  Machine m(cfg);
  m.run(0, 1);
  // Each vpn 512*k lives in its own PT: one new shadow page per touch (plus PDPT and PD once).
  std::uint64_t k = 0;
  while (m.kvm(0).stats().shadow_cache_evictions == 0) m.touch(0, 512 * k++);
  // The limit hit when a fault found 64 - used < 5, i.e. 60 pages in use: root, PDPT, PD and 57
  // PTs (k = 57 touches done); it zapped the oldest non-root pages until 25 were free: 21 pages.
  // The oldest non-root pages are the PDPT and the PD (created first) and then the PTs in order.
  CHECK(k == 58);
  CHECK(m.kvm(0).stats().shadow_cache_evictions == 21);
  // ... and the fault then re-created the PDPT, PD and its PT: 60 - 21 + 3 = 42.
  CHECK(m.kvm(0).mode_pages() == 42);
  // One remote flush per zapped page (kvm_mmu_zap_page), and no other: the PTs were written by
  // the guest before KVM shadowed them (none is unsync), and the PD stores replace absent entries.
  CHECK(m.kvm(0).stats().remote_tlb_flushes == 21);
  CHECK(m.check().empty());
  // vpn 0's PT was evicted with its spte: one fault rebuilds it (the guest pte is still there).
  CHECK(m.touch(0, 0) == 1);
}

TEST_CASE("remote flushes: the other vCPU of the VM flushes and pays an exit (kvm_flush_remote_tlbs)", "[kvm]") {
  KvmConfig cfg;
  cfg.unsync = false;
  Machine m(cfg, 1, 2);
  m.run(0, 1);
  m.run(1, 1);
  m.touch(1, 7);  // CPU 1 caches vpn 7
  REQUIRE(m.touch(1, 7) == 0);
  for (std::uint64_t vpn : {1, 2, 3}) {  // CPU 0 floods the PT: the zap flushes both CPUs
    const Translation t = m.cpus[0]->translate(Vpn{vpn}, false, false);
    m.kvm(0).page_fault(0, Vpn{vpn}, false, false, t);
  }
  // One remote flush (the zap of the flooded PT): CPU 1 takes one IPI exit, charged at the
  // default vmexit_cycles.
  CHECK(m.kvm(0).stats().exits[static_cast<int>(ExitReason::FlushIpi)] == 1);
  CHECK(m.charged[1].vmexit == KvmConfig{}.vmexit_cycles);
  // CPU 1's TLB was flushed and vpn 7's PT zapped: its walk stops at the cleared PD entry (not a
  // notrap one), one shadow fault rebuilds the PT and the spte.
  CHECK(m.touch(1, 7) == 1);
  CHECK(m.check().empty());
}

TEST_CASE("explain names the vCPUs a remote flush interrupts by their number in the VM", "[kvm][explain]") {
  // Two VMs of two vCPUs: machine-wide CPUs 2 and 3 are vm 1's vCPUs 0 and 1 (explain's line heads
  // say "vm1 vCPU1"), so CPU 2's flush of vm 1 interrupts "vCPU 1", not "CPU 3".
  struct Recorder : EventSink {
    std::vector<Event> events;
    bool active() const override { return true; }
    void emit(const Event& e) override { events.push_back(e); }
  } r;
  KvmConfig cfg;
  cfg.unsync = false;
  Machine m(cfg, 2, 2);
  m.run(2, 1);
  m.run(3, 1);
  m.touch(3, 7);
  m.kvm(2).set_explain(&r);
  for (std::uint64_t vpn : {1, 2, 3}) {  // CPU 2 floods the PT, as in the test above
    const Translation t = m.cpus[2]->translate(Vpn{vpn}, false, false);
    m.kvm(2).page_fault(2, Vpn{vpn}, false, false, t);
  }
  const auto flush = std::find_if(r.events.begin(), r.events.end(), [](const Event& e) { return e.kind() == EventKind::remote_flush; });
  REQUIRE(flush != r.events.end());
  CHECK((*flush)["vm"] == 1);
  CHECK(flush->text("targets") == "1");
}

TEST_CASE("two VMs share the host without seeing each other's translations", "[kvm]") {
  Machine m(KvmConfig{}, 2, 1);
  m.run(0, 1);
  m.run(1, 1);
  m.touch(0, 3, true);
  m.touch(1, 3, true);
  const Pte* a = leaf_entry(m.kvms[0]->root_of_pid(1), Vpn{3});
  const Pte* b = leaf_entry(m.kvms[1]->root_of_pid(1), Vpn{3});
  REQUIRE((a && b));
  CHECK(a->frame() != b->frame());  // same gva, same gfn in each guest, different host frames
  CHECK(m.host.page(Pfn{a->frame()}).vm == 0);
  CHECK(m.host.page(Pfn{b->frame()}).vm == 1);
  CHECK(m.check(0).empty());
  CHECK(m.check(1).empty());
  CHECK(m.host.check().empty());
}

TEST_CASE("kvm.max_mmu_pages below the roots in use is a limit error, not a hang", "[kvm]") {
  // A root is pinned while a vCPU uses it: 70 vCPUs in 70 processes need 70 roots, and 64 pages
  // cannot hold them (the 60th root leaves fewer than 5 free and nothing to zap).
  KvmConfig cfg;
  cfg.max_mmu_pages = 64;
  Machine m(cfg, 1, 70);
  unsigned cpu = 0;
  CHECK_THROWS_AS([&] {
    for (; cpu < 70; ++cpu) m.run(cpu, cpu);
  }(), LimitExceeded);
  CHECK(cpu == 60);  // roots 0..59 fit (used 60 leaves 4 free): the 61st load finds nothing to zap
}

TEST_CASE("the invariant checker catches a policy that zaps sptes without the remote TLB flush", "[kvm][check]") {
  // A deliberately broken aging policy: on every harvest it zaps the page's sptes but skips
  // kvm_flush_remote_tlbs, so the vCPU's TLB keeps translations to a page KVM no longer maps.
  struct Broken : AgingPolicy {
    bool clear_flush_young(Kvm& kvm, std::uint64_t gfn, CauseCycles& c) override {
      for (Pte* s : kvm.sptes_of(gfn)) kvm.drop_spte_for_aging(s, ShadowMmu::ZapReason::Aging, c, false);
      return false;
    }
  };
  Machine m;
  m.run(0, 1);
  m.touch(0, 4);
  const Pte* spte = leaf_entry(m.kvm(0).root_of_pid(1), Vpn{4});
  REQUIRE(spte);
  const std::uint64_t gfn = m.host.page(Pfn{spte->frame()}).gfn;
  CheckTarget t;
  t.root = [&](std::uint32_t) { return m.kvm(0).root_of_pid(1); };
  t.table_live = [&](std::uint32_t, std::uint64_t frame, const TableNode* n) { return m.kvm(0).table_live(frame, n); };
  t.frames = &m.host.frames();
  CHECK(check_translation_caches(*m.cpus[0], t).empty());

  m.kvm(0).replace_policy(std::make_unique<Broken>());
  CauseCycles c;
  m.kvm(0).clear_flush_young(Gfn{gfn}, c);
  const auto bad = check_translation_caches(*m.cpus[0], t);
  REQUIRE(bad.size() == 2);  // the L1 dTLB and STLB entries of vpn 4
  CHECK(bad[0].find("no present PTE") != std::string::npos);
  CHECK(m.check().empty());  // KVM's own structures are consistent: only the flush was skipped

  // The same zap with the flush leaves nothing stale.
  Machine ok;
  ok.run(0, 1);
  ok.touch(0, 4);
  const Pte* s2 = leaf_entry(ok.kvm(0).root_of_pid(1), Vpn{4});
  ok.kvm(0).drop_spte_for_aging(const_cast<Pte*>(s2), ShadowMmu::ZapReason::Aging, c);
  CheckTarget t2 = t;
  t2.root = [&](std::uint32_t) { return ok.kvm(0).root_of_pid(1); };
  t2.table_live = [&](std::uint32_t, std::uint64_t frame, const TableNode* n) { return ok.kvm(0).table_live(frame, n); };
  t2.frames = &ok.host.frames();
  CHECK(check_translation_caches(*ok.cpus[0], t2).empty());
}

TEST_CASE("mmu notifier: invalidate_range_start zaps every spte of the range and flushes", "[kvm]") {
  // kvm_mmu_notifier_invalidate_range_start -> kvm_unmap_hva for each page of the range.
  Machine m;
  m.run(0, 1);
  for (std::uint64_t vpn : {0, 1, 2}) m.touch(0, vpn);
  std::vector<std::uint64_t> gfns;
  for (std::uint64_t vpn : {0, 1, 2}) gfns.push_back(leaf_entry(m.kvm(0).root_of_pid(1), Vpn{vpn})->frame());
  const std::uint64_t lo = m.host.page(Pfn{gfns[0]}).gfn, hi = m.host.page(Pfn{gfns[2]}).gfn;
  CauseCycles c;
  m.kvm(0).invalidate_range_start(Gfn{std::min(lo, hi)}, Gfn{std::max(lo, hi)}, c);
  m.kvm(0).invalidate_range_end(Gfn{std::min(lo, hi)}, Gfn{std::max(lo, hi)});
  CHECK(m.kvm(0).stats().sptes_zapped_invalidate == 3);
  for (std::uint64_t vpn : {0, 1, 2}) CHECK_FALSE(leaf_entry(m.kvm(0).root_of_pid(1), Vpn{vpn})->present());
  CHECK(m.touch(0, 1) == 1);  // the TLBs were flushed: the next access faults the spte back
  CHECK(m.check().empty());
  // notifier: young is never reported; test_young and clear_young agree.
  CHECK_FALSE(m.kvm(0).test_young(Gfn{lo}));
  CHECK_FALSE(m.kvm(0).clear_young(Gfn{lo}));
}

TEST_CASE("rmap_remove's accessed transfer: if the spte had A set (2.6.28), always (2.6.25), or never", "[kvm]") {
  // An invalidate_page zaps the page's spte; rmap_remove then calls mark_page_accessed (2.6.28:
  // kvm_set_pfn_accessed only for an spte with A set; 2.6.25, 448353caeab: every spte), which
  // sets PG_referenced on a page whose PG_referenced is clear.
  using M = KvmConfig::RmapAccessed;
  for (const auto& [mode, want_a, want_old] :
       std::vector<std::tuple<M, bool, bool>>{{M::SpteA, true, false}, {M::Always, true, true}, {M::None, false, false}}) {
    KvmConfig cfg;
    cfg.rmap_remove_accessed = mode;
    Machine m(cfg);
    m.run(0, 1);
    m.touch(0, 0);
    m.touch(0, 1);
    Pte* young = const_cast<Pte*>(leaf_entry(m.kvm(0).root_of_pid(1), Vpn{0}));
    Pte* old = const_cast<Pte*>(leaf_entry(m.kvm(0).root_of_pid(1), Vpn{1}));
    const Pfn py{young->frame()}, po{old->frame()};
    CauseCycles c;
    m.host.page_referenced(py, c);  // PG_referenced (and the host ptes' young bits) cleared
    m.host.page_referenced(po, c);
    young->raw |= pte_bits::A;  // the guest used page 0 since; page 1 not
    old->raw &= ~pte_bits::A;
    REQUIRE_FALSE(m.host.page(py).referenced);
    REQUIRE_FALSE(m.host.page(po).referenced);
    m.kvm(0).invalidate_page(Gfn{m.host.page(py).gfn}, c);
    m.kvm(0).invalidate_page(Gfn{m.host.page(po).gfn}, c);
    CHECK(m.host.page(py).referenced == want_a);
    CHECK(m.host.page(po).referenced == want_old);
  }
}

TEST_CASE("KVM_REQ_TLB_FLUSH: no second IPI while a vCPU's request is pending (kvm_flush_remote_tlbs)", "[kvm]") {
  // Two vCPUs of one VM; the host's reclaim (no vCPU current) invalidates pages, so both vCPUs get
  // a request. An invalidate_page at time 0 costs the notifier call (200 cycles): the flush is at
  // 200, both vCPUs get an IPI, and their requests are pending until they have exited and entered
  // again, 200 + 2,000 (cost.vmexit_cycles) = 2,200. A second invalidate at 200 finds both
  // pending: two requests, no IPI. A third at 5,200 sends two IPIs again. 6 requests, 4 IPIs.
  // Without the request bit, every flush sends both IPIs: 6 and 6.
  for (const bool bit : {true, false}) {
    KvmConfig cfg;
    cfg.flush_request_bit = bit;
    Machine m(cfg, 1, 2);
    Cycles now = 0;
    m.kvm(0).set_clock([&now] { return now; });
    m.run(0, 1);
    m.run(1, 1);
    for (std::uint64_t vpn : {0, 1, 2}) m.touch(0, vpn);
    std::vector<Gfn> gfns;
    for (std::uint64_t vpn : {0, 1, 2})
      gfns.push_back(Gfn{m.host.page(Pfn{leaf_entry(m.kvm(0).root_of_pid(1), Vpn{vpn})->frame()}).gfn});
    const std::uint64_t ipis_before = m.kvm(0).stats().remote_flush_ipis;
    const std::uint64_t requests_before = m.kvm(0).stats().remote_flush_requests;
    for (int i = 0; i < 3; ++i) {
      now = i == 2 ? 5000 : 0;
      CauseCycles c;
      m.kvm(0).invalidate_page(gfns[static_cast<std::size_t>(i)], c);
    }
    CHECK(m.kvm(0).stats().remote_flush_requests - requests_before == 6);
    CHECK(m.kvm(0).stats().remote_flush_ipis - ipis_before == (bit ? 4u : 6u));
    CHECK(m.check().empty());
  }
}

TEST_CASE("an aging policy is told the gfn and the page size of each spte (rmap_add, rmap_remove)", "[kvm][aging]") {
  // A policy that records what the core tells it. It sees Kvm only, never the shadow MMU.
  struct Recorder : AgingPolicy {
    std::vector<std::pair<std::uint64_t, PageSize>> installed, dropped;
    void spte_installed(Kvm&, Pte*, Gfn gfn, PageSize size) override { installed.emplace_back(gfn.v, size); }
    void spte_dropped(Kvm&, Pte*, Gfn gfn, PageSize size) override { dropped.emplace_back(gfn.v, size); }
  };
  Machine m;
  auto owned = std::make_unique<Recorder>();
  Recorder* rec = owned.get();
  m.kvm(0).replace_policy(std::move(owned));
  m.run(0, 1);
  m.touch(0, 7);
  // One spte installed, for the gfn the guest pte of vpn 7 maps, 4 KiB (set_spte's largepage 0).
  const Pte* spte = leaf_entry(m.kvm(0).root_of_pid(1), Vpn{7});
  REQUIRE(spte);
  const std::uint64_t gfn = m.host.page(Pfn{spte->frame()}).gfn;
  REQUIRE(rec->installed.size() == 1);
  CHECK(rec->installed[0].first == gfn);
  CHECK(rec->installed[0].second == PageSize::k4K);
  CHECK(rec->dropped.empty());
  CauseCycles c;
  m.kvm(0).invalidate_page(Gfn{gfn}, c);
  REQUIRE(rec->dropped.size() == 1);
  CHECK(rec->dropped[0].first == gfn);
  CHECK(rec->dropped[0].second == PageSize::k4K);
}

TEST_CASE("a fault during invalidate_range_start..end retries (mmu_notifier_count, mmu_notifier_retry)", "[kvm]") {
  // 2.6.28 kvm_mmu_notifier_invalidate_range_start raises mmu_notifier_count until range_end;
  // a fault that finds it raised drops its pfn and the access faults again.
  Machine m;
  m.run(0, 1);
  m.touch(0, 0);  // the guest tables and the shadow pages above vpn 1 exist now
  CauseCycles c;
  m.kvm(0).invalidate_range_start(Gfn{1000}, Gfn{1000}, c);  // a gfn the guest does not use
  // vpn 1: first the #PF goes to the guest (notrap), then the shadow fault finds the count raised.
  for (int i = 0; i < 4; ++i) {
    const Translation t = m.cpus[0]->translate(Vpn{1}, false, false);
    REQUIRE_FALSE(t.ok);
    m.kvm(0).page_fault(0, Vpn{1}, false, false, t);
  }
  // The first fault is the guest's own #PF (notrap spte; its pte store unsyncs the PT's shadow
  // page); the three after it are shadow faults that each drop their pfn: three retries, no spte
  // for vpn 1. (vpn 0's first touch took one direct #PF too.)
  CHECK(m.kvm(0).stats().guest_pf_direct == 2);
  CHECK(m.kvm(0).stats().notifier_retries == 3);
  CHECK(m.kvm(0).stats().sptes_created == 1);
  m.kvm(0).invalidate_range_end(Gfn{1000}, Gfn{1000});
  CHECK(m.touch(0, 1) == 1);  // now the fault installs the spte
  CHECK(m.kvm(0).stats().sptes_created == 2);
  CHECK(m.check().empty());
}

TEST_CASE("shadow pages are keyed by gfn and role, level first (kvm_mmu_page_role)", "[kvm]") {
  // The shadow page hash orders keys by gfn, then role: level first, so a gfn's pages come in
  // level order as they did when the key was (gfn, level).
  CHECK(shadow_role(1) < shadow_role(2));
  CHECK_FALSE(shadow_role(2) < shadow_role(1));
  KvmMmuPageRole direct = shadow_role(1);
  direct.direct = true;
  CHECK(shadow_role(1) < direct);
  CHECK(direct < shadow_role(2));
  CHECK_FALSE(direct == shadow_role(1));
  CHECK(shadow_role(3).access == (kAccExec | kAccWrite | kAccUser));
}
