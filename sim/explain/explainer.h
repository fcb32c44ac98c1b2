// Explain mode's sink (models/common/explain.h): collects the steps the models report into one
// line per event, per actor (a vCPU, kswapd), and prints them. A vCPU's line is one trace record:
//   #3 @12,345 vCPU0 W 0x7f0012a0: dTLB miss -> STLB miss -> ... (+2,731 cycles)
// with the record's index in the trace, the simulated cycle it starts at and the cycles the
// simulation charged for it. Lines opened inside another line of the same actor (direct reclaim
// during a fault) are printed indented below it. Only records with an index in [from, to) are
// explained; other actors (kswapd) are explained from the window's first record on.
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

class Explainer : public ExplainSink {
 public:
  static constexpr unsigned kKswapd = ~0u;

  // vcpus_per_vm: to name CPU c "vCPU c % n", and "vm c / n vCPU ..." when vms > 1.
  Explainer(std::ostream& out, std::uint64_t from, std::uint64_t to, unsigned vms, unsigned vcpus_per_vm);

  // Layout of a record's line: all steps on one line joined by " -> " (the default), or the head
  // alone then one step per line, indented (`--layout steps`: easier to read in a lesson).
  void set_one_step_per_line(bool on) { one_step_per_line_ = on; }

  bool active() const override;
  void step(const std::string& fact) override;
  void open(const std::string& head) override;
  void close() override;

  // The simulated time in cycles, for lines that are no record's.
  void set_clock(std::function<std::uint64_t()> now) { now_ = std::move(now); }
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
  // Steps reported so far (the vCPU tells an inline L1 hit by no step being added).
  std::uint64_t steps() const { return steps_; }

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

  std::ostream& out_;
  std::uint64_t from_, to_;
  unsigned vms_, vcpus_per_vm_;
  bool one_step_per_line_ = false;
  bool started_ = false;  // the first record of the window has begun
  unsigned current_ = 0;
  std::map<unsigned, Actor> actors_;
  std::map<unsigned, std::deque<std::uint64_t>> indices_;
  std::function<std::uint64_t()> now_ = [] { return std::uint64_t{0}; };
  std::uint64_t steps_ = 0;
};

}  // namespace mmusim
