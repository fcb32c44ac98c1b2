#include "sysc/vcpu.h"

#include "common/errors.h"
#include "util/input_error.h"
#include "sysc/asan_stack.h"

namespace mmusim {

// Sums over many vCPUs saturate (add_saturating, common/counters.h): each vCPU's own count is
// bounded by simulated time, 2^64 ps, their sum is not.
VcpuStats& VcpuStats::operator+=(const VcpuStats& o) {
  add_saturating(accesses, o.accesses);
  add_saturating(context_switches, o.context_switches);
  add_saturating(cycles, o.cycles);
  add_saturating(gap_cycles, o.gap_cycles);
  CauseCycles& c = causes;
  const CauseCycles& d = o.causes;
  for (auto [x, y] : {std::pair{&c.vmexit, d.vmexit}, {&c.guest_fault, d.guest_fault}, {&c.shadow_fault, d.shadow_fault},
                      {&c.pt_write, d.pt_write}, {&c.host_fault, d.host_fault}, {&c.ipi, d.ipi},
                      {&c.major_fault, d.major_fault}, {&c.direct_reclaim, d.direct_reclaim}, {&c.reclaim, d.reclaim}})
    add_saturating(*x, y);
  return *this;
}

Vcpu::Vcpu(const sc_core::sc_module_name& name, unsigned cpu, Cycles quantum, sc_core::sc_time period,
           std::uint64_t check_every, std::function<void()> checker, std::function<void()> on_done)
    : sc_module(name), cpu_(cpu), quantum_(quantum), period_(period), check_every_(check_every),
      check_countdown_(check_every ? check_every : ~std::uint64_t{0}),
      checker_(std::move(checker)), on_done_(std::move(on_done)) {
  SC_THREAD(run);
}

void Vcpu::sync() {
  if (offset_ == 0) return;
  // Integer picoseconds: exact, and an overflow of SystemC's 64-bit time is reported, not wrapped.
  const std::uint64_t ps = period_.value(), now = sc_core::sc_time_stamp().value();
  if (offset_ > (~std::uint64_t{0} - now) / ps) time_overflow();
  sc_core::wait(sc_core::sc_time::from_value(ps * offset_));
  offset_ = 0;
  if (explain_) explain_->set_actor(cpu_);  // other threads may have acted meanwhile
}

void Vcpu::time_overflow() const {
  // Name what made this vCPU's time so long: the cost key (or the trace's gaps) behind the
  // largest share of its cycles.
  const CauseCycles& c = stats_.causes;
  const MmuStats m = mmu_ ? mmu_->stats() : MmuStats{};
  const std::pair<Cycles, const char*> shares[] = {
      {stats_.gap_cycles, "gap"},
      {m.tlb_cycles, "tlb.stlb_hit_cycles"},
      {m.walk_cycles, "walk.ref_cycles"},
      {m.dirty_assist_cycles, "walk.dirty_assist_cycles"},
      {c.vmexit, "cost.vmexit_cycles"},
      {c.guest_fault, "cost.guest_fault_cycles"},
      {c.shadow_fault, "cost.shadow_fault_cycles"},
      {c.pt_write, "cost.pt_write_emulation_cycles"},
      {c.host_fault, "cost.host_minor_fault_cycles"},
      {c.ipi, "cost.ipi_cycles"},
      {c.major_fault, "swap.read_us"},
      {c.direct_reclaim + c.reclaim, "reclaim.scan_page_cycles"},
  };
  const auto* top = &shares[0];
  for (const auto& x : shares)
    if (x.first > top->first) top = &x;
  const std::string what = "simulated time passes 2^64 ps (about 213 days): " + std::to_string(top->first) +
                           " of vCPU " + std::to_string(cpu_) + "'s " + std::to_string(stats_.cycles) + " cycles come from ";
  if (top == &shares[0]) throw InputError("", 0, "gap", what + "the trace's gaps, which are too long");
  throw LimitExceeded(what + top->second + ", which is too large", top->second);
}

void Vcpu::charge(const CauseCycles& c, Cycles& cycles) {
  stats_.causes += c;
  cycles += c.total();
}

Cycles Vcpu::switch_to(std::uint16_t vm, std::uint32_t pid) {
  sync();  // may create a process or exit to KVM: shared state
  if (has_ctx_) ++stats_.context_switches;
  has_ctx_ = true;
  vm_ = vm;
  pid_ = pid;
  const Cr3Load l = memory->switch_to(cpu_, vm, pid);
  mmu_->load_context(l.context);
  Cycles c = 0;
  charge(l.cost, c);
  return c;
}

void Vcpu::run() {
  char top;  // near the top of this thread's stack (asan_stack.h)
  try {
    replay();
  } catch (...) {
    asan_clear_unwound_stack(&top, static_cast<std::size_t>(sc_core::SC_DEFAULT_STACK_SIZE));
    error_ = std::current_exception();
    sc_core::sc_stop();
  }
}

// One batch of records; kExplain says whether explain_ is set. Without it the explain mode's steps
// are compiled out of the loop that every record of a normal run goes through.
template <bool kExplain>
void Vcpu::replay_batch() {
  for (const TraceRecord& r : batch_) {
    const Cycles cycles_before = stats_.cycles;
    if (kExplain) {
      explain_->begin_record(cpu_, r, sc_core::sc_time_stamp().value() / period_.value() + offset_);
      if (explaining(explain_) && r.gap) explain_->emit(Event(EventKind::gap).num("cycles", r.gap));
    }
    Cycles c = r.gap;
    stats_.gap_cycles += r.gap;
    if (pending_.any) {  // exits other vCPUs caused here (remote TLB flushes)
      if (kExplain && explaining(explain_)) explain_->emit(Event(EventKind::ipi_exits).num("exits", pending_.exits).flag("after", false));
      charge(pending_.causes, c);
      pending_ = PendingWork{};
    }
    if (!has_ctx_ || r.pid != pid_ || r.vm != vm_) {
      offset_ += c, stats_.cycles += c, c = 0;
      if (kExplain && explaining(explain_)) explain_->emit(Event(EventKind::switch_pid).num("pid", r.pid).num("vm", r.vm));
      c = switch_to(r.vm, r.pid);
    }
    const bool write = op_writes(r.op), fetch = r.op == Op::Fetch;
    // Every 4 KiB page of [gva, gva + size) in address order; size 0 counts as 1 (semantics 1).
    const std::uint64_t first = r.gva >> kPageShift;
    const std::uint64_t last = (r.gva + (r.size ? r.size : 1) - 1) >> kPageShift;
    for (std::uint64_t vpn = first; vpn <= last; ++vpn) {
      if (last > first && kExplain && explaining(explain_)) explain_->emit(Event(EventKind::page).hex("addr", vpn << kPageShift));
      for (;;) {
        const std::uint64_t events_before = kExplain ? explain_->events() : 0;
        const Translation t = mmu_->translate(Vpn{vpn}, write, fetch);
        c += t.cycles;
        // The inline L1 hit reports nothing: say it here (a hit in the L1's 2 MiB array is inline too).
        if (kExplain && explaining(explain_) && explain_->events() == events_before)
          explain_->emit(tlb_lookup_event(fetch ? "iTLB" : "dTLB", true, Vpn{vpn}, t.size));
        if (t.ok) break;
        offset_ += c, stats_.cycles += c, c = 0;
        sync();
        const CauseCycles f = memory->handle_fault(cpu_, Vpn{vpn}, write, fetch, t);
        charge(f, c);
        if (f.major_fault) {  // the fault sleeps on a swap read: wait for it, then let it finish
          offset_ += c, stats_.cycles += c, c = 0;
          sync();
          charge(memory->finish_fault(cpu_), c);
        }
        if (kExplain && explaining(explain_)) explain_->emit(Event(EventKind::retry).flag("resume", f.vmexit != 0));
      }
    }
    offset_ += c;
    stats_.cycles += c;
    ++stats_.accesses;
    if (warmup_left_ && *warmup_left_ && --*warmup_left_ == 0)
      warmed_(sc_core::sc_time_stamp().value() / period_.value() + offset_);
    if (kExplain) explain_->end_record(stats_.cycles - cycles_before);
    if (offset_ >= quantum_) sync();
    if (--check_countdown_ == 0) {  // every check_every_ records; a countdown, not a division per record
      check_countdown_ = check_every_;
      checker_();
    }
  }
}

void Vcpu::replay() {
  mmu_ = &mmu->mmu_model();
  memory->attach_cpu(cpu_, mmu_, &pending_);
  for (;;) {
    sync();  // taking a batch may wait for other vCPUs in simulated time
    if (!trace->take(cpu_, batch_)) break;
    if (explain_) replay_batch<true>();
    else replay_batch<false>();
  }
  memory->detach_cpu(cpu_);  // from now on no IPI reaches this vCPU
  if (pending_.any) {
    Cycles c = 0;
    charge(pending_.causes, c);
    offset_ += c, stats_.cycles += c;
    if (explain_) explain_->set_actor(cpu_);
    if (explaining(explain_)) explain_->emit(Event(EventKind::ipi_exits).num("exits", pending_.exits).flag("after", true).num("cycles", c));
  }
  sync();
  if (checker_) checker_();
  if (on_done_) on_done_();
}

}  // namespace mmusim
