// The order-aware frame allocator (common/frame_allocator.h): aligned blocks of 2^order frames,
// and order-0 numbering that blocks do not disturb until one is taken.
#include <catch2/catch.hpp>

#include "common/errors.h"
#include "common/frame_allocator.h"

using namespace mmusim;

TEST_CASE("frame allocator: a block is the lowest aligned run of free frames", "[paging][huge]") {
  FrameAllocator f(2048, "host");
  // Frames 0..2 are taken one by one (ascending). The lowest 512-aligned block with all frames
  // free is then 512..1023 (0..511 holds 0..2).
  CHECK(f.alloc() == 0);
  CHECK(f.alloc() == 1);
  CHECK(f.alloc() == 2);
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{512});
  CHECK(f.used() == 3 + 512);
  CHECK(f.in_use(512));
  CHECK(f.in_use(1023));
  CHECK_FALSE(f.in_use(1024));
  // The never-used frames the block skipped (3..511) stay allocatable one by one, lowest first,
  // before the frames past the block (1024...).
  CHECK(f.alloc() == 3);
  CHECK(f.alloc() == 4);
  // Order 1: aligned pairs; 0..4 are taken, so the lowest free pair is 6..7 (5 is free but 4 is not).
  CHECK(f.alloc_block(1) == std::optional<std::uint64_t>{6});
  CHECK(f.alloc() == 5);
  CHECK(f.alloc() == 8);
}

TEST_CASE("frame allocator: a freed block is found again; none free gives nothing", "[paging][huge]") {
  FrameAllocator f(1024 + 3, "host");
  // Two aligned blocks of 512 fit (0 and 512); the 3 frames past 1024 make no third.
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{0});
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{512});
  CHECK_FALSE(f.alloc_block(9).has_value());
  CHECK(f.free_count() == 3);
  f.free_block(0, 9);
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{0});
  // One frame of the block freed: the block is no longer whole, no other block is free.
  f.free(100);
  CHECK_FALSE(f.alloc_block(9).has_value());
  // Order 0 reuses the most recently freed frame (LIFO), as before blocks.
  CHECK(f.alloc() == 100);
  CHECK(f.alloc() == 1024);
  CHECK_THROWS_AS(f.free_block(3, 9), std::logic_error);  // misaligned
}

TEST_CASE("frame allocator: the frames of a freed block are reused one by one, stale entries skipped",
          "[paging][huge]") {
  FrameAllocator f(1024, "host");
  // Frame 0 freed, then a block takes 0..511 while 0 is still listed as freed: the next order-0
  // allocation must skip that stale entry and take the first never-used frame, 512.
  CHECK(f.alloc() == 0);
  f.free(0);
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{0});
  CHECK(f.alloc() == 512);
  // Freeing the block lists 0..511 in ascending order: LIFO gives 511 first.
  f.free_block(0, 9);
  CHECK(f.alloc() == 511);
  CHECK(f.used() == 2);
}

TEST_CASE("frame allocator: order 18 is a 1 GiB block, aligned to 2^18 frames", "[paging][huge]") {
  FrameAllocator f(2 * (1u << 18), "host");
  CHECK(f.alloc() == 0);
  // Frame 0 is in the first 1 GiB block: the block is the second one.
  CHECK(f.alloc_block(18) == std::optional<std::uint64_t>{1u << 18});
  CHECK_FALSE(f.alloc_block(18).has_value());
  // The 2 MiB blocks below it are still free except the first.
  CHECK(f.alloc_block(9) == std::optional<std::uint64_t>{512});
  CHECK_THROWS_AS(f.alloc_block(19), std::logic_error);
}
