#include <catch2/catch.hpp>

#include "common/errors.h"
#include "paging/page_table.h"
#include "paging/walker.h"
#include "tlb/pwc.h"

using namespace mmusim;

TEST_CASE("pt_index splits a VPN into four 9-bit indices", "[paging]") {
  // gva 0x7f12_3456_7000: vpn = 0x7f1234567 = 0b 011111110 001001000 110100010 101100111
  const Vpn v{0x7f1234567};
  CHECK(pt_index(v, 4) == 0x0fe);
  CHECK(pt_index(v, 3) == 0x048);
  CHECK(pt_index(v, 2) == 0x1a2);
  CHECK(pt_index(v, 1) == 0x167);
}

TEST_CASE("page table: the root exists, map creates one table per missing level", "[paging]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  CHECK(pt.table_pages() == 1);
  CHECK(frames.used() == 1);
  CHECK(pt.leaf(Vpn{5}) == nullptr);
  pt.map(Vpn{5}, 42, pte_bits::W);
  CHECK(pt.table_pages() == 4);  // root + PDPT + PD + PT
  pt.map(Vpn{6}, 43, pte_bits::W);  // same PT
  CHECK(pt.table_pages() == 4);
  pt.map(Vpn{512}, 44, pte_bits::W);  // next PT under the same PD
  CHECK(pt.table_pages() == 5);
  CHECK(pt.leaf(Vpn{6})->frame() == 43);
  CHECK(pt.unmap(Vpn{6}).frame() == 43);
  CHECK_FALSE(pt.leaf(Vpn{6})->present());
  CHECK(frames.used() == 5);
}

TEST_CASE("page table: an upper entry's child is the table at its frame; a leaf table is its entries only", "[paging]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  pt.map(Vpn{5}, 42, pte_bits::W);
  const TableNode* t = pt.root();
  for (unsigned level = kLevels; level > 1; --level) {
    const unsigned i = pt_index(Vpn{5}, level);
    const TableNode* child = t->child(i);
    REQUIRE(child != nullptr);
    CHECK(child == pt.table_at(t->e[i].frame()));
    CHECK(child->level == level - 1);
    CHECK(t->child(i ^ 1) == nullptr);  // a neighbouring entry maps nothing
    t = child;
  }
  CHECK(t->e[pt_index(Vpn{5}, 1)].frame() == 42);
  // No child pointers inside the node: a leaf table costs its 4 KiB of entries and a header, not 8 KiB.
  CHECK(sizeof(TableNode) <= sizeof(Pte) * kEntriesPerTable + 32);
}

TEST_CASE("walker: 4 references for a full walk, A on every level, D only on a write", "[paging][walker]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  pt.map(Vpn{7}, 9, pte_bits::W | pte_bits::U);
  WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{7}, false, false});
  CHECK(r.status == WalkStatus::Ok);
  CHECK(r.refs == 4);
  CHECK(r.leaf->frame() == 9);
  CHECK(r.leaf->accessed());
  CHECK_FALSE(r.leaf->dirty());
  for (unsigned level = 4; level >= 2; --level) CHECK(r.tables[level]->e[pt_index(Vpn{7}, level)].accessed());
  r = hardware_walk(pt.root(), WalkRequest{Vpn{7}, true, false});
  CHECK(r.leaf->dirty());
  for (unsigned level = 4; level >= 2; --level) CHECK_FALSE(r.tables[level]->e[pt_index(Vpn{7}, level)].dirty());
}

TEST_CASE("walker: a walk that stops at a non-present entry costs the levels it read", "[paging][walker]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  SECTION("empty table: the PML4 entry is absent, 1 reference") {
    const WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{7}, false, false});
    CHECK(r.status == WalkStatus::NotPresent);
    CHECK(r.refs == 1);
    CHECK(r.level == 4);
  }
  SECTION("the PT exists but not the leaf: 4 references") {
    pt.map(Vpn{8}, 3, pte_bits::W);
    const WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{7}, false, false});
    CHECK(r.status == WalkStatus::NotPresent);
    CHECK(r.refs == 4);
    CHECK(r.level == 1);
  }
  SECTION("another PD entry: stops at level 2 after 3 references") {
    pt.map(Vpn{0}, 3, pte_bits::W);
    const WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{512}, false, false});
    CHECK(r.status == WalkStatus::NotPresent);
    CHECK(r.refs == 3);
    CHECK(r.level == 2);
  }
}

