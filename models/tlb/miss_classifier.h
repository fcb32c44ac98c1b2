// The three Cs of a TLB's misses, as Dinero IV classifies cache misses: a miss on a key the TLB
// has never held is compulsory; otherwise a fully associative LRU TLB of the same number of
// entries, given the same hits, fills, INVLPGs and flushes (the shadow), decides: if the shadow
// holds the key the miss is a conflict miss (the set mapping caused it), else a capacity miss.
// A miss after a flush or an INVLPG that dropped the key is a capacity miss (the shadow lost the
// key too). The TLB calls hit() on every hit but repeats of its most recent key (already the
// shadow's most recent), fill(), invalidate() and flush() as it does them, and classify() on each
// miss before the fill.
//
// Speed: a hit costs a few instructions (a stamp and, the first time since the last reordering, a
// note), not a move to the front of the LRU list: the list is put in order only when an order is
// needed (a key enters, an INVLPG), by moving the noted keys to the front by their stamps. The
// order is then exactly the one moving each key at its hit gives (tests/models/test_tlb_miss_kinds.cc
// checks both against a plain LRU list on random operations).
#pragma once
#include <cstdint>
#include <vector>

namespace mmusim {

enum class MissKind { Compulsory, Capacity, Conflict };

struct MissCounts {
  std::uint64_t compulsory = 0, capacity = 0, conflict = 0;
};

// A set of 64-bit keys (never ~0) in one open-addressing table, at most three quarters full: 10.7
// to 21.3 bytes a key (a TLB remembers every page it ever held: 3 million pages cost 32 MiB).
class KeySet {
 public:
  bool contains(std::uint64_t key) const;
  void insert(std::uint64_t key);
  std::size_t size() const { return size_; }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  std::size_t slot(std::uint64_t key) const;
  void grow();
  std::vector<std::uint64_t> slots_;
  std::size_t size_ = 0;
};

// A fully associative LRU set of at most `capacity` keys: an open-addressing index to nodes of a
// doubly linked list, most recent first, put in order lazily (the file's header). Each key's node
// index is returned to the caller, who may hand it back with the key's next touch as a hint that
// spares the index lookup.
class FaLru {
 public:
  static constexpr std::uint32_t kNoNode = ~std::uint32_t{0};

  explicit FaLru(std::size_t capacity);
  bool contains(std::uint64_t key) const { return find(key) != kNoNode; }
  // Makes `key` the most recent, inserting it (and evicting the least recent when full); returns
  // its node.
  std::uint32_t touch(std::uint64_t key);
  // The same, where `hint` is the node an earlier touch of `key` returned (or kNoNode): if that
  // node still holds the key, a stamp and at most one note; else touch(key). `hint` is updated.
  void touch(std::uint64_t key, std::uint32_t& hint) {
    if (hint < capacity_ && nodes_[hint].key == key) {
      Node& x = nodes_[hint];
      if (x.stamp <= ordered_) pending_.push_back(hint);  // first touch since the list was ordered
      x.stamp = ++clock_;
      return;
    }
    hint = touch(key);
  }
  void erase(std::uint64_t key);
  void clear();
  std::size_t size() const { return used_; }
  // Keys from most to least recent (tests).
  std::vector<std::uint64_t> order();

 private:
  static constexpr std::uint32_t kNone = kNoNode;
  static constexpr std::uint64_t kNoKey = ~std::uint64_t{0};  // the key of a free node
  struct Node {
    std::uint64_t key;
    std::uint64_t stamp;  // clock_ at the key's last touch
    std::uint32_t prev, next;
  };
  void allocate();
  std::uint32_t find(std::uint64_t key) const;
  std::size_t home(std::uint64_t key) const;
  // The index slot holding `key`, which must be in the set.
  std::size_t slot_of(std::uint64_t key) const;
  void index_erase(std::uint64_t key);
  void unlink(std::uint32_t n);
  void push_front(std::uint32_t n);
  void free_node(std::uint32_t n);
  // Moves the nodes touched since the list was last ordered to the front, least recent first.
  void put_in_order();

  std::size_t capacity_, used_ = 0;
  std::vector<Node> nodes_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> index_;  // node of each slot, kNone when empty; linear probing
  std::uint32_t head_ = kNone, tail_ = kNone;
  std::uint64_t clock_ = 0;
  std::uint64_t ordered_ = 0;           // clock_ when the list was last in order
  std::vector<std::uint32_t> pending_;  // the nodes with a stamp after ordered_: out of place
  std::vector<std::size_t> cleared_;    // clear(): the slots to empty (kept to spare allocations)
};

class MissClassifier {
 public:
  explicit MissClassifier(std::size_t entries) : shadow_(entries) {}
  MissKind classify(std::uint64_t key);  // counts it too
  // A miss on a page that the TLB may hold under other keys: its 4 KiB key here, the key of the
  // 2 MiB page that holds it in `large` (the same classifier for a TLB that holds both sizes, the
  // 2 MiB array's for an L1), and, when `gig` is given, the key of the 1 GiB page that holds it in
  // that 1 GiB array's classifier. Compulsory if no key was ever held, conflict if a shadow holds
  // its key, else capacity; counted here.
  MissKind classify(std::uint64_t key, const MissClassifier& large, std::uint64_t large_key,
                    const MissClassifier* gig = nullptr, std::uint64_t gig_key = 0);
  // `node` is the shadow's node of the key as the last hit() or fill() of it left it.
  void hit(std::uint64_t key, std::uint32_t& node) { shadow_.touch(key, node); }
  // Returns the shadow's node of the key, for its next hit().
  std::uint32_t fill(std::uint64_t key) {
    held_.insert(key);
    return shadow_.touch(key);
  }
  void invalidate(std::uint64_t key) { shadow_.erase(key); }
  void flush() { shadow_.clear(); }
  const MissCounts& counts() const { return counts_; }

 private:
  KeySet held_;
  FaLru shadow_;
  MissCounts counts_;
};

}  // namespace mmusim
