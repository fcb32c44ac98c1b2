// kvm.aging = young (kvm_age_hva / kvm_age_rmapp, merged 2.6.27): page_referenced's
// clear_flush_young walks the rmap of the page and test-and-clears the A bit of each spte; young
// if any was set. 2.6.28 then flushes the VM's TLBs (kvm.flush_on_young); 6.13 x86 does not,
// so a page that stays in a TLB sets no A bit and can look cold.
#include "kvm/aging/policies.h"
#include "kvm/kvm.h"

namespace mmusim {

namespace {
class Young : public AgingPolicy {
 public:
  explicit Young(bool flush) : flush_(flush) {}
  bool clear_flush_young(Kvm& kvm, std::uint64_t gfn, CauseCycles& c) override {
    bool young = clear_young(kvm, gfn);
    if (young && flush_) kvm.flush_remote_tlbs(c);
    return young;
  }
  bool clear_young(Kvm& kvm, std::uint64_t gfn) override {
    // kvm_age_rmapp (2.6.27 to 2.6.33): "always return old for EPT" when entries have no A bit.
    if (!kvm.accessed_bits()) return false;
    bool young = false;
    for (Pte* s : kvm.sptes_of(gfn)) {
      young |= s->accessed();
      s->raw &= ~pte_bits::A;
    }
    return young;
  }
  bool test_young(Kvm& kvm, std::uint64_t gfn) override {
    if (!kvm.accessed_bits()) return false;
    for (Pte* s : kvm.sptes_of(gfn))
      if (s->accessed()) return true;
    return false;
  }

 private:
  bool flush_;
};
}  // namespace

std::unique_ptr<AgingPolicy> make_young_policy(const AgingConfig& cfg) { return std::make_unique<Young>(cfg.flush_on_young); }

}  // namespace mmusim
