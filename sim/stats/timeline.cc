#include "stats/timeline.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "input_error.h"

namespace mmusim {

namespace {

// A column with its counters' slots and whether it is a count (shown as a change) or a level.
struct Resolved {
  std::vector<std::size_t> slots;
  bool count = true;
};

const std::vector<Resolved>& resolved() {
  static const std::vector<Resolved> r = [] {
    std::vector<Resolved> out;
    for (const TimelineColumn& c : timeline_columns()) {
      Resolved x;
      for (const std::string& name : c.counters) {
        const ColumnSpec* col = find_column(name);
        if (!col || col->type != ColumnType::Counter) throw std::logic_error("timeline.csv: no counter " + name);
        if (!x.slots.empty() && x.count != (col->kind == CounterKind::Count))
          throw std::logic_error("timeline.csv: column " + c.name + " mixes counts and levels");
        x.count = col->kind == CounterKind::Count;
        x.slots.push_back(col->slot);
      }
      out.push_back(x);
    }
    return out;
  }();
  return r;
}

}  // namespace

const std::vector<TimelineColumn>& timeline_columns() {
  static const std::vector<TimelineColumn> cols = {
      {"accesses", {"accesses"}},
      {"swap_ins", {"swap_ins"}},
      {"swap_outs", {"swap_outs"}},
      {"faults", {"guest_page_faults", "page_faults"}},  // the OS's page faults, whichever mode
      {"vmexits", {"vmexits"}},
      {"kswapd_cycles", {"kswapd_cycles"}},
      {"pages_scanned", {"pages_scanned"}},
      {"free_frames", {"free_frames"}},
      {"lru_active_pages", {"lru_active_pages"}},
      {"lru_inactive_pages", {"lru_inactive_pages"}},
      {"shadow_pages", {"shadow_pages"}},
  };
  return cols;
}

TimelineWriter::TimelineWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
  out_.open(tmp_, std::ios::trunc);
  if (!out_) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_ << "time_cycles";
  for (const TimelineColumn& c : timeline_columns()) out_ << ',' << c.name;
  out_ << '\n';
}

TimelineWriter::~TimelineWriter() {
  if (finished_) return;
  out_.close();
  std::remove(tmp_.c_str());
}

void TimelineWriter::add(const TimelineRow& r) {
  const RunSummary& s = r.at;
  out_ << r.time_cycles;
  for (const Resolved& c : resolved()) {
    std::uint64_t now = 0, before = 0;
    for (std::size_t slot : c.slots) now += s.values[slot], before += prev_.values[slot];
    out_ << ',' << (c.count ? now - before : now);
  }
  out_ << '\n';
  prev_ = s;
  last_time_ = r.time_cycles;
  ++rows_;
}

void TimelineWriter::finish() {
  if (!out_.flush()) throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  out_.close();
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw InputError(path_, 0, "", std::string("cannot write: ") + std::strerror(errno));
  finished_ = true;
}

}  // namespace mmusim
