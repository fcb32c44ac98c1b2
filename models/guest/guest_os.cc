#include "guest/guest_os.h"

#include "common/errors.h"

namespace mmusim {

GuestOs::GuestOs(std::uint64_t frames, std::string name, Cycles fault_cycles, bool dirty_at_fault, bool thp)
    : frames_(frames, std::move(name), "guest.mem_mb"), fault_cycles_(fault_cycles), dirty_at_fault_(dirty_at_fault), thp_(thp) {}

PageTable& GuestOs::process(std::uint32_t pid, CauseCycles* cost) {
  if (auto it = procs_.find(pid); it != procs_.end()) return *it->second;
  auto table = std::make_unique<PageTable>(frames_);  // built before it is listed: a throw leaves no trace
  table_at_gfn_[table->root_frame()] = table->root();
  const CauseCycles c = cleared(table->root_frame());
  if (cost) *cost += c;
  ++stats_.processes;
  return *procs_.emplace(pid, std::move(table)).first->second;
}

CauseCycles GuestOs::store(TableNode* table, unsigned index, Pte value, TableNode* child) {
  const Pte old = table->e[index];
  table->e[index] = value;
  if (child) table->set_child(index, child);
  ++stats_.pte_writes;
  return hooks_ ? hooks_->guest_pte_write(table, index, old, value) : CauseCycles{};
}

CauseCycles GuestOs::handle_page_fault(std::uint32_t pid, Vpn vpn, bool write) {
  CauseCycles c;
  PageTable& pt = process(pid, &c);
  c.guest_fault += fault_cycles_;
  ++stats_.page_faults;
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_fault).num("pid", pid).hex("vpn", vpn.v));
  if (hugetlb_.holds(vpn)) {
    hugetlb_fault(pt, pid, vpn, c);
    return c;
  }
  TableNode* t = pt.root();
  for (unsigned level = kLevels; level > 1; --level) {  // pud_alloc, pmd_alloc, pte_alloc
    const unsigned i = pt_index(vpn, level);
    if (level == 2 && t->e[i].large()) {  // another vCPU of this process mapped its 2 MiB page meanwhile
      if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", true).word("size", "2M"));
      return c;
    }
    if (level == 2 && thp_ && !t->child(i)) {  // pmd_none: do_huge_pmd_anonymous_page
      if (const auto first = frames_.alloc_block(9)) {
        TableNode* deposit;
        try {
          deposit = pt.new_table(1);  // pte_alloc_one: the page table deposited for a later split
        } catch (...) {               // 2.6.38: no frame for it is VM_FAULT_OOM, not a fallback
          frames_.free_block(*first, 9);
          throw;
        }
        table_at_gfn_[deposit->frame] = deposit;
        if (explaining(explain_)) explain_->emit(Event(EventKind::guest_table_new).num("level", 1).hex("gfn", deposit->frame).hex("parent", t->frame).num("index", i).flag("deposited", true));
        c += cleared(deposit->frame);  // PGALLOC_GFP has __GFP_ZERO
        if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", false).hex("gfn", *first).word("size", "2M"));
        for (std::uint64_t f = 0; f < mmusim::frames(PageSize::k2M); ++f) c += cleared(*first + f);  // clear_huge_page
        if (explaining(explain_)) explain_->emit(Event(EventKind::guest_pte_set).hex("gfn", *first).hex("table", t->frame).num("index", i).flag("dirty", true).word("size", "2M"));
        c += store(t, i, Pte::make(*first, pte_bits::W | pte_bits::U | pte_bits::A | pte_bits::D | pte_bits::PS));
        ++stats_.huge_pages_mapped;
        return c;
      }
      ++stats_.thp_fault_fallback;
      if (explaining(explain_)) explain_->emit(Event(EventKind::thp_fallback).word("os", "guest"));
    }
    t = table_below(pt, t, i, c);
  }
  const unsigned i = pt_index(vpn, 1);
  if (t->e[i].present()) {  // another vCPU of this process mapped it meanwhile
    if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", true).word("size", "4K"));
    return c;
  }
  const std::uint64_t frame = frames_.alloc();
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", false).hex("gfn", frame).word("size", "4K"));
  c += cleared(frame);
  const bool dirty = dirty_at_fault_ || write;
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_pte_set).hex("gfn", frame).hex("table", t->frame).num("index", i).flag("dirty", dirty).word("size", "4K"));
  c += store(t, i, Pte::make(frame, pte_bits::W | pte_bits::U | pte_bits::A | (dirty ? pte_bits::D : 0)));
  return c;
}

