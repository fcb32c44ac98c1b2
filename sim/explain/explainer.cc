#include "explain/explainer.h"

#include <stdexcept>

#include "explain/event_text.h"

namespace mmusim {

namespace {
// Numbers the records of the reader it wraps and stops after index `to` - 1.
class WindowReader : public TraceReader {
 public:
  WindowReader(std::unique_ptr<TraceReader> inner, Explainer& ex, std::uint64_t to, unsigned vcpus_per_vm)
      : inner_(std::move(inner)), ex_(ex), to_(to), vcpus_per_vm_(vcpus_per_vm) {}
  std::size_t read(TraceRecord* out, std::size_t n) override {
    if (next_ >= to_) return 0;
    if (n > to_ - next_) n = static_cast<std::size_t>(to_ - next_);
    const std::size_t got = inner_->read(out, n);
    for (std::size_t i = 0; i < got; ++i) ex_.note_record(out[i].vm * vcpus_per_vm_ + out[i].vcpu, next_++);
    return got;
  }
  std::uint64_t bytes_done() const override { return inner_->bytes_done(); }
  std::uint64_t bytes_total() const override { return inner_->bytes_total(); }
  TraceFormat format() const override { return inner_->format(); }
  std::uint64_t skipped() const override { return inner_->skipped(); }

 private:
  std::unique_ptr<TraceReader> inner_;
  Explainer& ex_;
  std::uint64_t to_, next_ = 0;
  unsigned vcpus_per_vm_;
};
}  // namespace

Explainer::Explainer(std::ostream& out, std::uint64_t from, std::uint64_t to, unsigned vms, unsigned vcpus_per_vm, Emit emit)
    : out_(out), from_(from), to_(to), vms_(vms), vcpus_per_vm_(vcpus_per_vm), emit_(emit) {
  actors_[kKswapd];
}

std::unique_ptr<TraceReader> Explainer::window_reader(std::unique_ptr<TraceReader> inner) {
  return std::make_unique<WindowReader>(std::move(inner), *this, to_, vcpus_per_vm_);
}

bool Explainer::active() const {
  const auto it = actors_.find(current_);
  return it != actors_.end() && it->second.in_window;
}

std::string Explainer::name(unsigned actor) const {
  if (actor == kKswapd) return "kswapd";
  const std::string cpu = "vCPU" + std::to_string(actor % vcpus_per_vm_);
  return vms_ > 1 ? "vm" + std::to_string(actor / vcpus_per_vm_) + " " + cpu : cpu;
}

std::string Explainer::Line::text(bool one_step_per_line) const {
  std::string s = head;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (one_step_per_line) s += (i ? "\n    -> " : ":\n    ") + steps[i];
    else s += (i ? " -> " : ": ") + steps[i];
  }
  return s;
}

namespace {
// `text` with `indent` before each of its lines.
std::string indented(const std::string& indent, const std::string& text) {
  std::string s = indent;
  for (char c : text) {
    s += c;
    if (c == '\n') s += indent;
  }
  return s;
}
}  // namespace

namespace {
// `s` as a JSON string.
std::string json_string(const std::string& s) {
  std::string j = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') j += '\\', j += c;
    else if (static_cast<unsigned char>(c) < 0x20) {
      static const char* digits = "0123456789abcdef";
      j += "\\u00";
      j += digits[(c >> 4) & 15];
      j += digits[c & 15];
    } else j += c;
  }
  return j + '"';
}
}  // namespace

// "#3 @12,345 vCPU0 W 0x7f0012a0": the head of a record's line.
std::string Explainer::record_head(const Event& e) const {
  std::string head = "#" + std::to_string(e["index"]) + " @" + grouped(record_cycle_.at(current_)) + " " + name(current_) + " " +
                     e.text("op") + " " + to_hex(e["gva"]);
  if (e["size"] > 1) head += " (" + std::to_string(e["size"]) + " bytes)";
  return head;
}

std::string Explainer::cycles_words(std::uint64_t cycles) {
  return "(+" + grouped(cycles) + (cycles == 1 ? " cycle)" : " cycles)");
}