TEST_CASE("walker: permission faults leave the leaf's A and D alone", "[paging][walker]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  pt.map(Vpn{1}, 5, pte_bits::U);              // read-only
  pt.map(Vpn{2}, 6, pte_bits::W | pte_bits::NX);
  WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{1}, true, false});
  CHECK(r.status == WalkStatus::Protection);
  CHECK(r.refs == 4);
  CHECK_FALSE(r.leaf->accessed());
  r = hardware_walk(pt.root(), WalkRequest{Vpn{2}, false, true});
  CHECK(r.status == WalkStatus::Protection);
  r = hardware_walk(pt.root(), WalkRequest{Vpn{1}, false, false});
  CHECK(r.status == WalkStatus::Ok);
  CHECK(r.leaf->accessed());
}

TEST_CASE("page-walk cache: a cached PD entry makes the walk read only the PT", "[paging][pwc]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  pt.map(Vpn{0}, 3, pte_bits::W);
  pt.map(Vpn{1}, 4, pte_bits::W);
  pt.map(Vpn{512}, 5, pte_bits::W);  // another PT, same PD
  PageWalkCache pwc(4);
  CHECK(pwc.lookup(0, WalkDimension::Virtual, Vpn{0}) == nullptr);
  const WalkResult first = hardware_walk(pt.root(), WalkRequest{Vpn{0}, false, false});
  pwc.fill(0, WalkDimension::Virtual, Vpn{0}, first, 4);  // caches the PDPT, PD and PT of vpn 0
  TableNode* start = pwc.lookup(0, WalkDimension::Virtual, Vpn{1});
  REQUIRE(start != nullptr);
  CHECK(start->level == 1);
  CHECK(hardware_walk(start, WalkRequest{Vpn{1}, false, false}).refs == 1);
  start = pwc.lookup(0, WalkDimension::Virtual, Vpn{512});  // the PT differs; the PD is cached: 2 references
  REQUIRE(start != nullptr);
  CHECK(start->level == 2);
  CHECK(hardware_walk(start, WalkRequest{Vpn{512}, false, false}).refs == 2);
  CHECK(pwc.lookup(1, WalkDimension::Virtual, Vpn{1}) == nullptr);  // another context
  // The nested dimension (EPT, indexed by guest-physical page) has entries of its own: the
  // tables cached for the virtual dimension never start a nested walk.
  CHECK(pwc.lookup(0, WalkDimension::Nested, Vpn{1}) == nullptr);
  pwc.flush_all();
  CHECK(pwc.lookup(0, WalkDimension::Virtual, Vpn{1}) == nullptr);
}

TEST_CASE("a walk's leaf at level 1 maps 4 KiB", "[paging]") {
  FrameAllocator frames(100, "test");
  PageTable pt(frames);
  pt.map(Vpn{7}, 3, pte_bits::W);
  const WalkResult r = hardware_walk(pt.root(), WalkRequest{Vpn{7}, false, false});
  REQUIRE(r.status == WalkStatus::Ok);
  CHECK(r.level == 1);
  CHECK(r.size == PageSize::k4K);
  CHECK(bytes(r.size) == 4096);
  // 2 MiB and 1 GiB pages span 512 and 512 * 512 frames of 4 KiB.
  CHECK(mmusim::frames(PageSize::k2M) == 512);
  CHECK(mmusim::frames(PageSize::k1G) == 512 * 512);
}

TEST_CASE("frame allocator: ascending, LIFO reuse, out of memory", "[paging]") {
  FrameAllocator f(3, "host");
  CHECK(f.alloc() == 0);
  CHECK(f.alloc() == 1);
  f.free(0);
  CHECK(f.alloc() == 0);
  CHECK(f.alloc() == 2);
  CHECK(f.free_count() == 0);
  CHECK_THROWS_AS(f.alloc(), OutOfMemory);
  CHECK_THROWS_AS(f.free(7), std::logic_error);
}
