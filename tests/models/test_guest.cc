// Unit tests of the guest OS model (models/guest/guest_os.h): processes, the demand-paging #PF
// handler, the page-table write hook, out of memory, table_at and process_root_frame.
// Every expected value is derived by hand in the comments from the kernel rule named there.
#include <catch2/catch.hpp>

#include <vector>

#include "common/errors.h"
#include "guest/guest_os.h"

using namespace mmusim;

namespace {

// A test double standing in for KVM: records every store and cleared frame, and charges a fixed
// price per store.
struct RecordingHook : GuestHooks {
  struct Store {
    std::uint64_t gfn;
    unsigned index;
    std::uint64_t old_raw, new_raw;
    bool stored_before_hook;  // the table already holds the new value when the hook runs
  };
  std::vector<Store> stores;
  std::vector<std::uint64_t> cleared;
  CauseCycles price;

  CauseCycles guest_frame_cleared(std::uint64_t gfn) override {
    cleared.push_back(gfn);
    return {};
  }

  CauseCycles guest_pte_write(TableNode* table, unsigned index, Pte old_value, Pte value) override {
    stores.push_back({table->frame, index, old_value.raw, value.raw, table->e[index].raw == value.raw});
    return price;
  }
};

// gva 0x7f12_3456_7000: vpn 0x7f1234567, indices PML4 0x0fe, PDPT 0x048, PD 0x1a2, PT 0x167.
constexpr Vpn kVpn{0x7f1234567};

// Entry values by hand: frame << 12 | flags, P = 0x1, W = 0x2, U = 0x4, A = 0x20, D = 0x40.
// An upper entry (pud/pmd/pte_alloc link): P|W|U|A = 0x27.
constexpr std::uint64_t upper(std::uint64_t gfn) { return (gfn << 12) | 0x27; }

}  // namespace

TEST_CASE("guest: a process is created with its PML4 in a guest frame (mm_alloc, pgd_alloc)", "[guest]") {
  GuestOs guest(64, "guest 0", 1000, false);
  CHECK(guest.process_root_frame(1) == ~std::uint64_t{0});  // no such process yet
  CHECK(guest.frames().used() == 0);
  PageTable& p1 = guest.process(1);
  // pgd_alloc: one frame, gfn 0 (ascending allocator).
  CHECK(guest.frames().used() == 1);
  CHECK(p1.root_frame() == 0);
  CHECK(guest.process_root_frame(1) == 0);
  CHECK(guest.stats().processes == 1);
  // The same pid again is the same process: no new frame.
  CHECK(&guest.process(1) == &p1);
  CHECK(guest.frames().used() == 1);
  CHECK(guest.stats().processes == 1);
  // A second process gets the next frame.
  guest.process(2);
  CHECK(guest.process_root_frame(2) == 1);
  CHECK(guest.stats().processes == 2);
  CHECK(guest.table_pages() == 2);
  CHECK(guest.stats().page_faults == 0);
  CHECK(guest.stats().pte_writes == 0);
}

