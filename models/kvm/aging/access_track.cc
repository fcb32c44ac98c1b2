// kvm.aging = access-track (hardware without A bits in its sptes, EPT without A/D): aging makes
// the page's sptes non-present, and "young" means the guest touched the page since the last
// aging (an spte came back). 2.6.34 zaps them (the next touch is a full shadow page fault,
// kvm.access_track = zap); 4.14+ marks them access-tracked and a fast page fault restores them
// (kvm.access_track = mark).
#include "kvm/aging/policies.h"
#include "kvm/kvm_mmu_page.h"
#include "kvm/kvm.h"

namespace mmusim {

namespace {
constexpr std::uint64_t kTracked = spte_bits::AccessTracked;

class AccessTrack : public AgingPolicy {
 public:
  explicit AccessTrack(bool mark) : mark_(mark) {}
  bool clear_flush_young(Kvm& kvm, std::uint64_t gfn, CauseCycles& c) override {
    bool young = false, changed = false;
    for (Pte* s : kvm.sptes_of(gfn)) {
      if (!s->present()) continue;  // already marked: not touched since
      young = true;
      // These sptes have no A bit (EPT without A/D: shadow_accessed_mask is 0): dropping or
      // marking one must not look like an access to rmap_remove.
      s->raw &= ~pte_bits::A;
      if (mark_) {
        s->raw = (s->raw & ~pte_bits::P) | kTracked;
        changed = true;
      } else {
        kvm.drop_spte_for_aging(s, Kvm::ZapReason::Aging, c);
      }
    }
    if (changed) kvm.flush_remote_tlbs(c);
    return young;
  }
  bool test_young(Kvm& kvm, std::uint64_t gfn) override {
    for (Pte* s : kvm.sptes_of(gfn))
      if (s->present()) return true;
    return false;
  }
  bool restore(Kvm& kvm, Pte* spte) override {
    if (!(spte->raw & kTracked)) return false;
    spte->raw = (spte->raw & ~kTracked) | pte_bits::P | (kvm.accessed_bits() ? pte_bits::A : 0);
    return true;
  }

 private:
  bool mark_;
};
}  // namespace

std::unique_ptr<AgingPolicy> make_access_track_policy(const AgingConfig& cfg) {
  return std::make_unique<AccessTrack>(cfg.access_track_mark);
}

}  // namespace mmusim