void Explainer::write_json(const Event& e) {
  const bool kswapd = current_ == kKswapd;
  std::string j = "{\"record\":" + std::to_string(kswapd ? last_record_ : record_of_[current_]);
  j += ",\"cycle\":" + std::to_string(kswapd || !record_cycle_.count(current_) ? now_() : record_cycle_[current_]);
  if (kswapd) j += ",\"cpu\":null,\"vm\":null,\"vcpu\":null,\"actor\":\"kswapd\"";
  else
    j += ",\"cpu\":" + std::to_string(current_) + ",\"vm\":" + std::to_string(current_ / vcpus_per_vm_) +
         ",\"vcpu\":" + std::to_string(current_ % vcpus_per_vm_);
  j += ",\"event\":\"" + std::string(event_name(e.kind())) + "\"";
  if (with_text_) {  // the view shows each event's words
    const std::string t = e.kind() == EventKind::record       ? record_head(e)
                          : e.kind() == EventKind::record_end ? cycles_words(e["cycles"])
                                                              : event_text(e);
    if (!t.empty()) j += ",\"text\":" + json_string(t);
  }
  for (const EventField& f : e.fields()) {
    j += ",\"" + std::string(f.key) + "\":";
    switch (f.type) {
      case EventField::Type::Num:
      case EventField::Type::Hex: j += std::to_string(f.num); break;
      case EventField::Type::Flag: j += f.num ? "true" : "false"; break;
      case EventField::Type::Word: j += json_string(f.word); break;
    }
  }
  out_ << j << "}\n";
}

void Explainer::emit(const Event& e) {
  Actor& a = actors_[current_];
  if (!a.in_window) return;
  ++events_;
  if (emit_ == Emit::Jsonl) {
    write_json(e);
    // The lines are kept in JSON mode too, so that stop() knows which actors were mid-record.
    if (e.kind() == EventKind::record || e.kind() == EventKind::scan_page) a.open.emplace_back();
    else if ((e.kind() == EventKind::record_end || e.kind() == EventKind::scan_decision) && !a.open.empty()) a.open.pop_back();
    return;
  }
  switch (e.kind()) {
    case EventKind::record: {
      Line l;
      l.head = record_head(e);
      a.open.push_back(std::move(l));
      return;
    }
    case EventKind::record_end: {
      if (a.open.size() != 1) throw std::logic_error("explain: a line left open in a record");
      std::vector<std::string>& steps = a.open.back().steps;
      const std::string total = cycles_words(e["cycles"]);
      if (steps.empty()) steps.push_back(total);
      else steps.back() += " " + total;
      close();
      return;
    }
    case EventKind::scan_page: open(event_text(e)); return;
    case EventKind::scan_decision: {
      const std::string t = event_text(e);
      if (!t.empty()) step(t);
      close();
      return;
    }
    default: {
      const std::string t = event_text(e);
      if (!t.empty()) step(t);
    }
  }
}

void Explainer::step(const std::string& fact) {
  Actor& a = actors_[current_];
  if (a.open.empty()) {  // a fact of its own (kswapd waking): a line now
    out_ << "@" << grouped(now_()) << ' ' << name(current_) << ": " << fact << '\n';
    return;
  }
  a.open.back().steps.push_back(fact);
}

void Explainer::open(const std::string& head) {
  Actor& a = actors_[current_];
  Line l;
  l.head = a.open.empty() ? "@" + grouped(now_()) + " " + name(current_) + " " + head : head;
  a.open.push_back(std::move(l));
}

void Explainer::close() {
  Actor& a = actors_[current_];
  if (a.open.empty()) throw std::logic_error("explain: close without open");
  Line l = std::move(a.open.back());
  a.open.pop_back();
  if (!a.open.empty()) {  // nested: printed under its parent
    a.open.back().children.push_back(l.text(one_step_per_line_));
    for (std::string& c : l.children) a.open.back().children.push_back(indented("  ", c));
    return;
  }
  out_ << l.text(one_step_per_line_) << '\n';
  for (const std::string& c : l.children) out_ << indented("    ", c) << '\n';
}

void Explainer::begin_record(unsigned cpu, const TraceRecord& r, std::uint64_t now) {
  current_ = cpu;
  std::deque<std::uint64_t>& q = indices_[cpu];
  if (q.empty()) throw std::logic_error("explain: a record the reader did not number");
  const std::uint64_t index = q.front();
  q.pop_front();
  Actor& a = actors_[cpu];
  a.in_window = index >= from_ && index < to_;
  if (!a.in_window) return;
  if (!started_) started_ = true, actors_[kKswapd].in_window = true;
  record_of_[cpu] = last_record_ = index;
  record_cycle_[cpu] = now;
  emit(Event(EventKind::record).num("index", index).word("op", std::string(1, op_char(r.op))).hex("gva", r.gva)
           .num("size", r.size).num("pid", r.pid));
}

void Explainer::end_record(std::uint64_t cycles) {
  if (!actors_[current_].in_window) return;
  Event e(EventKind::record_end);
  e.num("cycles", cycles);
  if (record_end_fields_) record_end_fields_(e);
  emit(e);
}

void Explainer::stop(const std::string& why) {
  for (auto& [id, a] : actors_) {
    if (!a.in_window || a.open.empty()) continue;
    current_ = id;
    emit(Event(EventKind::stopped).word("why", why));
    if (emit_ == Emit::Jsonl) continue;
    while (!a.open.empty()) close();
  }
}

}  // namespace mmusim