TEST_CASE("guest: first fault allocates 3 tables and 1 page and stores 4 entries (__handle_mm_fault, do_anonymous_page)", "[guest]") {
  // __handle_mm_fault: pud_alloc, pmd_alloc, pte_alloc each allocate a table page and link it
  // into its parent (1 store each); do_anonymous_page allocates the page and sets the pte
  // (1 store). PML4 = gfn 0, then PDPT = 1, PD = 2, PT = 3, data = 4.
  const bool write = GENERATE(false, true);
  GuestOs guest(64, "guest 0", 1000, false);
  RecordingHook hook;
  hook.price.pt_write = 100;
  hook.price.vmexit = 7;
  guest.set_hooks(&hook);
  guest.process(1);

  const CauseCycles c = guest.handle_page_fault(1, kVpn, write);
  CHECK(guest.frames().used() == 5);  // PML4 + 3 tables + 1 page
  CHECK(guest.table_pages() == 4);
  CHECK(guest.stats().pte_writes == 4);
  CHECK(guest.stats().page_faults == 1);

  // The hook saw every store, top-down, in the table it went to.
  // Leaf: P|W|U|A = 0x27, plus D = 0x40 on a write fault -> 0x4027 or 0x4067.
  const std::uint64_t leaf = write ? 0x4067 : 0x4027;
  REQUIRE(hook.stores.size() == 4);
  CHECK(hook.stores[0].gfn == 0);
  CHECK(hook.stores[0].index == 0x0fe);
  CHECK(hook.stores[0].new_raw == upper(1));  // 0x1027
  CHECK(hook.stores[1].gfn == 1);
  CHECK(hook.stores[1].index == 0x048);
  CHECK(hook.stores[1].new_raw == upper(2));  // 0x2027
  CHECK(hook.stores[2].gfn == 2);
  CHECK(hook.stores[2].index == 0x1a2);
  CHECK(hook.stores[2].new_raw == upper(3));  // 0x3027
  CHECK(hook.stores[3].gfn == 3);
  CHECK(hook.stores[3].index == 0x167);
  CHECK(hook.stores[3].new_raw == leaf);
  for (const auto& s : hook.stores) {
    CHECK(s.old_raw == 0);          // every entry was empty before
    CHECK(s.stored_before_hook);    // emulator_write_phys: guest memory written, then kvm_mmu_pte_write
  }

  // The leaf as the tables hold it.
  const Pte* p = guest.process(1).leaf(kVpn);
  REQUIRE(p != nullptr);
  CHECK(p->raw == leaf);
  CHECK(p->present());
  CHECK(p->writable());
  CHECK(p->user());
  CHECK(p->accessed());
  CHECK(p->dirty() == write);
  CHECK(p->frame() == 4);

  // Cost: the configured guest fault + what the hook returned for each of the 4 stores.
  CHECK(c.guest_fault == 1000);
  CHECK(c.pt_write == 400);  // 4 x 100
  CHECK(c.vmexit == 28);     // 4 x 7
  CHECK(c.total() == 1428);
}

TEST_CASE("guest: a second fault in the same PT stores one entry (do_anonymous_page)", "[guest]") {
  GuestOs guest(64, "guest 0", 1000, false);
  RecordingHook hook;
  hook.price.pt_write = 100;
  guest.set_hooks(&hook);
  guest.handle_page_fault(1, kVpn, false);  // gfns 0..4 as above, 4 stores
  hook.stores.clear();

  // vpn + 1: PT index 0x168, same PT (gfn 3); one new page, gfn 5; one store.
  const CauseCycles c = guest.handle_page_fault(1, Vpn{kVpn.v + 1}, true);
  CHECK(guest.frames().used() == 6);
  CHECK(guest.stats().pte_writes == 5);
  CHECK(guest.stats().page_faults == 2);
  REQUIRE(hook.stores.size() == 1);
  CHECK(hook.stores[0].gfn == 3);
  CHECK(hook.stores[0].index == 0x168);
  CHECK(hook.stores[0].old_raw == 0);
  CHECK(hook.stores[0].new_raw == 0x5067);  // gfn 5, P|W|U|A|D (write fault)
  CHECK(c.guest_fault == 1000);
  CHECK(c.pt_write == 100);
  CHECK(c.total() == 1100);

  // Next 2 MiB region (vpn + 512): same PD, new PT (gfn 6) and page (gfn 7): 2 stores.
  hook.stores.clear();
  guest.handle_page_fault(1, Vpn{kVpn.v + 512}, false);
  REQUIRE(hook.stores.size() == 2);
  CHECK(hook.stores[0].gfn == 2);           // the PD
  CHECK(hook.stores[0].index == 0x1a3);
  CHECK(hook.stores[0].new_raw == upper(6));
  CHECK(hook.stores[1].gfn == 6);           // the new PT
  CHECK(hook.stores[1].index == 0x167);
  CHECK(hook.stores[1].new_raw == 0x7027);  // gfn 7, read fault: no D
  CHECK(guest.frames().used() == 8);
}

TEST_CASE("guest: a fault on a page already mapped stores nothing (handle_pte_fault, pte present)", "[guest]") {
  // Another vCPU of the process mapped it meanwhile: do_anonymous_page finds !pte_none and
  // releases; no store, no new frame. The fault still costs the handler's entry.
  GuestOs guest(64, "guest 0", 1000, false);
  RecordingHook hook;
  guest.set_hooks(&hook);
  guest.handle_page_fault(1, kVpn, false);
  hook.stores.clear();
  const CauseCycles c = guest.handle_page_fault(1, kVpn, true);
  CHECK(hook.stores.empty());
  CHECK(guest.frames().used() == 5);
  CHECK(guest.stats().pte_writes == 4);
  CHECK(guest.stats().page_faults == 2);
  CHECK(c.guest_fault == 1000);
  CHECK(c.total() == 1000);
}

