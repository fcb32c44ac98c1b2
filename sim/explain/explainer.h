// Explain mode's sink (models/common/event.h): takes the events the models emit, each from the
// actor acting (a vCPU, kswapd), and writes them, as text or as JSON lines.
//
// Text (`--emit text`): one line per event of an actor. A vCPU's line is one trace record:
//   #3 @12,345 vCPU0 W 0x7f0012a0: dTLB miss -> STLB miss -> ... (+2,731 cycles)
// with the record's index in the trace, the simulated cycle it starts at, each event in words
// (explain/event_text.h) and the cycles the simulation charged for it. A page reclaim scans
// (scan_page ... scan_decision) is a line of its own, printed indented below the record during
// which it ran (direct reclaim during a fault) or on its own (kswapd).
// JSON lines (`--emit jsonl`): one object per event, {"record", "cycle", "cpu", "vm", "vcpu",
// "event", then the event's fields}; kswapd's events have "cpu": null and "actor": "kswapd".
//
// Only records with an index in [from, to) are explained; other actors (kswapd) are explained from
// the window's first record on.
#pragma once
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/explain.h"
#include "trace/reader.h"

namespace mmusim {

// At most this many records are explained in one run: beyond it, a window (--from/--to) is needed.
constexpr std::uint64_t kExplainMaxRecords = 10000;

class Explainer : public EventSink {
 public:
  static constexpr unsigned kKswapd = ~0u;
  enum class Emit { Text, Jsonl };

  // vcpus_per_vm: to name CPU c "vCPU c % n", and "vm c / n vCPU ..." when vms > 1.
  Explainer(std::ostream& out, std::uint64_t from, std::uint64_t to, unsigned vms, unsigned vcpus_per_vm,
            Emit emit = Emit::Text);

  // Layout of a record's line: all steps on one line joined by " -> " (the default), or the head
  // alone then one step per line, indented (`--layout steps`: easier to read in a lesson).
  void set_one_step_per_line(bool on) { one_step_per_line_ = on; }

  bool active() const override;
  void emit(const Event& e) override;

  // The simulated time in cycles, for lines that are no record's.
  void set_clock(std::function<std::uint64_t()> now) { now_ = std::move(now); }
  // JSON lines also carry each event's words ("text"), for the view.
  void set_with_text(bool on) { with_text_ = on; }
  // Adds fields to every record_end event (the view: the host's figures after each record).
  void set_record_end_fields(std::function<void(Event&)> add) { record_end_fields_ = std::move(add); }
  // The thread now running acts as `actor` (a CPU index, or kKswapd).
  void set_actor(unsigned actor) { current_ = actor; }

  // The trace reader handed record `index` to CPU `cpu` (records reach each CPU in file order).
  void note_record(unsigned cpu, std::uint64_t index) { indices_[cpu].push_back(index); }
  // CPU `cpu` starts its next record `r` at cycle `now`: opens its line if it is in the window.
  void begin_record(unsigned cpu, const TraceRecord& r, std::uint64_t now);
  // The record's line ends with the cycles the vCPU was charged for it.
  void end_record(std::uint64_t cycles);
  // The run stopped on an error: the lines still open end with it, and are printed.
  void stop(const std::string& why);
  // Events emitted so far in the window (the vCPU tells an inline L1 hit by no event being added).
  std::uint64_t events() const { return events_; }

  // A reader that numbers the records of `inner` for note_record and ends at index `to`.
  std::unique_ptr<TraceReader> window_reader(std::unique_ptr<TraceReader> inner);

 private:
  struct Line {
    std::string head;
    std::vector<std::string> steps, children;
    std::string text(bool one_step_per_line) const;
  };
  struct Actor {
    bool in_window = false;
    std::vector<Line> open;  // innermost last
  };
  std::string name(unsigned actor) const;
  void step(const std::string& fact);
  void open(const std::string& head);
  void close();
  void write_json(const Event& e);
  std::string record_head(const Event& e) const;
  static std::string cycles_words(std::uint64_t cycles);

  std::ostream& out_;
  std::uint64_t from_, to_;
  unsigned vms_, vcpus_per_vm_;
  Emit emit_;
  bool one_step_per_line_ = false, with_text_ = false;
  bool started_ = false;  // the first record of the window has begun
  unsigned current_ = 0;
  std::map<unsigned, Actor> actors_;
  std::map<unsigned, std::deque<std::uint64_t>> indices_;
  std::function<std::uint64_t()> now_ = [] { return std::uint64_t{0}; };
  std::uint64_t events_ = 0;
  std::map<unsigned, std::uint64_t> record_of_, record_cycle_;  // the index and start of the record each CPU is on
  std::uint64_t last_record_ = 0;                // the record begun last, of any CPU
  std::function<void(Event&)> record_end_fields_;
};

}  // namespace mmusim
