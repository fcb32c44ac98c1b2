// kvm.aging = pinned (kvm-47 / 2.6.25 with the mmu notifier off; 2.6.24 pins all guest memory):
// every present spte holds a reference on its page (get_page at gfn_to_pfn), so the host cannot
// free a page any spte maps; the reference goes with the spte (shadow page eviction, zaps).
#include "host/host_memory.h"
#include "kvm/aging/policies.h"
#include "kvm/kvm.h"

namespace mmusim {

namespace {
class Pinned : public AgingPolicy {
 public:
  void spte_installed(Kvm& kvm, Pte* spte, Gfn, PageSize) override { kvm.host().pin(Pfn{spte->frame()}); }
  void spte_dropped(Kvm& kvm, Pte* spte, Gfn, PageSize) override { kvm.host().unpin(Pfn{spte->frame()}); }
};
}  // namespace

std::unique_ptr<AgingPolicy> make_pinned_policy(const AgingConfig&) { return std::make_unique<Pinned>(); }

}  // namespace mmusim
