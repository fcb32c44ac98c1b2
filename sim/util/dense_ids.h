// Dense ids for 64-bit keys, 0, 1, 2, ... in the order the keys are first seen: an open-addressing
// hash table with linear probing, a power-of-two number of slots at most half full, and
// Fibonacci hashing (the top bits of key * 2^64/phi, which depend on every bit of the key, so
// keys that differ only in their low bits, like neighbouring pages, spread out). A slot holds
// its key beside its id, so a lookup that hits reads one cache line, where std::unordered_map
// follows a bucket pointer to a node and divides by a prime to find the bucket.
#pragma once
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <utility>
#include <vector>

namespace mmusim {

class DenseIds {
 public:
  DenseIds() { resize(4); }  // 16 slots to start with

  // The id of `key`, and whether it was seen for the first time (its id is then size() - 1).
  std::pair<std::uint32_t, bool> insert(std::uint64_t key) {
    for (std::size_t s = slot_of(key);; s = (s + 1) & mask_) {
      Slot& slot = slots_[s];
      if (slot.id == kEmpty) return {add(slot, key), true};
      if (slot.key == key) return {slot.id, false};
    }
  }

  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint32_t kEmpty = ~std::uint32_t{0};  // so ids stay below it
  struct Slot {
    std::uint64_t key = 0;
    std::uint32_t id = kEmpty;
  };

  std::size_t slot_of(std::uint64_t key) const {
    return static_cast<std::size_t>((key * 0x9e3779b97f4a7c15ull) >> shift_);
  }

  // Not inlined: a new key is rare, and the lookup loop stays small (fewer spilled registers).
  [[gnu::noinline]] std::uint32_t add(Slot& slot, std::uint64_t key) {
    if (size_ == kEmpty - 1) throw std::length_error("DenseIds: more than 2^32 - 2 keys");
    slot = Slot{key, static_cast<std::uint32_t>(size_++)};
    const std::uint32_t id = slot.id;
    if (2 * size_ > slots_.size()) grow();
    return id;
  }

  void resize(unsigned bits) {
    slots_.assign(std::size_t{1} << bits, Slot{});
    mask_ = slots_.size() - 1;
    shift_ = 64 - bits;
  }

  // Twice the slots, every key moved with its id.
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    resize(64 - shift_ + 1);
    for (const Slot& o : old) {
      if (o.id == kEmpty) continue;
      std::size_t s = slot_of(o.key);
      while (slots_[s].id != kEmpty) s = (s + 1) & mask_;
      slots_[s] = o;
    }
  }

  std::vector<Slot> slots_;
  std::size_t mask_ = 0, size_ = 0;
  unsigned shift_ = 0;
};

}  // namespace mmusim
