// Events: what the models do, as typed records (`mmusim explain --emit text|jsonl`, `mmusim view`).
// Each model holds an `EventSink*` that is nullptr in normal runs; on its slow paths it checks
// explaining(sink) and then emits one Event per thing it does (a TLB lookup, a walk, a VM exit,
// an spte installed, a page kswapd scans). The fast path (an L1 TLB hit) emits nothing. The sink
// decides what to make of them: sentences (sim/explain/event_text.cc), JSON lines, a replay.
//
// An event is a kind (EventKind, named in kEventNames and documented in the README) and named
// fields: numbers, addresses (hex in text), flags and short words. Which actor emitted it (a vCPU,
// kswapd), at which cycle and for which trace record, the sink knows.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <string>
#include <vector>

namespace mmusim {

// X(kind): every kind of event, in the README's order.
#define MMUSIM_EVENT_KINDS(X)                                                                                       \
  X(record) X(record_end) X(gap) X(ipi_exits) X(switch_pid) X(page) X(retry) X(stopped)                           \
  X(tlb_lookup) X(tlb_fill) X(tlb_flush) X(tlb_invlpg) X(protection_fault) X(dirty_assist) X(walk) X(walk_step)     \
  X(walk_done) X(page_fault) X(thp_fallback) X(guest_page_fault) X(guest_table_new) X(guest_page_new) X(guest_pte_set)             \
  X(vmexit) X(remote_flush) X(cr3_load) X(shadow_root) X(shadow_page_new) X(shadow_page_zap) X(mmu_shrink)         \
  X(spte_install) X(spte_zap) X(resync) X(fast_fault) X(guest_walk) X(fault_sleep) X(swap_read_done)               \
  X(notifier_retry) X(pt_write) X(unsync) X(emulate) X(write_flood) X(vcpu_flush) X(ept_table_new) X(ept_install)  \
  X(invalidate_page) X(clear_flush_young) X(referenced) X(watermark) X(direct_reclaim) X(host_fault)                \
  X(swap_in) X(swap_slot_freed) X(gup_fast) X(lru_move) X(swap_token) X(readahead) X(add_to_swap) X(try_to_unmap)  \
  X(swap_out) X(page_freed) X(scan_page) X(scan_decision) X(gen_scan) X(mglru_aging) X(congestion_wait) X(kswapd_wake) X(kswapd_sleep)

enum class EventKind : std::uint8_t {
#define MMUSIM_EVENT_ENUM(k) k,
  MMUSIM_EVENT_KINDS(MMUSIM_EVENT_ENUM)
#undef MMUSIM_EVENT_ENUM
      kCount
};

inline const char* event_name(EventKind k) {
  static const char* const names[] = {
#define MMUSIM_EVENT_NAME(k) #k,
      MMUSIM_EVENT_KINDS(MMUSIM_EVENT_NAME)
#undef MMUSIM_EVENT_NAME
  };
  return names[static_cast<int>(k)];
}

struct EventField {
  enum class Type : std::uint8_t { Num, Hex, Flag, Word };
  const char* key;
  Type type;
  std::uint64_t num = 0;
  std::string word;
};

class Event {
 public:
  explicit Event(EventKind k) : kind_(k) {}
  // Builders, one per field type: a count or index, an address or frame number, a yes/no, a word.
  Event& num(const char* key, std::uint64_t v) { return add(key, EventField::Type::Num, v, {}); }
  Event& hex(const char* key, std::uint64_t v) { return add(key, EventField::Type::Hex, v, {}); }
  Event& flag(const char* key, bool v) { return add(key, EventField::Type::Flag, v, {}); }
  Event& word(const char* key, std::string v) { return add(key, EventField::Type::Word, 0, std::move(v)); }

  EventKind kind() const { return kind_; }
  const std::vector<EventField>& fields() const { return f_; }
  bool has(const char* key) const { return find(key) != nullptr; }
  // A numeric field (a flag is 0 or 1); throws std::logic_error when absent.
  std::uint64_t operator[](const char* key) const { return get(key).num; }
  const std::string& text(const char* key) const { return get(key).word; }

 private:
  Event& add(const char* key, EventField::Type t, std::uint64_t v, std::string w) {
    f_.push_back(EventField{key, t, v, std::move(w)});
    return *this;
  }
  const EventField* find(const char* key) const {
    for (const EventField& f : f_)
      if (std::string_view(f.key) == key) return &f;
    return nullptr;
  }
  const EventField& get(const char* key) const {
    if (const EventField* f = find(key)) return *f;
    throw std::logic_error(std::string("event ") + event_name(kind_) + " has no field " + key);
  }
  EventKind kind_;
  std::vector<EventField> f_;
};

class EventSink {
 public:
  virtual ~EventSink() = default;
  // False while the current actor's record lies outside the window: the models then build no event.
  virtual bool active() const = 0;
  virtual void emit(const Event& e) = 0;
};

inline bool explaining(const EventSink* s) { return s && s->active(); }

}  // namespace mmusim
