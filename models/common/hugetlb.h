// A range of every process's virtual address space that the OS maps with 1 GiB pages from
// hugetlbfs, as if each process had mapped it with MAP_HUGETLB | MAP_HUGE_1GB (hugepagesz=1G,
// Linux 2.6.27; guest.hugetlb_1g_gib and guest.hugetlb_1g_at).
#pragma once
#include <cstdint>

#include "common/addr.h"
#include "common/page_size.h"

namespace mmusim {

struct HugetlbRange {
  std::uint64_t first_gib = 0;  // its first virtual address is first_gib << 30
  std::uint64_t gib = 0;        // its length in 1 GiB pages; 0 = no range

  bool holds(Vpn vpn) const { return (vpn.v >> (log_bytes(PageSize::k1G) - 12)) - first_gib < gib; }
};

}  // namespace mmusim
