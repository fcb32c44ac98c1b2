#include "tlb/miss_classifier.h"

#include <algorithm>

namespace mmusim {

namespace {
std::size_t hash(std::uint64_t key) { return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> 20); }
}  // namespace

// --- KeySet ------------------------------------------------------------------------------------

std::size_t KeySet::slot(std::uint64_t key) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = hash(key) & mask;
  while (slots_[i] != kEmpty && slots_[i] != key) i = (i + 1) & mask;
  return i;
}

bool KeySet::contains(std::uint64_t key) const { return !slots_.empty() && slots_[slot(key)] == key; }

void KeySet::grow() {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(old.empty() ? 64 : old.size() * 2, kEmpty);
  for (std::uint64_t k : old)
    if (k != kEmpty) slots_[slot(k)] = k;
}

void KeySet::insert(std::uint64_t key) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most three quarters full
  std::uint64_t& s = slots_[slot(key)];
  if (s == key) return;
  s = key;
  ++size_;
}

// --- FaLru -------------------------------------------------------------------------------------

FaLru::FaLru(std::size_t capacity) : capacity_(capacity) {}

// The arrays come with the first key: a machine of thousands of vCPUs, most of which never run,
// costs no memory for their classifiers.
void FaLru::allocate() {
  nodes_.assign(capacity_, Node{kNoKey, 0, kNone, kNone});
  std::size_t n = 16;
  while (n < 8 * capacity_) n *= 2;
  index_.assign(n, kNone);
  free_.reserve(capacity_);
  for (std::size_t i = capacity_; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
  pending_.reserve(capacity_);
}

std::size_t FaLru::home(std::uint64_t key) const { return hash(key) & (index_.size() - 1); }

std::size_t FaLru::slot_of(std::uint64_t key) const {
  const std::size_t mask = index_.size() - 1;
  std::size_t i = home(key);
  while (nodes_[index_[i]].key != key) i = (i + 1) & mask;
  return i;
}

std::uint32_t FaLru::find(std::uint64_t key) const {
  if (index_.empty()) return kNone;
  const std::size_t mask = index_.size() - 1;
  for (std::size_t i = home(key);; i = (i + 1) & mask) {
    const std::uint32_t n = index_[i];
    if (n == kNone || nodes_[n].key == key) return n;
  }
}

void FaLru::index_erase(std::uint64_t key) {
  const std::size_t mask = index_.size() - 1;
  std::size_t i = slot_of(key);
  // Backward-shift deletion: move up every later entry of the run whose home is not between the
  // hole and it, so that lookups never stop at a hole before their key.
  for (std::size_t j = (i + 1) & mask; index_[j] != kNone; j = (j + 1) & mask) {
    const std::size_t h = home(nodes_[index_[j]].key);
    const bool between = i <= j ? (i < h && h <= j) : (i < h || h <= j);
    if (!between) {
      index_[i] = index_[j];
      i = j;
    }
  }
  index_[i] = kNone;
}

void FaLru::unlink(std::uint32_t n) {
  Node& x = nodes_[n];
  (x.prev == kNone ? head_ : nodes_[x.prev].next) = x.next;
  (x.next == kNone ? tail_ : nodes_[x.next].prev) = x.prev;
}

void FaLru::push_front(std::uint32_t n) {
  nodes_[n].prev = kNone;
  nodes_[n].next = head_;
  (head_ == kNone ? tail_ : nodes_[head_].prev) = n;
  head_ = n;
}

// A freed node holds no key, so that a caller's hint to it is seen to be stale.
void FaLru::free_node(std::uint32_t n) {
  nodes_[n].key = kNoKey;
  free_.push_back(n);
}

void FaLru::put_in_order() {
  if (!pending_.empty()) {
    // Each key's last touch decides: moved to the front from the oldest stamp to the newest, the
    // list is what moving every key at each of its touches would have made it.
    const auto older = [this](std::uint32_t a, std::uint32_t b) { return nodes_[a].stamp < nodes_[b].stamp; };
    if (pending_.size() <= 16) {  // the usual few: an insertion sort, without std::sort's setup
      for (std::size_t i = 1; i < pending_.size(); ++i)
        for (std::size_t j = i; j > 0 && older(pending_[j], pending_[j - 1]); --j) std::swap(pending_[j], pending_[j - 1]);
    } else {
      std::sort(pending_.begin(), pending_.end(), older);
    }
    for (std::uint32_t n : pending_)
      if (n != head_) unlink(n), push_front(n);
    pending_.clear();
  }
  ordered_ = clock_;
}

std::uint32_t FaLru::touch(std::uint64_t key) {
  if (index_.empty()) allocate();
  put_in_order();
  std::uint32_t n = find(key);
  if (n == kNone) {
    if (used_ == capacity_) {  // evict the least recent
      n = tail_;
      index_erase(nodes_[n].key);
      unlink(n);
    } else {
      n = free_.back();
      free_.pop_back();
      ++used_;
    }
    nodes_[n].key = key;
    std::size_t i = home(key);
    while (index_[i] != kNone) i = (i + 1) & (index_.size() - 1);
    index_[i] = n;
    push_front(n);
  } else if (n != head_) {
    unlink(n), push_front(n);
  }
  nodes_[n].stamp = ordered_ = ++clock_;
  return n;
}

void FaLru::erase(std::uint64_t key) {
  const std::uint32_t n = find(key);
  if (n == kNone) return;
  put_in_order();
  index_erase(key);
  unlink(n);
  free_node(n);
  --used_;
}

void FaLru::clear() {
  pending_.clear();  // every key goes: no order to restore
  ordered_ = clock_;
  if (used_ > capacity_ / 8) {  // many keys: start afresh
    index_.assign(index_.size(), kNone);
    for (Node& x : nodes_) x.key = kNoKey;
    free_.clear();
    for (std::size_t i = capacity_; i-- > 0;) free_.push_back(static_cast<std::uint32_t>(i));
    head_ = tail_ = kNone;
    used_ = 0;
    return;
  }
  // Few keys, in proportion to them: flushes come often (every VM exit without VPID, every remote
  // flush under memory pressure). Every key leaves, so no run needs its entries shifted back: the
  // slots of all keys are found first, with the index whole, then emptied.
  cleared_.clear();
  for (std::uint32_t n = head_; n != kNone; n = nodes_[n].next) cleared_.push_back(slot_of(nodes_[n].key));
  for (const std::size_t i : cleared_) index_[i] = kNone;
  for (std::uint32_t n = head_; n != kNone;) {
    const std::uint32_t next = nodes_[n].next;
    free_node(n);
    n = next;
  }
  head_ = tail_ = kNone;
  used_ = 0;
}

std::vector<std::uint64_t> FaLru::order() {
  put_in_order();
  std::vector<std::uint64_t> v;
  for (std::uint32_t n = head_; n != kNone; n = nodes_[n].next) v.push_back(nodes_[n].key);
  return v;
}

// --- MissClassifier ----------------------------------------------------------------------------

MissKind MissClassifier::classify(std::uint64_t key) {
  if (!held_.contains(key)) return ++counts_.compulsory, MissKind::Compulsory;
  if (shadow_.contains(key)) return ++counts_.conflict, MissKind::Conflict;
  return ++counts_.capacity, MissKind::Capacity;
}

MissKind MissClassifier::classify(std::uint64_t key, const MissClassifier& large, std::uint64_t large_key,
                                  const MissClassifier* gig, std::uint64_t gig_key) {
  if (!held_.contains(key) && !large.held_.contains(large_key) && !(gig && gig->held_.contains(gig_key)))
    return ++counts_.compulsory, MissKind::Compulsory;
  if (shadow_.contains(key) || large.shadow_.contains(large_key) || (gig && gig->shadow_.contains(gig_key)))
    return ++counts_.conflict, MissKind::Conflict;
  return ++counts_.capacity, MissKind::Capacity;
}

}  // namespace mmusim
