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
  for (const Tlb* tlb : {&mmu.l1i(), &mmu.l1d(), &mmu.stlb()}) {
    for (const TlbEntry& e : tlb->all_entries()) {
      if (!e.valid()) continue;
      const std::uint32_t ctx = key_ctx(e.key);
      const Vpn vpn = key_vpn(e.key);
      const std::string who = tlb->name() + " entry ctx " + std::to_string(ctx) + " vpn " + hex(vpn.v);
      TableNode* root = target.root(ctx);
      const Pte* p = root ? leaf_entry(root, vpn) : nullptr;
      if (!p || !p->present()) {
        bad.push_back(who + ": no present PTE");
        continue;
      }
      if (p->frame() != e.frame) bad.push_back(who + ": frame " + hex(e.frame) + " but PTE says " + hex(p->frame()));
      if (e.writable && !p->writable()) bad.push_back(who + ": writable but the PTE is not");
      if (e.dirty && !p->dirty()) bad.push_back(who + ": dirty but the PTE is clean");
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
  return bad;
}

}  // namespace mmusim
