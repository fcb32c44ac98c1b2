#include "sysc/simulation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>
#include <systemc>
#include <vector>

#include "common/errors.h"
#include "explain/explainer.h"
#include "sysc/asan_stack.h"
#include "sysc/host_module.h"
#include "sysc/memory_factory.h"
#include "sysc/mmu_module.h"
#include "sysc/trace_source.h"
#include "sysc/vcd_probe.h"
#include "sysc/vcpu.h"
#include "trace/limit_reader.h"
#include "trace/prefetch_reader.h"

namespace mmusim {

MmuConfig mmu_config(const SimConfig& c) {
  MmuConfig m;
  m.l1i_entries = c.tlb.l1i_entries, m.l1i_ways = c.tlb.l1i_ways;
  m.l1d_entries = c.tlb.l1d_entries, m.l1d_ways = c.tlb.l1d_ways;
  m.stlb_entries = c.tlb.stlb_entries, m.stlb_ways = c.tlb.stlb_ways;
  m.l1i_2m_entries = c.tlb.l1i_2m_entries, m.l1i_2m_ways = c.tlb.l1i_2m_ways;
  m.l1d_2m_entries = c.tlb.l1d_2m_entries, m.l1d_2m_ways = c.tlb.l1d_2m_ways;
  m.l1d_1g_entries = c.tlb.l1d_1g_entries, m.l1d_1g_ways = c.tlb.l1d_1g_ways;
  m.stlb_1g_entries = c.tlb.stlb_1g_entries, m.stlb_1g_ways = c.tlb.stlb_1g_ways;
  m.pwc_entries = c.walk.pwc_entries;
  m.l1_hit_cycles = c.tlb.l1_hit_cycles;
  m.stlb_hit_cycles = c.tlb.stlb_hit_cycles;
  m.walk_ref_cycles = c.walk.ref_cycles;
  m.dirty_assist_cycles = c.walk.dirty_assist_cycles;
  if (c.sim.mode == SimMode::Nested) {  // the EPT dimension's caches exist under nested paging only
    m.ept_pwc_entries = static_cast<unsigned>(c.ept.pwc_entries);
    m.ntlb_entries = static_cast<unsigned>(c.ept.ntlb_entries);
    m.ntlb_ways = static_cast<unsigned>(c.ept.ntlb_ways);
    m.ept_ad_bits = c.ept.ad_bits;
  }
  return m;
}

namespace {

// The machine: guest.vms x guest.vcpus vCPUs, each with its TLBs, on one memory system; the
// trace split among them (record (vm, vcpu) runs on CPU vm * guest.vcpus + vcpu).
class Top : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Top);
  Top(const sc_core::sc_module_name& name, const RunRequest& req, sc_core::sc_time period,
      TimelineWriter* timeline)
      : sc_module(name), cfg_(req.cfg), period_(period), timeline_(timeline), explain_(req.explain),
        warmup_left_(req.cfg.sim.warmup_records) {
    // CPUs 0 .. guests - 1 run the VMs' vCPUs; the host CPUs (host.cpus, in a mode with a host)
    // come after them and run the host's processes.
    const unsigned guests = static_cast<unsigned>(cfg_.guest.vms * cfg_.guest.vcpus);
    const unsigned host_cpus = mode_spec(cfg_.sim.mode).has_host ? static_cast<unsigned>(cfg_.host.cpus) : 0;
    const unsigned n = guests + host_cpus;
    auto reader = open_trace(req.trace_path, req.trace_options);
    reader->set_limits(machine_limits(static_cast<std::uint32_t>(cfg_.guest.vms), static_cast<std::uint32_t>(cfg_.guest.vcpus),
                                      host_cpus, mode_spec(cfg_.sim.mode).has_host));
    reader->set_skip_bad(req.skip_bad_lines);
    // Text is parsed on a second thread, ahead of the simulation; binary .mtr records decode at
    // hundreds of millions a second, cheaper than handing batches between threads, so they are
    // read in place and a run takes one core (compare and sweep -j N then use N cores, not 1.1 N),
    // unless the file is compressed: decompressing is work for the second thread.
    std::unique_ptr<TraceReader> source = std::move(reader);
    if (source->format() != TraceFormat::Mtr || source->compression() != Compression::None)
      source = std::make_unique<PrefetchReader>(std::move(source), TraceSource::kBatchRecords, 16);
    if (cfg_.sim.max_records) {
      const std::uint64_t w = cfg_.sim.warmup_records, m = cfg_.sim.max_records;
      source = limit_records(std::move(source), w > ~m ? ~std::uint64_t{0} : w + m);
    }
    if (explain_) source = explain_->window_reader(std::move(source));
    source_ = std::make_unique<TraceSource>("trace", std::move(source), static_cast<unsigned>(cfg_.guest.vcpus), n,
                                            cfg_.sim.trace_queue_records, guests);
    MemoryParts parts = make_memory_system(cfg_, period);
    memory_ = std::move(parts.memory);
    host_ = std::move(parts.host);
    reclaim_ = std::move(parts.reclaim);
    for (unsigned i = 0; i < n; ++i) {
      const std::string id = std::to_string(i);
      tlbs_.push_back(std::make_unique<MmuModule>(("tlb" + id).c_str(), mmu_config(cfg_)));
      std::function<void()> checker;
      if (cfg_.sim.check) checker = [this, i] { check(i); };
      vcpus_.push_back(std::make_unique<Vcpu>(("vcpu" + id).c_str(), i, cfg_.sim.quantum_cycles, period,
                                              cfg_.sim.check ? cfg_.sim.check_every : 0, checker, [this] { vcpu_done(); }));
      vcpus_.back()->trace.bind(source_->source_export);
      vcpus_.back()->mmu.bind(tlbs_.back()->translate_export);
      vcpus_.back()->memory.bind(memory_->memory_port());
      if (warmup_left_) vcpus_.back()->set_warmup(&warmup_left_, [this](Cycles t) { warmed(t); });
      if (explain_) {
        vcpus_.back()->set_explain(explain_);
        tlbs_.back()->mmu_model().set_explain(explain_, mode_spec(cfg_.sim.mode).walk_entry, i);
      }
    }
    if (timeline_ && cfg_.sim.timeline_interval_cycles) SC_THREAD(sample);
    if (!req.vcd.path.empty())
      vcd_ = std::make_unique<VcdProbe>("vcd", req.vcd, period, cfg_.sim.cpu_mhz, [this] { return vcd_sample(); });
  }

