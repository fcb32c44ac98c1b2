#include "host/host_memory.h"

#include <stdexcept>
#include <string>

namespace mmusim {

HostMemory::HostMemory(std::uint64_t frames) : frames_(frames, "host"), pages_(frames) {}

HostMemory::~HostMemory() = default;

void HostMemory::add_vm(std::uint64_t guest_frames) {
  auto table = std::make_unique<PageTable>(frames_, [this](std::uint64_t f) { pages_[f].use = HostPage::Use::HostPageTable; });
  vms_.push_back(Vm{guest_frames, std::move(table)});
}

std::uint64_t HostMemory::take_frame(HostPage::Use use) {
  const std::uint64_t f = frames_.alloc();
  pages_[f] = HostPage{};
  pages_[f].use = use;
  return f;
}

HostMemory::Gup HostMemory::gfn_to_pfn(std::uint16_t vm, Gfn gfn, bool write) {
  Vm& v = vms_.at(vm);
  if (gfn.v >= v.guest_frames) throw std::logic_error("gfn outside the VM's memslot");
  ++stats_.gup_calls;
  const Vpn hvpn{gfn_to_hva(vm, gfn).v >> kPageShift};
  Gup g;
  Pte* p = v.table->leaf(hvpn);
  if (!p || !p->present()) {
    // do_anonymous_page: a new private page, its pte young (and dirty when written).
    const std::uint64_t f = take_frame(HostPage::Use::GuestMemory);
    pages_[f].vm = vm;
    pages_[f].gfn = gfn.v;
    pages_[f].mapcount = 1;
    try {
      p = &v.table->map(hvpn, f, pte_bits::W | pte_bits::U | pte_bits::A | (write ? pte_bits::D : 0));
    } catch (...) {  // no frame left for a host page table: give the data frame back
      pages_[f] = HostPage{};
      frames_.free(f);
      throw;
    }
    if (write) pages_[f].dirty = true;
    g.minor_fault = true;
    ++stats_.minor_faults;
  }
  g.pfn = Pfn{p->frame()};
  HostPage& pg = pages_[g.pfn.v];
  // follow_page, FOLL_TOUCH (mm/memory.c, 2.6.28).
  if (write && !p->dirty() && !pg.dirty) pg.dirty = true;
  mark_page_accessed(g.pfn);
  return g;
}

void HostMemory::mark_page_accessed(Pfn pfn) {
  HostPage& p = pages_[pfn.v];
  if (p.active && p.referenced) return;
  if (!p.referenced) {
    p.referenced = true;
  } else {  // referenced: activate_page, and PG_referenced starts over
    p.active = true;
    p.referenced = false;
  }
}

std::uint64_t HostMemory::alloc_kernel_page() { return take_frame(HostPage::Use::ShadowPage); }

void HostMemory::free_kernel_page(std::uint64_t pfn) {
  if (pages_.at(pfn).use != HostPage::Use::ShadowPage) throw std::logic_error("free of a frame that is no shadow page");
  pages_[pfn] = HostPage{};
  frames_.free(pfn);
}

std::vector<std::string> HostMemory::check() const {
  std::vector<std::string> bad;
  std::vector<std::uint8_t> seen(pages_.size(), 0);
  for (std::size_t vm = 0; vm < vms_.size(); ++vm) {
    for (const auto& [frame, node] : vms_[vm].table->tables()) {
      ++seen[frame];
      if (pages_[frame].use != HostPage::Use::HostPageTable)
        bad.push_back("host table page " + std::to_string(frame) + " not marked as a page table");
      if (node->level != 1) continue;
      for (unsigned i = 0; i < kEntriesPerTable; ++i) {
        const Pte& e = node->e[i];
        if (!e.present()) continue;
        const HostPage& pg = pages_[e.frame()];
        ++seen[e.frame()];
        if (pg.use != HostPage::Use::GuestMemory || pg.vm != vm)
          bad.push_back("host pte of vm " + std::to_string(vm) + " maps frame " + std::to_string(e.frame()) +
                        " that is not its guest memory");
      }
    }
  }
  std::uint64_t used = 0;
  for (std::size_t f = 0; f < pages_.size(); ++f) {
    const bool in_use = frames_.in_use(f);
    used += in_use;
    const bool shadow = pages_[f].use == HostPage::Use::ShadowPage;
    if (in_use && seen[f] + shadow != 1)
      bad.push_back("host frame " + std::to_string(f) + " accounted for " + std::to_string(seen[f] + shadow) + " times");
    if (!in_use && (seen[f] || pages_[f].use != HostPage::Use::Free))
      bad.push_back("free host frame " + std::to_string(f) + " still in use");
  }
  if (used != frames_.used()) bad.push_back("host frame count mismatch");
  return bad;
}

}  // namespace mmusim