TableNode* GuestOs::table_below(PageTable& pt, TableNode* t, unsigned i, CauseCycles& c) {
  if (TableNode* child = t->child(i)) return child;
  TableNode* child = pt.new_table(t->level - 1);
  table_at_gfn_[child->frame] = child;
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_table_new).num("level", t->level - 1).hex("gfn", child->frame).hex("parent", t->frame).num("index", i).flag("deposited", false));
  c += cleared(child->frame);
  c += store(t, i, Pte::make(child->frame, pte_bits::W | pte_bits::U | pte_bits::A), child);
  return child;
}

// hugetlb_fault -> hugetlb_no_page (mm/hugetlb.c; 1 GiB pages from 2.6.27): huge_pte_alloc makes
// the pud table, then a 1 GiB page from the pool is cleared (clear_huge_page: each of its frames,
// which the host backs) and the pud maps it P|W|U|A|D|PS (make_huge_pte of a writable mapping).
// The pool is the free aligned 1 GiB blocks of guest memory; none left: the process would get
// SIGBUS, and the run stops.
void GuestOs::hugetlb_fault(PageTable& pt, std::uint32_t pid, Vpn vpn, CauseCycles& c) {
  TableNode* pud = table_below(pt, pt.root(), pt_index(vpn, kLevels), c);
  const unsigned i = pt_index(vpn, 3);
  if (pud->e[i].present()) {  // another vCPU of this process mapped it meanwhile
    if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", true).word("size", "1G"));
    return;
  }
  const auto first = frames_.alloc_block(18);
  if (!first)
    throw OutOfMemory(frames_.name() + ": no free 1 GiB page for pid " + std::to_string(pid) + " in its 1 GiB page at " +
                          std::to_string(vpn.v >> 18) + " GiB: no aligned block of 262,144 free frames is left in guest.mem_mb, "
                          "and the process would get SIGBUS",
                      "guest.hugetlb_1g_gib");
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_page_new).flag("raced", false).hex("gfn", *first).word("size", "1G"));
  for (std::uint64_t f = 0; f < mmusim::frames(PageSize::k1G); ++f) c += cleared(*first + f);
  if (explaining(explain_)) explain_->emit(Event(EventKind::guest_pte_set).hex("gfn", *first).hex("table", pud->frame).num("index", i).flag("dirty", true).word("size", "1G"));
  c += store(pud, i, Pte::make(*first, pte_bits::W | pte_bits::U | pte_bits::A | pte_bits::D | pte_bits::PS));
  ++stats_.hugetlb_1g_pages;
}

TableNode* GuestOs::table_at(std::uint64_t gfn) const {
  const auto it = table_at_gfn_.find(gfn);
  return it == table_at_gfn_.end() ? nullptr : it->second;
}

std::size_t GuestOs::table_pages() const {
  std::size_t n = 0;
  for (const auto& [pid, pt] : procs_) n += pt->table_pages();
  return n;
}

const CounterTable<GuestOs>& GuestOs::counters() {
  static const CounterTable<GuestOs> t = {
      {{"guest_page_faults", "faults", CounterKind::Count, "guest OS page faults (shadow mode)"},
       [](const GuestOs& g) { return g.stats().page_faults; }},
      {kProcessesCounter, [](const GuestOs& g) { return g.stats().processes; }},
      {kPageTablePagesCounter, [](const GuestOs& g) { return static_cast<std::uint64_t>(g.table_pages()); }},
      {kHugePagesMappedCounter, [](const GuestOs& g) { return g.stats().huge_pages_mapped; }},
      {kThpFallbackCounter, [](const GuestOs& g) { return g.stats().thp_fault_fallback; }},
      {kHugetlb1gCounter, [](const GuestOs& g) { return g.stats().hugetlb_1g_pages; }},
      {{"guest_frames_used", "frames", CounterKind::Level, "guest frames in use at the end, summed over VMs (shadow mode)"},
       [](const GuestOs& g) { return g.frames().used(); }},
  };
  return t;
}

}  // namespace mmusim
