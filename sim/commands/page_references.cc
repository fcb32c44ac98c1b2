#include "commands/page_references.h"

#include <sys/mman.h>

#include <stdexcept>

#include "util/dense_ids.h"
#include "util/input_error.h"
#include "trace/mtr_format.h"

namespace mmusim {

namespace {

// A page's key packs its space (a dense id of (vm, pid)) above its page number. The page number
// of a canonical address is 36 bits (address bits 47:12; the bits above copy bit 47), which
// leaves 28 bits for the space.
constexpr unsigned kVpnBits = 36;
constexpr std::uint64_t kVpnMask = (std::uint64_t{1} << kVpnBits) - 1;
constexpr std::uint64_t kMaxSpaces = std::uint64_t{1} << (64 - kVpnBits);

// The guest page tables that map the touched pages: per space one root, and one PDPT, PD and PT
// per distinct prefix of 9, 18 and 27 bits of the page number.
class TablePages {
 public:
  void add_page(std::uint64_t key) {
    const std::uint64_t space = key & ~kVpnMask, vpn = key & kVpnMask;
    levels_[0].insert(space);
    for (unsigned level = 1; level <= 3; ++level) levels_[level].insert(space | vpn >> (9 * (4 - level)));
  }
  std::uint64_t count() const {
    std::uint64_t n = 0;
    for (const DenseIds& level : levels_) n += level.size();
    return n;
  }

 private:
  DenseIds levels_[4];  // roots, PDPTs, PDs, PTs
};

// Asks Linux to back the whole 2 MiB pages inside [data, data + bytes) with huge pages: a
// reference string of millions of pages then takes a fault per 2 MiB instead of per 4 KiB (on
// the 5M-reference benchmark of bench/README.md, 8 of about 40 ms of numbering). Only a hint:
// where transparent huge pages are off, nothing changes.
void advise_huge_pages(void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(data) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kHuge - 1);
  if (begin < end) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

}  // namespace

PageReferences page_references(const std::string& trace, const TraceOptions& how, const RecordLimits& limits, bool skip_bad) {
  if (!limits.canonical) throw std::invalid_argument("page_references needs canonical addresses");
  auto reader = open_trace(trace, how);
  reader->set_skip_bad(skip_bad);  // names the first skipped records on stderr, once for all the runs
  reader->set_limits(limits);
  PageReferences r;
  // About one reference per record, an .mtr record takes 24 bytes and a text one about as many:
  // reserving that spares most of the copies of a growing vector (and untouched, it costs nothing).
  r.pages.reserve(reader->bytes_total() / mtr::kRecordBytes);
  advise_huge_pages(r.pages.data(), r.pages.capacity() * sizeof(std::uint32_t));
  DenseIds spaces, ids;
  TablePages tables;
  std::uint64_t space_of = ~std::uint64_t{0}, space = 0;  // the previous record's (vm, pid) and its key bits
  std::uint64_t prev = ~std::uint64_t{0};  // the previous reference's page key (the first is in space 0: not this)
  std::vector<TraceRecord> buf(4096);
  while (std::size_t n = reader->read(buf.data(), buf.size())) {
    r.records += n;
    for (std::size_t i = 0; i < n; ++i) {
      const TraceRecord& t = buf[i];
      const std::uint64_t vm_pid = (std::uint64_t{t.vm} << 32) | t.pid;
      if (vm_pid != space_of) {
        const std::uint64_t id = spaces.insert(vm_pid).first;
        if (id >= kMaxSpaces) throw InputError(trace, 0, "pid", "more than 2^28 (vm, pid) address spaces: too many for the bounds");
        space_of = vm_pid, space = id << kVpnBits;
      }
      const std::uint64_t first = t.gva >> 12, last = (t.gva + (t.size ? t.size : 1) - 1) >> 12;
      r.references += last - first + 1;
      for (std::uint64_t vpn = first; vpn <= last; ++vpn) {
        const std::uint64_t key = space | (vpn & kVpnMask);
        if (key == prev) continue;
        prev = key;
        const auto [id, fresh] = ids.insert(key);
        r.pages.push_back(id);
        if (fresh) tables.add_page(key);
      }
    }
  }
  r.page_count = static_cast<std::uint32_t>(ids.size());
  r.table_pages = tables.count();
  return r;
}

}  // namespace mmusim
