// kvm.aging = spte-lru (Andrea Arcangeli's proposal of 17 January 2008): sptes are chained in an
// LRU in instantiation order; every X pages the host reclaims from this VM, the oldest spte is
// dropped. If the guest still uses the page, the refault (gfn_to_pfn with FOLL_TOUCH) refreshes
// the host's PG_referenced, and rmap_remove of an accessed spte does too. No pressure, no
// invalidations: nothing is dropped.
#include <list>
#include <unordered_map>

#include "kvm/aging/policies.h"
#include "kvm/kvm.h"

namespace mmusim {

namespace {
class SpteLru : public AgingPolicy {
 public:
  explicit SpteLru(std::uint64_t every) : every_(every) {}
  void spte_installed(Kvm&, Pte* spte, Gfn, PageSize) override {
    chain_.push_back(spte);
    where_[spte] = std::prev(chain_.end());
  }
  void spte_dropped(Kvm&, Pte* spte, Gfn, PageSize) override {
    const auto it = where_.find(spte);
    chain_.erase(it->second);
    where_.erase(it);
  }
  void page_invalidated(Kvm& kvm, CauseCycles& c) override {
    if (++reclaimed_ % every_ != 0 || chain_.empty()) return;
    kvm.drop_spte_for_aging(chain_.front(), Kvm::ZapReason::LruDrop, c);
  }

 private:
  std::uint64_t every_, reclaimed_ = 0;
  std::list<Pte*> chain_;  // oldest first
  std::unordered_map<Pte*, std::list<Pte*>::iterator> where_;  // lookup only: never iterated
};
}  // namespace

std::unique_ptr<AgingPolicy> make_spte_lru_policy(const AgingConfig& cfg) {
  return std::make_unique<SpteLru>(cfg.spte_lru_drop_every);
}

}  // namespace mmusim
