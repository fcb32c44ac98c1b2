// A set-associative TLB with true LRU (docs/architecture.md, "Semantics" 4): sets = entries / ways,
// set = VPN mod sets; a hit makes the entry the most recent; a fill takes the lowest-numbered
// invalid way, or evicts the least recent entry of the set.
// Entries are tagged by an address-space context (a (vm, pid) pair, numbered by the OS) and the
// page number, packed into one 64-bit key, so that no context switch needs a flush; the key of a
// 2 MiB entry holds the 2 MiB page number (tlb_key_2m), a 1 GiB entry the 1 GiB page number
// (tlb_key_1g), so the set index follows the page size.
// Each miss is classified compulsory, capacity or conflict (miss_classifier.h) by the caller
// that counts it (classify_miss).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/addr.h"
#include "tlb/miss_classifier.h"
#include "common/page_size.h"

namespace mmusim {

constexpr unsigned kVpnBits = 36;  // 48-bit canonical virtual addresses
constexpr std::uint64_t kVpnMask = (std::uint64_t{1} << kVpnBits) - 1;
constexpr std::uint32_t kMaxContexts = 1u << 27;  // context numbers use key bits 36..62

constexpr std::uint64_t tlb_key(std::uint32_t ctx, Vpn vpn) {
  return (std::uint64_t{ctx} << kVpnBits) | (vpn.v & kVpnMask);
}
// The key of the 2 MiB page that holds `vpn`: its 2 MiB page number in the low bits (so that
// the set index follows the 2 MiB page number) and bit 63, above every context, so that a 2 MiB
// entry never matches a 4 KiB key in a TLB that holds both (the STLB).
constexpr std::uint64_t kLargeKeyBit = std::uint64_t{1} << 63;
constexpr std::uint64_t tlb_key_2m(std::uint32_t ctx, Vpn vpn) {
  return kLargeKeyBit | (std::uint64_t{ctx} << kVpnBits) | ((vpn.v & kVpnMask) >> 9);
}
// The key of the 1 GiB page that holds `vpn`: as a 2 MiB key, with its 1 GiB page number in the
// low bits and bit 35 set (a 2 MiB page number needs 27 bits, a 1 GiB one 18), so that no 1 GiB
// key equals a 2 MiB one.
constexpr std::uint64_t kGigKeyBit = std::uint64_t{1} << (kVpnBits - 1);
constexpr std::uint64_t tlb_key_1g(std::uint32_t ctx, Vpn vpn) {
  return kLargeKeyBit | (std::uint64_t{ctx} << kVpnBits) | kGigKeyBit | ((vpn.v & kVpnMask) >> 18);
}
constexpr bool key_large(std::uint64_t key) { return key & kLargeKeyBit; }
// The page size of the key's entry.
constexpr PageSize key_size(std::uint64_t key) {
  return !key_large(key) ? PageSize::k4K : (key & kGigKeyBit) ? PageSize::k1G : PageSize::k2M;
}
constexpr std::uint32_t key_ctx(std::uint64_t key) {
  return static_cast<std::uint32_t>((key >> kVpnBits) & (kMaxContexts - 1));
}
// The VPN of the key's page (of a 2 MiB or 1 GiB key, the first 4 KiB page of its page).
constexpr Vpn key_vpn(std::uint64_t key) {
  const PageSize s = key_size(key);
  return Vpn{s == PageSize::k4K ? key & kVpnMask : (key & (kGigKeyBit - 1)) << (log_bytes(s) - 12)};
}

struct TlbEntry {
  static constexpr std::uint64_t kInvalid = ~std::uint64_t{0};
  std::uint64_t key = kInvalid;
  std::uint64_t frame = 0;
  std::uint64_t stamp = 0;  // LRU: larger = more recent
  bool writable = false;
  bool dirty = false;
  bool nx = false;
  PageSize size = PageSize::k4K;  // what the entry maps (gem5's TlbEntry::logBytes)
  std::uint32_t shadow = FaLru::kNoNode;  // the miss classifier's node of the key (speed only)
  bool valid() const { return key != kInvalid; }
};

class Tlb {
 public:
  // entries must be a positive multiple of ways (the config layer reports it as bad input).
  Tlb(std::string name, unsigned entries, unsigned ways);

