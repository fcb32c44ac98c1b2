#include "kvm/tdp_mmu.h"

#include <stdexcept>

#include "kvm/kvm_mmu_page.h"

namespace mmusim {

namespace {
// EPT entries as Pte bits: P = readable, W = writable, NX clear = executable (EPT's R/W/X); A and
// D (EPT bits 8 and 9) are kept at the x86 positions, as the walker sets them.
constexpr std::uint64_t kEptRwx = pte_bits::W;  // P is added by Pte::make

// The gfn that the entry `index` of a table of `level` starting at `first` covers first.
std::uint64_t child_first_gfn(std::uint64_t first, unsigned level, unsigned index) {
  return first + (std::uint64_t{index} << (9 * (level - 1)));
}
}  // namespace

TdpMmu::TdpMmu(std::uint16_t vm, HostMemory& host, GuestOs& guest, const KvmConfig& cfg)
    : Kvm(vm, host, cfg), guest_(guest) {
  guest_.set_hooks(this);
}

TdpMmu::~TdpMmu() { guest_.set_hooks(nullptr); }

CauseCycles TdpMmu::guest_frame_cleared(std::uint64_t gfn) {
  CauseCycles c;
  gfn_to_pfn(gfn, c);
  return c;
}

TdpMmu::EptTable* TdpMmu::new_table(unsigned level, std::uint64_t first_gfn, CauseCycles& c) {
  const std::uint64_t frame = host_.alloc_kernel_page(now_() + c.total(), &c, vm_);
  auto owned = std::make_unique<EptTable>(level, first_gfn);
  EptTable* t = owned.get();
  t->node.frame = frame;
  table_at_entry_[&t->node.e[0]] = t;
  tables_.emplace(frame, std::move(owned));
  ++stats_.shadow_pages_created;
  if (ex()) explain_->emit(Event(EventKind::ept_table_new).num("level", level).hex("pfn", frame).hex("first_gfn", first_gfn));
  return t;
}

Pte* TdpMmu::ept_entry(std::uint64_t gfn) const { return root_ ? leaf_entry(&root_->node, Vpn{gfn}) : nullptr; }

// kvm_mmu_new_cr3 under TDP does nothing the hardware needs: the guest's CR3 write does not exit
// (VMX's CR3-load exiting is off with EPT) and the TLBs are tagged, as in native mode.
TableNode* TdpMmu::new_cr3(unsigned cpu, std::uint32_t pid, bool, CauseCycles& c) {
  const InVcpu in(*this, cpu);
  vcpus_.at(cpu);
  if (!root_) root_ = new_table(kLevels, 0, c);  // mmu_alloc_roots: the EPT root, at the first load
  PageTable& gpt = guest_.process(pid, &c);
  pid_of_[cpu] = pid;
  if (ex()) explain_->emit(Event(EventKind::cr3_load).num("pid", pid).flag("exit", false).hex("gfn", gpt.root_frame()));
  return gpt.root();
}

CauseCycles TdpMmu::page_fault(unsigned cpu, Vpn vpn, bool write, bool, const Translation& t) {
  const InVcpu in(*this, cpu);
  CauseCycles c;
  if (t.fault_dimension == WalkDimension::Virtual) {
    // The guest's own #PF: the hardware delivers it to the guest without an exit.
    if (t.fault == WalkStatus::Protection) throw std::logic_error("guest protection fault: guest ptes are writable");
    ++stats_.guest_pf_direct;
    if (ex()) explain_->emit(Event(EventKind::guest_walk).word("result", "nested"));
    c += guest_.handle_page_fault(pid_of_.at(cpu), vpn, write);
    return c;
  }
  const std::uint64_t gfn = t.fault_gfn;
  if (Pte* e = ept_entry(gfn); e && policy_->restore(*this, e)) {
    // An entry the aging policy made non-present (access tracking): the fast page fault restores it.
    vm_exit(cpu, ExitReason::AccessTrack, c);
    c.shadow_fault += cfg_.aging.fast_fault_cycles;
    if (ex()) explain_->emit(Event(EventKind::fast_fault).word("table", "ept").hex("gfn", gfn));
    return c;
  }
  // tdp_page_fault (2.6.28): mmu_topup_memory_caches, read mmu_notifier_seq, gfn_to_pfn, then
  // under mmu_lock the retry check and __direct_map.
  vm_exit(cpu, ExitReason::EptViolation, c);
  c.shadow_fault += cfg_.tdp_fault_cycles;
  // The EPT tables the mapping needs come from the caches topped up before the seq is read. With
  // host huge pages the level-1 table waits until the host page's size is known.
  ept_tables(gfn, cfg_.host_thp ? 2 : 1, c);
  const std::uint64_t seq = mmu_notifier_seq();
  const Pfn pfn = gfn_to_pfn(gfn, c);
  if (c.major_fault) {  // asleep on the swap read: continued by finish_fault
    if (ex()) explain_->emit(Event(EventKind::fault_sleep));
    sleeping_[cpu] = Sleeping{true, write, seq, gfn, pfn};
    return c;
  }
  direct_map(gfn, pfn, write, seq, c);
  return c;
}

TableNode* TdpMmu::ept_tables(std::uint64_t gfn, unsigned down_to, CauseCycles& c) {
  TableNode* table = &root_->node;
  for (unsigned level = kLevels; level > down_to; --level) {
    const unsigned i = pt_index(Vpn{gfn}, level);
    if (!table->e[i].present()) {
      const EptTable* first = table_of(&table->e[0]);
      EptTable* child = new_table(level - 1, child_first_gfn(first->first_gfn, level, i), c);
      table->e[i] = Pte::make(child->node.frame, kEptRwx);
      table->set_child(i, &child->node);
    }
    table = table->child(i);
  }
  return table;
}

CauseCycles TdpMmu::finish_fault(unsigned cpu) {
  const InVcpu in(*this, cpu);
  CauseCycles c;
  Sleeping& s = sleeping_[cpu];
  if (!s.asleep) return c;
  s.asleep = false;
  if (ex()) explain_->emit(Event(EventKind::swap_read_done).flag("retry", false));
  direct_map(s.gfn, s.pfn, s.write, s.seq, c);
  return c;
}

// __direct_map's leaf (mmu_set_spte with ACC_ALL): the entry maps `pfn` readable, writable and
// executable. With EPT A/D bits it is made accessed, and dirty on a write fault (later kernels'
// make_spte); 2.6.28's EPT has neither bit (shadow_accessed_mask = 0).
void TdpMmu::direct_map(std::uint64_t gfn, Pfn pfn, bool write, std::uint64_t seq, CauseCycles& c) {
  if (mmu_notifier_retry(seq)) {
    ++stats_.notifier_retries;
    if (ex()) explain_->emit(Event(EventKind::notifier_retry));
    return;
  }
  if (cfg_.host_thp && map_large(gfn, pfn, write, c)) return;
  Pte* e = ept_entry(gfn);
  if (!e) throw std::logic_error("EPT tables missing under a fault that made them");
  if (spte_mapped(*e)) {  // another vCPU mapped it while this one slept (the same page: no invalidation ran)
    if (e->frame() != pfn.v) throw std::logic_error("an EPT entry mapped elsewhere with no invalidation since");
    return;
  }
  std::uint64_t bits = kEptRwx;
  if (cfg_.ept_ad_bits) bits |= pte_bits::A | (write ? pte_bits::D : 0);
  *e = Pte::make(pfn.v, bits);
  ++stats_.sptes_created;
  rmap_add(gfn, e, PageSize::k4K);
  if (ex()) explain_->emit(Event(EventKind::ept_install).hex("gfn", gfn).hex("pfn", pfn.v));
}

// transparent_hugepage_adjust (arch/x86/kvm/mmu.c, 2.6.38): a gfn the host backs with a huge page
// gets a 2 MiB EPT entry for its 2 MiB range, when the level-2 slot holds no EPT table yet (KVM
// would replace one; here the range then stays 4 KiB). Returns whether it mapped (or found) one.
// Else the level-1 table the 4 KiB entry needs is made.
bool TdpMmu::map_large(std::uint64_t gfn, Pfn pfn, bool write, CauseCycles& c) {
  const LeafRef h = host_.host_leaf(vm_, Gfn{gfn});
  TableNode* pd = ept_tables(gfn, 2, c);
  Pte& e = pd->e[pt_index(Vpn{gfn}, 2)];
  const std::uint64_t first_gfn = gfn & ~std::uint64_t{511}, first_pfn = pfn.v - (gfn & 511);
  if (e.large() && spte_mapped(e)) {  // another vCPU mapped it while this one slept
    if (e.frame() != first_pfn) throw std::logic_error("a 2 MiB EPT entry mapped elsewhere with no invalidation since");
    return true;
  }
  if (h.size == PageSize::k4K || pd->child(pt_index(Vpn{gfn}, 2))) {
    ept_tables(gfn, 1, c);
    return false;
  }
  std::uint64_t bits = kEptRwx | pte_bits::PS;
  if (cfg_.ept_ad_bits) bits |= pte_bits::A | (write ? pte_bits::D : 0);
  e = Pte::make(first_pfn, bits);
  ++stats_.sptes_created;
  ++stats_.large_sptes;
  rmap_add(first_gfn, &e, PageSize::k2M);
  if (ex())
    explain_->emit(Event(EventKind::ept_install).hex("gfn", first_gfn).hex("pfn", first_pfn).word("size", "2M"));
  return true;
}

const TdpMmu::EptTable* TdpMmu::table_of(const Pte* e) const {
  auto it = table_at_entry_.upper_bound(e);
  if (it == table_at_entry_.begin()) throw std::logic_error("EPT entry outside every EPT table");
  return std::prev(it)->second;
}

std::uint64_t TdpMmu::gfn_of_leaf(const Pte* spte) const {
  const EptTable* t = table_of(spte);
  return child_first_gfn(t->first_gfn, t->node.level, static_cast<unsigned>(spte - &t->node.e[0]));
}

// rmap_remove of an EPT leaf (invalidation, aging): its A bit refreshes the host page, a writable
// one dirties it (Kvm::rmap_remove); the entry is cleared. The tables stay.
void TdpMmu::drop_leaf(Pte* spte) {
  rmap_remove(gfn_of_leaf(spte), spte, size_at_level(table_of(spte)->node.level));
  ++stats_.sptes_zapped;
  *spte = Pte{};
}

TableNode* TdpMmu::root_of_pid(std::uint32_t pid) const {
  const std::uint64_t gfn = guest_.process_root_frame(pid);
  return gfn == ~std::uint64_t{0} ? nullptr : guest_.table_at(gfn);
}

bool TdpMmu::table_live(std::uint64_t gfn, const TableNode* node) const {
  if (guest_.table_at(gfn) != node) return false;
  const Pte* e = ept_entry(gfn);
  return e && e->present();
}

bool TdpMmu::ept_table_live(std::uint64_t frame, const TableNode* node) const {
  const auto it = tables_.find(frame);
  return it != tables_.end() && &it->second->node == node;
}

std::vector<std::string> TdpMmu::check() const {
  std::vector<std::string> bad;
  const std::string vm = "vm " + std::to_string(vm_);
  std::size_t leaves = 0;
  for (const auto& [frame, t] : tables_) {
    const std::string who = vm + " EPT table level " + std::to_string(t->node.level) + " at pfn " + to_hex(frame);
    if (!host_.frames().in_use(frame)) bad.push_back(who + ": its frame is free");
    for (unsigned i = 0; i < kEntriesPerTable; ++i) {
      const Pte& e = t->node.e[i];
      if (t->node.level > 1 && !(t->node.level == 2 && e.large())) {
        if (!e.present()) continue;
        const auto it = tables_.find(e.frame());
        if (it == tables_.end() || t->node.child(i) != &it->second->node ||
            it->second->first_gfn != child_first_gfn(t->first_gfn, t->node.level, i))
          bad.push_back(who + " entry " + std::to_string(i) + ": points at no EPT table of its range");
        continue;
      }
      if (!spte_mapped(e)) continue;
      ++leaves;
      const bool large = t->node.level == 2;
      const std::uint64_t gfn = child_first_gfn(t->first_gfn, t->node.level, i);
      const std::string at = vm + " EPT entry of gfn " + to_hex(gfn) + (large ? " (2 MiB)" : "");
      if (!(large ? rmap_pde_.contains(gfn >> 9, &e) : rmap_.contains(gfn, &e))) bad.push_back(at + ": not in the rmap");
      // A 2 MiB entry: every gfn of its range where the host maps it (a split keeps the frames).
      for (std::uint64_t k = 0; k < (large ? 512u : 1u); ++k) {
        const LeafRef h = host_.host_leaf(vm_, Gfn{gfn + k});
        if (!h.pte || !h.pte->present() || h.frame_of(Vpn{gfn + k}) != e.frame() + k) {
          bad.push_back(at + ": maps pfn " + to_hex(e.frame() + k) + " but the host maps gfn " + to_hex(gfn + k) + " elsewhere");
          break;
        }
      }
      if (!host_.frames().in_use(e.frame())) bad.push_back(at + ": maps a free frame");
      if (!cfg_.ept_ad_bits && (e.accessed() || e.dirty())) bad.push_back(at + ": A or D set without EPT A/D bits");
    }
  }
  if (rmap_.size() + rmap_pde_.size() != leaves)
    bad.push_back(vm + ": rmap holds " + std::to_string(rmap_.size() + rmap_pde_.size()) + " entries, the EPT " + std::to_string(leaves));
  return bad;
}

}  // namespace mmusim
