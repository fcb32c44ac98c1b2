#include "native/native_os.h"

#include <set>
#include <stdexcept>

#include "common/errors.h"
#include "tlb/tlb.h"

namespace mmusim {

std::uint32_t NativeOs::context(std::uint16_t vm, std::uint32_t pid) {
  auto [it, inserted] = ctx_of_.try_emplace({vm, pid}, static_cast<std::uint32_t>(procs_.size()));
  if (inserted) {
    if (procs_.size() >= kMaxContexts) throw std::length_error("too many processes");
    procs_.push_back(Process{vm, pid, std::make_unique<PageTable>(frames_)});
    ++stats_.processes;
  }
  return it->second;
}

void NativeOs::handle_page_fault(std::uint32_t ctx, Vpn vpn) {
  PageTable& pt = table(ctx);
  ++stats_.page_faults;
  // Another CPU of the same process mapped the page since this one's walk failed: nothing to
  // do (the "raced" exit of do_anonymous_page).
  if (Pte* p = pt.leaf(vpn); p && p->present()) {
    if (explaining(explain_)) explain_->emit(Event(EventKind::page_fault).hex("vpn", vpn.v).flag("raced", true));
    return;
  }
  const std::size_t tables = pt.table_pages();
  const auto fault = [&](std::uint64_t frame, const char* size) {
    return Event(EventKind::page_fault).hex("vpn", vpn.v).flag("raced", false).hex("frame", frame)
        .num("tables", pt.table_pages() - tables).word("size", size);
  };
  if (hugetlb_.holds(vpn)) {
    // hugetlb_fault -> hugetlb_no_page (mm/hugetlb.c, 2.6.27): huge_pte_alloc makes the tables
    // down to the pud, which then maps a 1 GiB page from the pool, cleared (clear_huge_page). The
    // pool here is the allocator's free aligned 1 GiB blocks; none left: the process would get
    // SIGBUS, and the run stops.
    const auto first = frames_.alloc_block(18);
    if (!first) {
      const Process& p = procs_.at(ctx);
      throw OutOfMemory("no free 1 GiB page for vm " + std::to_string(p.vm) + " pid " + std::to_string(p.pid) + " in its 1 GiB page at " +
                            std::to_string(vpn.v >> 18) + " GiB: no aligned block of 262,144 free frames is left in host.mem_mb, "
                            "and the process would get SIGBUS",
                        "guest.hugetlb_1g_gib");
    }
    pt.map_large(vpn, *first, pte_bits::W | pte_bits::U, PageSize::k1G);
    ++stats_.hugetlb_1g_pages;
    if (explaining(explain_)) explain_->emit(fault(*first, "1G"));
    return;
  }
  if (thp_) {
    // __handle_mm_fault (2.6.38): pud_alloc and pmd_alloc first; an empty pmd (no pte table, no
    // huge page) goes to do_huge_pmd_anonymous_page, which falls back to the pte path when no
    // huge page can be allocated (THP_FAULT_FALLBACK).
    TableNode* pmd = pt.table_for(vpn, 2);
    const unsigned i = pt_index(vpn, 2);
    if (!pmd->e[i].present() && !pmd->child(i)) {
      if (const auto first = frames_.alloc_block(9)) {
        try {
          pt.new_table(1);  // pte_alloc_one: the page table deposited for a later split
        } catch (...) {     // 2.6.38: no frame for it is VM_FAULT_OOM, not a fallback
          frames_.free_block(*first, 9);
          throw;
        }
        pt.map_large(vpn, *first, pte_bits::W | pte_bits::U, PageSize::k2M);
        ++stats_.huge_pages_mapped;
        if (explaining(explain_)) explain_->emit(fault(*first, "2M"));
        return;
      }
      ++stats_.thp_fault_fallback;
      if (explaining(explain_)) explain_->emit(Event(EventKind::thp_fallback).word("os", "native"));
    }
  }
  const std::uint64_t frame = frames_.alloc();
  pt.map(vpn, frame, pte_bits::W | pte_bits::U);
  if (explaining(explain_)) explain_->emit(fault(frame, "4K"));
}

CheckTarget NativeOs::check_target() const {
  CheckTarget t;
  t.root = [this](std::uint32_t ctx) { return ctx < procs_.size() ? procs_[ctx].table->root() : nullptr; };
  t.table_live = [this](std::uint32_t ctx, std::uint64_t frame, const TableNode* node) {
    return ctx < procs_.size() && procs_[ctx].table->table_at(frame) == node;
  };
  t.frames = &frames_;
  return t;
}

std::vector<std::string> NativeOs::check() const {
  std::vector<std::string> bad;
  std::set<std::uint64_t> seen;
  auto claim = [&](std::uint64_t frame, const std::string& what) {
    if (!frames_.in_use(frame)) bad.push_back(what + " uses free frame " + std::to_string(frame));
    if (!seen.insert(frame).second) bad.push_back(what + " uses frame " + std::to_string(frame) + " twice");
  };
  for (const Process& p : procs_) {
    const std::string who = "vm " + std::to_string(p.vm) + " pid " + std::to_string(p.pid);
    for (const auto& [frame, node] : p.table->tables()) {
      claim(frame, who + " table page");
      for (const Pte& e : node->e) {
        if (!e.present()) continue;
        if (node->level == 1) claim(e.frame(), who + " page");
        if (node->level == 2 && e.large())  // a 2 MiB page: its 512 frames
          for (std::uint64_t f = 0; f < frames(PageSize::k2M); ++f) claim(e.frame() + f, who + " 2 MiB page");
        if (node->level == 3 && e.large())  // a 1 GiB page: its 262,144 frames
          for (std::uint64_t f = 0; f < frames(PageSize::k1G); ++f) claim(e.frame() + f, who + " 1 GiB page");
      }
    }
  }
  if (seen.size() != frames_.used())
    bad.push_back("frames in use (" + std::to_string(frames_.used()) + ") != frames reachable (" +
                  std::to_string(seen.size()) + ")");
  return bad;
}

std::uint64_t NativeOs::table_pages() const {
  std::uint64_t n = 0;
  for (const Process& p : procs_) n += p.table->table_pages();
  return n;
}

const CounterTable<NativeOs>& NativeOs::counters() {
  static const CounterTable<NativeOs> t = {
      {{"page_faults", "faults", CounterKind::Count, "native OS page faults (first touch of a page)"},
       [](const NativeOs& os) { return os.stats().page_faults; }},
      {kProcessesCounter, [](const NativeOs& os) { return os.stats().processes; }},
      {kPageTablePagesCounter, [](const NativeOs& os) { return os.table_pages(); }},
      {kHugePagesMappedCounter, [](const NativeOs& os) { return os.stats().huge_pages_mapped; }},
      {kThpFallbackCounter, [](const NativeOs& os) { return os.stats().thp_fault_fallback; }},
      {kHugetlb1gCounter, [](const NativeOs& os) { return os.stats().hugetlb_1g_pages; }},
  };
  return t;
}

}  // namespace mmusim