  // The entry for `key`, made most recent; nullptr on a miss.
  TlbEntry* lookup(std::uint64_t key) {
    // Speed only: most lookups are of the page the previous hit was on (the next instruction,
    // the next field); that entry, if it still holds the key, is the one the search would find.
    if (TlbEntry& m = e_[mru_]; m.key == key) {
      m.stamp = ++clock_;
      return &m;
    }
    TlbEntry* set = &e_[set_of(key) * ways_];
    TlbEntry* hit = nullptr;
    // Speed only (a key is in one way of its set at most): with few ways (L1) stop at the hit;
    // with many (STLB) compare every way with a select, as which way hits is unpredictable.
    if (ways_ <= 8) {
      for (unsigned w = 0; w < ways_ && !hit; ++w)
        if (set[w].key == key) hit = &set[w];
    } else {
      for (unsigned w = 0; w < ways_; ++w) hit = set[w].key == key ? &set[w] : hit;
    }
    if (hit) hit->stamp = ++clock_, mru_ = static_cast<std::uint32_t>(hit - e_.data()), classes_.hit(key, hit->shadow);
    return hit;
  }

  // The three Cs of a miss on `key` (before its fill), counted in miss_counts().
  MissKind classify_miss(std::uint64_t key) { return classes_.classify(key); }
  // The same for a page that may be held as the 2 MiB entry `large_key` of `large` (this TLB, or
  // the L1's 2 MiB array), or as the 1 GiB entry `gig_key` of `gig` (a 1 GiB array) when given: a
  // miss on a page whose large entry was held is not compulsory.
  MissKind classify_miss(std::uint64_t key, const Tlb& large, std::uint64_t large_key, const Tlb* gig = nullptr,
                         std::uint64_t gig_key = 0) {
    return classes_.classify(key, large.classes_, large_key, gig ? &gig->classes_ : nullptr, gig_key);
  }
  const MissCounts& miss_counts() const { return classes_.counts(); }

  // Inserts `key` as the most recent entry of its set; the caller has just missed on it.
  TlbEntry& fill(std::uint64_t key, std::uint64_t frame, bool writable, bool dirty, bool nx,
                 PageSize size = PageSize::k4K);

  // Drops the entry for `key` if present; returns whether it was.
  bool invalidate(std::uint64_t key);
  void flush_all();

  const std::string& name() const { return name_; }
  unsigned entries() const { return static_cast<unsigned>(e_.size()); }
  unsigned ways() const { return ways_; }
  unsigned sets() const { return sets_; }
  const std::vector<TlbEntry>& all_entries() const { return e_; }

  // Keys of `set` from most to least recent (for tests and the explain mode).
  std::vector<std::uint64_t> lru_order(unsigned set) const;
  unsigned set_of(std::uint64_t key) const {
    const std::uint64_t vpn = key & kVpnMask;
    return static_cast<unsigned>(set_mask_ ? (vpn & set_mask_) : (sets_ == 1 ? 0 : vpn % sets_));
  }

 private:
  std::string name_;
  unsigned ways_;
  unsigned sets_;
  std::uint64_t set_mask_;  // sets - 1 when sets is a power of two > 1, else 0
  std::uint64_t clock_ = 0;
  std::vector<TlbEntry> e_;
  std::uint32_t mru_ = 0;  // index of the entry of the last hit or fill
  // A hit on the entry at mru_ is already the shadow's most recent key: only the other hits and
  // the fills are passed on.
  MissClassifier classes_;
  // Speed only: the indices filled since the last flush_all, so that a flush of a TLB holding
  // few entries (KVM's remote flushes come every few accesses under pressure) clears those
  // instead of every entry. Past a bound the list is dropped and the flush clears them all.
  std::vector<std::uint32_t> filled_;
  bool filled_overflow_ = false;
};

}  // namespace mmusim