TEST_CASE("guest: without a hook the stores are plain and cost nothing extra", "[guest]") {
  GuestOs guest(64, "guest 0", 250, false);
  const CauseCycles c = guest.handle_page_fault(3, Vpn{0}, true);  // creates process 3 on the way
  CHECK(guest.stats().processes == 1);
  CHECK(guest.stats().pte_writes == 4);
  CHECK(c.guest_fault == 250);
  CHECK(c.total() == 250);
}

TEST_CASE("guest: out of guest memory throws OutOfMemory naming guest.mem_mb", "[guest]") {
  // 4 frames: PML4 (0), PDPT (1), PD (2), PT (3); the data page does not fit.
  GuestOs guest(4, "guest 0", 1000, false);
  RecordingHook hook;
  guest.set_hooks(&hook);
  guest.process(1);
  try {
    guest.handle_page_fault(1, kVpn, true);
    FAIL("no OutOfMemory");
  } catch (const OutOfMemory& e) {
    CHECK(e.key == "guest.mem_mb");
  }
  // The tables that were allocated are linked (3 stores seen by the hook), the leaf is empty.
  CHECK(guest.frames().used() == 4);
  CHECK(hook.stores.size() == 3);
  CHECK(guest.stats().pte_writes == 3);
  const Pte* p = guest.process(1).leaf(kVpn);
  REQUIRE(p != nullptr);
  CHECK_FALSE(p->present());

  // A process whose PML4 does not fit fails the same way.
  GuestOs tiny(1, "guest 1", 1000);
  tiny.process(1);
  try {
    tiny.process(2);
    FAIL("no OutOfMemory");
  } catch (const OutOfMemory& e) {
    CHECK(e.key == "guest.mem_mb");
  }
}

TEST_CASE("guest: table_at finds a page-table page of any process by gfn, process_root_frame the PML4", "[guest]") {
  GuestOs guest(64, "guest 0", 1000, false);
  guest.handle_page_fault(1, kVpn, false);  // pid 1: PML4 0, PDPT 1, PD 2, PT 3, page 4
  guest.handle_page_fault(2, kVpn, false);  // pid 2: PML4 5, PDPT 6, PD 7, PT 8, page 9
  CHECK(guest.process_root_frame(1) == 0);
  CHECK(guest.process_root_frame(2) == 5);
  CHECK(guest.process_root_frame(3) == ~std::uint64_t{0});
  CHECK(guest.table_pages() == 8);

  struct Expect {
    std::uint64_t gfn;
    unsigned level;
  };
  for (const Expect e : {Expect{0, 4}, Expect{1, 3}, Expect{2, 2}, Expect{3, 1}, Expect{5, 4}, Expect{8, 1}}) {
    const TableNode* t = guest.table_at(e.gfn);
    REQUIRE(t != nullptr);
    CHECK(t->frame == e.gfn);
    CHECK(t->level == e.level);
  }
  CHECK(guest.table_at(0) == guest.process(1).root());
  CHECK(guest.table_at(5) == guest.process(2).root());
  // Data pages and unused gfns are no tables.
  CHECK(guest.table_at(4) == nullptr);
  CHECK(guest.table_at(9) == nullptr);
  CHECK(guest.table_at(63) == nullptr);
  // The PT of pid 1 holds the leaf for kVpn at index 0x167, pointing at gfn 4.
  CHECK(guest.table_at(3)->e[0x167].frame() == 4);
  CHECK(guest.table_at(8)->e[0x167].frame() == 9);
}

TEST_CASE("guest: every new frame is cleared and 2.6.2x marks a new anonymous pte dirty", "[guest]") {
  // do_anonymous_page in Linux 2.6.24-2.6.31: entry = maybe_mkwrite(pte_mkdirty(entry)) on every
  // anonymous fault, read or write; every page it maps, and every table page pte_alloc and
  // friends take, is cleared first (the host backs the gfn then).
  GuestOs guest(64, "guest 0", 1000);  // dirty_at_fault defaults to true
  RecordingHook hook;
  guest.set_hooks(&hook);
  guest.handle_page_fault(1, kVpn, false);  // a read fault
  CHECK(hook.cleared == std::vector<std::uint64_t>{0, 1, 2, 3, 4});  // PML4, PDPT, PD, PT, data
  REQUIRE(hook.stores.size() == 4);
  CHECK(hook.stores[3].new_raw == 0x4067);  // P|W|U|A|D although the fault was a read
}
