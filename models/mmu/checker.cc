#include "mmu/checker.h"

#include <sstream>

namespace mmusim {

namespace {
std::string hex(std::uint64_t v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}
}  // namespace

std::vector<std::string> check_translation_caches(const Mmu& mmu, const CheckTarget& target) {
  std::vector<std::string> bad;
  for (const Tlb* tlb : {&mmu.l1i(), &mmu.l1d(), &mmu.stlb(), mmu.l1i_2m(), mmu.l1d_2m(), mmu.l1d_1g(), mmu.stlb_1g()}) {
    if (!tlb) continue;  // no arrays of that size yet
    for (const TlbEntry& e : tlb->all_entries()) {
      if (!e.valid()) continue;
      const std::uint32_t ctx = key_ctx(e.key);
      const Vpn vpn = key_vpn(e.key);  // of a large entry, its first 4 KiB page
      const bool large = key_large(e.key);
      const std::string who = tlb->name() + " entry ctx " + std::to_string(ctx) + " vpn " + hex(vpn.v) +
                              (e.size == PageSize::k1G ? " (1 GiB)" : large ? " (2 MiB)" : "");
      if (key_size(e.key) != e.size) bad.push_back(who + ": its key and its page size disagree");
      TableNode* root = target.root(ctx);
      const LeafRef g = root ? leaf_ref(root, vpn) : LeafRef{};
      const Pte* p = g.pte;
      if (!p || !p->present()) {
        bad.push_back(who + ": no present PTE");
        continue;
      }
      // A large entry needs a leaf of its size or more in every dimension.
      if (g.size < e.size) bad.push_back(who + ": the PTE maps a smaller page");
      Pte leaf = *p;  // what the tables grant together
      std::uint64_t frame = g.frame_of(vpn);
      if (TableNode* ept = target.ept_root ? target.ept_root(ctx) : nullptr) {
        const std::uint64_t gfn = frame;
        const LeafRef h = leaf_ref(ept, Vpn{gfn});
        const Pte* ep = h.pte;
        if (!ep || !ep->present()) {
          bad.push_back(who + ": gfn " + hex(gfn) + " has no present EPT entry");
          continue;
        }
        if (h.size < e.size) bad.push_back(who + ": the EPT maps gfn " + hex(gfn) + " with a smaller page");
        const bool dirty = p->dirty() && (!mmu.config().ept_ad_bits || ep->dirty());
        leaf = Pte::make(ep->frame(), (p->writable() && ep->writable() ? pte_bits::W : 0) | (dirty ? pte_bits::D : 0));
        frame = h.frame_of(Vpn{gfn});
      }
      if (frame != e.frame) bad.push_back(who + ": frame " + hex(e.frame) + " but PTE says " + hex(frame));
      if (e.writable && !leaf.writable()) bad.push_back(who + ": writable but the PTE is not");
      if (e.dirty && !leaf.dirty()) bad.push_back(who + ": dirty but the PTE is clean");
      if (!target.frames->in_use(e.frame)) bad.push_back(who + ": maps free frame " + hex(e.frame));
    }
  }
  for (const PageWalkCache::Entry& e : mmu.pwc().entries()) {
    if (!e.valid()) continue;
    const std::uint32_t ctx = key_ctx(e.tag);
    if (!target.table_live(ctx, e.table_frame, e.table) || e.table->level != e.level)
      bad.push_back("pwc entry ctx " + std::to_string(ctx) + " level " + std::to_string(e.level) +
                    ": table frame " + hex(e.table_frame) + " is gone");
  }
  if (!target.ept_root_of_vm) return bad;
  for (const PageWalkCache::Entry& e : mmu.ept_pwc().entries()) {
    if (!e.valid()) continue;
    const std::uint32_t vm = key_ctx(e.tag);
    if (!target.ept_table_live(vm, e.table_frame, e.table) || e.table->level != e.level)
      bad.push_back("EPT pwc entry vm " + std::to_string(vm) + " level " + std::to_string(e.level) + ": EPT table " +
                    hex(e.table_frame) + " is gone");
  }
  if (const Tlb* ntlb = mmu.ntlb()) {
    for (const TlbEntry& e : ntlb->all_entries()) {
      if (!e.valid()) continue;
      const std::uint32_t vm = key_ctx(e.key);
      const std::uint64_t gfn = key_vpn(e.key).v;
      const std::string who = "nested TLB entry vm " + std::to_string(vm) + " gfn " + hex(gfn);
      TableNode* ept = target.ept_root_of_vm(vm);
      const LeafRef h = ept ? leaf_ref(ept, Vpn{gfn}) : LeafRef{};
      const Pte* ep = h.pte;
      if (!ep || !ep->present()) {
        bad.push_back(who + ": no present EPT entry");
        continue;
      }
      if (h.frame_of(Vpn{gfn}) != e.frame)
        bad.push_back(who + ": pfn " + hex(e.frame) + " but the EPT says " + hex(h.frame_of(Vpn{gfn})));
      if (e.writable && !ep->writable()) bad.push_back(who + ": writable but the EPT entry is not");
      if (!target.frames->in_use(e.frame)) bad.push_back(who + ": maps free frame " + hex(e.frame));
    }
  }
  return bad;
}

}  // namespace mmusim
