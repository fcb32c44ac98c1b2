// KVM's reverse map (2.6.28 arch/x86/kvm/mmu.c: rmap_add, rmap_remove, rmap_next): for each gfn
// of a VM, the leaf sptes that map it, in the order they were added. KVM keeps one word per gfn
// of the memslot (`rmapp`): the one spte itself, or descriptors holding more. Likewise here: a
// slot per gfn, up to the highest gfn ever mapped (guest frames are handed out in ascending
// order), holding one spte inline and any further ones in a list.
#pragma once
#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "paging/pte.h"

namespace mmusim {

class Rmap {
 public:
  void add(std::uint64_t gfn, Pte* spte) {
    if (gfn >= slots_.size()) slots_.resize(gfn + 1);
    Slot& s = slots_[gfn];
    if (!s.one) {
      s.one = spte;
    } else {
      if (!s.more) s.more = std::make_unique<std::vector<Pte*>>();
      s.more->push_back(spte);
    }
    ++count_;
  }

  // False if `spte` is not in the rmap of `gfn`.
  bool remove(std::uint64_t gfn, Pte* spte) {
    if (gfn >= slots_.size()) return false;
    Slot& s = slots_[gfn];
    if (!s.one) return false;
    if (s.one == spte) {  // the next one, if any, moves up: the order stays
      if (s.more && !s.more->empty()) {
        s.one = s.more->front();
        s.more->erase(s.more->begin());
      } else {
        s.one = nullptr;
      }
    } else {
      if (!s.more) return false;
      const auto at = std::find(s.more->begin(), s.more->end(), spte);
      if (at == s.more->end()) return false;
      s.more->erase(at);
    }
    if (s.more && s.more->empty()) s.more.reset();
    --count_;
    return true;
  }

  // Calls f(Pte*) for each spte of `gfn`, in order. `f` must not change this rmap.
  template <class F>
  void for_each(std::uint64_t gfn, F f) const {
    if (gfn >= slots_.size() || !slots_[gfn].one) return;
    f(slots_[gfn].one);
    if (slots_[gfn].more)
      for (Pte* p : *slots_[gfn].more) f(p);
  }

  std::vector<Pte*> list(std::uint64_t gfn) const {
    std::vector<Pte*> v;
    for_each(gfn, [&](Pte* p) { v.push_back(p); });
    return v;
  }
  bool contains(std::uint64_t gfn, const Pte* spte) const {
    bool found = false;
    for_each(gfn, [&](Pte* p) { found |= p == spte; });
    return found;
  }
  std::size_t size() const { return count_; }  // sptes over all gfns

 private:
  struct Slot {
    Pte* one = nullptr;                         // the first spte, or nullptr if none
    std::unique_ptr<std::vector<Pte*>> more;    // the others
  };
  std::vector<Slot> slots_;
  std::size_t count_ = 0;
};

}  // namespace mmusim
