// KVM's reverse map (2.6.28 arch/x86/kvm/mmu.c: rmap_add, rmap_remove, rmap_next): for each gfn
// of a VM, the leaf sptes that map it, in the order they were added. KVM keeps one word per gfn
// of the memslot (`rmapp`): bit 0 clear, the one spte itself (or 0 for none); bit 0 set, a
// pointer to descriptors holding more (struct kvm_rmap_desc). Likewise here: a word per gfn, up to
// the highest gfn ever mapped (guest frames are handed out in ascending order), holding one spte
// or, with bit 0 set, a list of two or more. One word, not a pointer and a list: 8 bytes less per
// touched guest page.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "paging/pte.h"

namespace mmusim {

class Rmap {
 public:
  Rmap() = default;
  Rmap(const Rmap&) = delete;
  Rmap& operator=(const Rmap&) = delete;
  ~Rmap() {
    for (std::uintptr_t w : words_)
      if (is_many(w)) delete many(w);
  }

  void add(std::uint64_t gfn, Pte* spte) {
    if (gfn >= words_.size()) words_.resize(gfn + 1);
    std::uintptr_t& w = words_[gfn];
    if (!w) {
      w = reinterpret_cast<std::uintptr_t>(spte);
    } else if (!is_many(w)) {  // a second spte: the word becomes a list of both
      w = reinterpret_cast<std::uintptr_t>(new RmapDesc{one(w), spte}) | kMany;
    } else {
      many(w)->push_back(spte);
    }
    ++count_;
  }

  // False if `spte` is not in the rmap of `gfn`.
  bool remove(std::uint64_t gfn, Pte* spte) {
    if (gfn >= words_.size()) return false;
    std::uintptr_t& w = words_[gfn];
    if (!is_many(w)) {
      if (!w || one(w) != spte) return false;
      w = 0;
    } else {  // the others keep their order; the last one left goes back into the word
      RmapDesc* d = many(w);
      const auto at = std::find(d->begin(), d->end(), spte);
      if (at == d->end()) return false;
      d->erase(at);
      if (d->size() == 1) {
        w = reinterpret_cast<std::uintptr_t>(d->front());
        delete d;
      }
    }
    --count_;
    return true;
  }

  // Calls f(Pte*) for each spte of `gfn`, in order. `f` must not change this rmap.
  template <class F>
  void for_each(std::uint64_t gfn, F f) const {
    if (gfn >= words_.size()) return;
    const std::uintptr_t w = words_[gfn];
    if (is_many(w)) {
      for (Pte* p : *many(w)) f(p);
    } else if (w) {
      f(one(w));
    }
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
  using RmapDesc = std::vector<Pte*>;  // kvm_rmap_desc: two or more sptes, in the order added
  static constexpr std::uintptr_t kMany = 1;  // sptes and descriptors are 8-byte aligned: bit 0 is free
  static_assert(alignof(Pte) > 1 && alignof(RmapDesc) > 1);

  static bool is_many(std::uintptr_t w) { return w & kMany; }
  static Pte* one(std::uintptr_t w) { return reinterpret_cast<Pte*>(w); }
  static RmapDesc* many(std::uintptr_t w) { return reinterpret_cast<RmapDesc*>(w & ~kMany); }

  std::vector<std::uintptr_t> words_;  // per gfn: 0, one Pte*, or an RmapDesc* | kMany
  std::size_t count_ = 0;
};

}  // namespace mmusim
