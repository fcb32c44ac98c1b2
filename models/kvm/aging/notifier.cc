// kvm.aging = notifier (mmu notifiers #v2, January 2008): the host may reclaim any guest page and
// invalidate_page zaps its sptes, but clear_flush_young reports nothing: the host learns of guest
// accesses only when KVM faults a page in (FOLL_TOUCH mark_page_accessed) and when a zapped spte
// had its A bit set (rmap_remove).
#include "kvm/aging/policies.h"

namespace mmusim {

std::unique_ptr<AgingPolicy> make_notifier_policy(const AgingConfig&) { return std::make_unique<AgingPolicy>(); }

}  // namespace mmusim
