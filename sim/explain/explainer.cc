#include "explain/explainer.h"

#include <stdexcept>

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

Explainer::Explainer(std::ostream& out, std::uint64_t from, std::uint64_t to, unsigned vms, unsigned vcpus_per_vm)
    : out_(out), from_(from), to_(to), vms_(vms), vcpus_per_vm_(vcpus_per_vm) {
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

void Explainer::step(const std::string& fact) {
  Actor& a = actors_[current_];
  if (!a.in_window) return;
  ++steps_;
  if (a.open.empty()) {  // a fact of its own (kswapd waking): a line now
    out_ << "@" << grouped(now_()) << ' ' << name(current_) << ": " << fact << '\n';
    return;
  }
  a.open.back().steps.push_back(fact);
}

void Explainer::open(const std::string& head) {
  Actor& a = actors_[current_];
  if (!a.in_window) return;
  Line l;
  l.head = a.open.empty() ? "@" + grouped(now_()) + " " + name(current_) + " " + head : head;
  a.open.push_back(std::move(l));
}

void Explainer::close() {
  Actor& a = actors_[current_];
  if (!a.in_window) return;
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
  Line l;
  l.head = "#" + std::to_string(index) + " @" + grouped(now) + " " + name(cpu) + " " + op_char(r.op) + " " + to_hex(r.gva);
  if (r.size > 1) l.head += " (" + std::to_string(r.size) + " bytes)";
  a.open.push_back(std::move(l));
}

void Explainer::end_record(std::uint64_t cycles) {
  Actor& a = actors_[current_];
  if (!a.in_window) return;
  if (a.open.size() != 1) throw std::logic_error("explain: a line left open in a record");
  std::vector<std::string>& steps = a.open.back().steps;
  const std::string total = "(+" + grouped(cycles) + (cycles == 1 ? " cycle)" : " cycles)");
  if (steps.empty()) steps.push_back(total);
  else steps.back() += " " + total;
  close();
}

void Explainer::stop(const std::string& why) {
  for (auto& [id, a] : actors_) {
    if (!a.in_window || a.open.empty()) continue;
    current_ = id;
    a.open.back().steps.push_back("stopped: " + why);
    while (!a.open.empty()) close();
  }
}

}  // namespace mmusim