  // The waveform files, complete, once the run has ended.
  void finish_waveforms() {
    if (vcd_) vcd_->finish();
  }

  // Simulated time when the last vCPU finished: the run's length (kswapd's tail does not count).
  Cycles end_cycles() const { return end_; }
  // sim.warmup_records: whether the warm-up ended, when, and the figures then.
  bool warmed_up() const { return warm_done_; }
  Cycles warm_cycles() const { return warm_cycles_; }
  const RunSummary& warm_summary() const { return warm_; }

  void rethrow_errors() const {
    for (const auto& v : vcpus_)
      if (v->error()) std::rethrow_exception(v->error());
  }

  RunSummary summary() const {
    RunSummary s;
    s.mode = cfg_.sim.mode;
    s.policy = mode_spec(cfg_.sim.mode).has_aging_policy ? cfg_.kvm.aging : "none";
    RunStats run;
    run.cycles = end_;  // when the last vCPU finished: the run's length (kswapd's tail does not count)
    run.vcpus = vcpus_.size();
    run.invariant_violations = violations_;
    run.trace_stall_cycles = source_->stall_time().value() / period_.value();
    run.skipped_records = source_->skipped_records();
    s.add(run);
    VcpuStats v;  // summed first: the sums saturate instead of wrapping
    for (const auto& x : vcpus_) v += x->stats();
    s.add(v);
    for (const auto& t : tlbs_) s.add(t->mmu());
    memory_->fill_summary(s);
    if (reclaim_) {
      s.add(reclaim_->reclaimer().stats());
      s.add(reclaim_->stats());
    }
    return s;
  }

 private:
  Cycles now() const { return sc_core::sc_time_stamp().value() / period_.value(); }

  // The models exist now (some are made at the end of elaboration): connect them to explain mode.
  void start_of_simulation() override {
    if (!explain_) return;
    explain_->set_clock([this] { return now(); });
    explain_->set_record_end_fields([this](Event& e) {  // the host's levels after each record
      const RunSummary s = summary();
      for (const char* level : {"free_frames", "lru_active_pages", "lru_inactive_pages", "shadow_pages"}) e.num(level, s[level]);
    });
    memory_->set_explain(explain_);
    if (reclaim_) reclaim_->set_explain(explain_);
  }

  VcdSample vcd_sample() const {
    const RunSummary s = summary();
    VcdSample v;
    v.free_pages = s["free_frames"];
    v.lru_active_pages = s["lru_active_pages"], v.lru_inactive_pages = s["lru_inactive_pages"];
    v.vmexits = s["vmexits"];
    v.tlb_misses = s["l1i_misses"] + s["l1d_misses"];
    v.stlb_misses = s["stlb_misses"];
    v.shadow_pages = s["shadow_pages"];
    v.swap_ins = s["swap_ins"];
    if (host_) v.swap_in_flight = host_->host_model().swap_in_flight(now());
    if (reclaim_) v.kswapd_running = reclaim_->kswapd_running();
    return v;
  }

  // The last warm-up record is complete: the figures from here on are the run's.
  void warmed(Cycles at) {
    warm_done_ = true;
    warm_cycles_ = at;
    warm_ = summary();
    if (timeline_) timeline_->set_baseline(warm_);
  }

  void vcpu_done() {
    if (++done_ < vcpus_.size()) return;
    end_ = now();
    if (timeline_ && !warming() && (timeline_->empty() || timeline_->last_time_cycles() != end_))
      timeline_->add({end_, summary()});
    sc_core::sc_stop();
  }

  // timeline.csv's sampler: wakes every interval of simulated time until the run ends.
  // Past TimelineWriter::kMaxRows rows the writer merges rows and the interval doubles (stride()).
  void sample() {
    for (;;) {
      const unsigned __int128 ps = static_cast<unsigned __int128>(period_.value()) * cfg_.sim.timeline_interval_cycles *
                                   timeline_->stride();
      if (ps > ~std::uint64_t{0}) {  // past the end of simulated time: no more rows but the last
        sc_core::wait(sc_core::SC_ZERO_TIME);
        return;
      }
      sc_core::wait(sc_core::sc_time::from_value(static_cast<std::uint64_t>(ps)));
      if (!warming()) timeline_->add({now(), summary()});
    }
  }

  bool warming() const { return cfg_.sim.warmup_records && !warm_done_; }

  void check(unsigned cpu) {
    for (const std::string& b : memory_->check(tlbs_[cpu]->mmu())) {
      ++violations_;
      const std::string what = "at cycle " + std::to_string(sc_core::sc_time_stamp().value() / period_.value()) +
                               ", CPU " + std::to_string(cpu) + ": " + b;
      if (cfg_.sim.check_abort) throw InvariantViolation(what);
      if (violations_ <= 10) std::cerr << "invariant violation " << what << '\n';
    }
  }

  const SimConfig& cfg_;
  sc_core::sc_time period_;
  std::unique_ptr<TraceSource> source_;
  std::unique_ptr<HostModule> host_;        // shadow mode
  std::unique_ptr<ReclaimModule> reclaim_;  // shadow mode
  std::unique_ptr<MemorySystem> memory_;
  std::vector<std::unique_ptr<MmuModule>> tlbs_;
  std::vector<std::unique_ptr<Vcpu>> vcpus_;
  std::uint64_t violations_ = 0;
  TimelineWriter* timeline_;
  std::size_t done_ = 0;
  Cycles end_ = 0;
  Explainer* explain_;
  std::unique_ptr<VcdProbe> vcd_;
  std::uint64_t warmup_left_;  // records of the warm-up still to replay (all vCPUs)
  bool warm_done_ = false;
  Cycles warm_cycles_ = 0;
  RunSummary warm_;
};

}  // namespace

RunSummary simulate(const RunRequest& req, TimelineWriter* timeline) {
  const SimConfig& cfg = req.cfg;
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions("/IEEE_Std_1666/deprecated", sc_core::SC_DO_NOTHING);
  // Several vCPUs meeting bad input stop the run each: the first stop counts, the others are no news.
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_SIMULATION_STOP_CALLED_TWICE_, sc_core::SC_DO_NOTHING);
  // One cycle in SystemC time, rounded to the picosecond resolution. Figures are counted in
  // integer cycles and converted back exactly, so the rounding never reaches a result.
  const sc_core::sc_time period(std::round(1e6 / static_cast<double>(cfg.sim.cpu_mhz)), sc_core::SC_PS);

  const auto t0 = std::chrono::steady_clock::now();
  Top top("top", req, period, timeline);
  {
    [[maybe_unused]] const AsanOnThreadStack own_stack;  // asan_stack.h: SystemC leaves ASan on a coroutine's stack
    sc_core::sc_start();
  }
  top.rethrow_errors();
  top.finish_waveforms();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  RunSummary s = top.summary();
  s.trace = req.trace_path;
  if (cfg.sim.warmup_records) {
    // A trace no longer than its warm-up leaves nothing to count: accesses 0, refused by the caller.
    s = top.warmed_up() ? counted_since(s, top.warm_summary()) : counted_since(s, s);
    s["cycles"] = top.warmed_up() ? top.end_cycles() - top.warm_cycles() : 0;
  }
  s.sim_seconds = static_cast<double>(s["cycles"]) / (static_cast<double>(cfg.sim.cpu_mhz) * 1e6);
  s.wall_seconds = wall;
  s.accesses_per_second = wall > 0 ? s["accesses"] / wall : 0;
  return s;
}

}  // namespace mmusim
