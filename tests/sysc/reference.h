// A second, simple method for the SystemC tests: replay records through the plain models in a
// loop, without SystemC, threads, queues or quanta. The simulator must produce the same figures.
#pragma once
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "mmu/mmu.h"
#include "native/native_os.h"
#include "sysc/simulation.h"
#include "trace/record.h"

namespace mmusim::test {

struct Reference {
  MmuStats mmu;
  std::uint64_t page_faults = 0, context_switches = 0, accesses = 0;
  std::vector<Cycles> vcpu_cycles;
};

// Each vCPU's records in file order, one vCPU after the other (valid when vCPUs run distinct
// processes: then their interleaving changes no count).
inline Reference reference_replay(const std::vector<TraceRecord>& recs, const SimConfig& cfg) {
  MmuConfig mc;
  mc.l1i_entries = cfg.tlb.l1i_entries, mc.l1i_ways = cfg.tlb.l1i_ways;
  mc.l1d_entries = cfg.tlb.l1d_entries, mc.l1d_ways = cfg.tlb.l1d_ways;
  mc.stlb_entries = cfg.tlb.stlb_entries, mc.stlb_ways = cfg.tlb.stlb_ways;
  mc.pwc_entries = cfg.walk.pwc_entries;
  mc.l1_hit_cycles = cfg.tlb.l1_hit_cycles, mc.stlb_hit_cycles = cfg.tlb.stlb_hit_cycles;
  mc.walk_ref_cycles = cfg.walk.ref_cycles, mc.dirty_assist_cycles = cfg.walk.dirty_assist_cycles;
  FrameAllocator frames(cfg.host.mem_mb * 256, "host");
  NativeOs os(frames);
  Reference ref;
  ref.vcpu_cycles.assign(cfg.guest.vms * cfg.guest.vcpus, 0);
  for (unsigned v = 0; v < cfg.guest.vms * cfg.guest.vcpus; ++v) {
    Mmu mmu(mc);
    bool loaded = false;
    std::pair<unsigned, unsigned> cur{};
    for (const TraceRecord& r : recs) {
      if (r.vm * cfg.guest.vcpus + r.vcpu != v) continue;
      ++ref.accesses;
      Cycles c = r.gap;
      if (!loaded || cur != std::pair<unsigned, unsigned>{r.vm, r.pid}) {
        if (loaded) ++ref.context_switches;
        loaded = true;
        cur = {r.vm, r.pid};
        const auto ctx = os.context(r.vm, r.pid);
        mmu.load_cr3(ctx, os.table(ctx).root());
      }
      const std::uint64_t last = (r.gva + (r.size ? r.size : 1) - 1) >> 12;
      for (std::uint64_t vpn = r.gva >> 12; vpn <= last; ++vpn) {
        for (;;) {
          const Translation t = mmu.translate(Vpn{vpn}, op_writes(r.op), r.op == Op::Fetch);
          c += t.cycles;
          if (t.ok) break;
          os.handle_page_fault(mmu.ctx(), Vpn{vpn});
          c += cfg.cost.host_minor_fault_cycles;
        }
      }
      ref.vcpu_cycles[v] += c;
    }
    ref.mmu += mmu.stats();
  }
  ref.page_faults = os.stats().page_faults;
  return ref;
}

// A deterministic mixed workload: `pages` pages per process, all ops, sizes that cross pages,
// gaps, and process switches every `slice` records of a vCPU.
inline std::vector<TraceRecord> mixed_records(std::size_t n, unsigned vcpus, unsigned pids_per_vcpu, unsigned pages,
                                              unsigned slice) {
  std::vector<TraceRecord> v;
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (std::size_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    TraceRecord r;
    r.vcpu = static_cast<std::uint16_t>(i % vcpus);
    r.pid = static_cast<std::uint32_t>(r.vcpu * pids_per_vcpu + (i / vcpus / slice) % pids_per_vcpu);
    const std::uint64_t page = (x >> 33) % pages;
    r.gva = 0x400000 + page * 4096 + ((x >> 20) & 4095);
    r.op = static_cast<Op>((x >> 12) & 3);
    r.size = static_cast<std::uint32_t>((x >> 8) & 15);
    r.gap = (x >> 4) & 7;
    v.push_back(r);
  }
  return v;
}

inline void write_csv(const std::string& path, const std::vector<TraceRecord>& recs) {
  std::ofstream out(path);
  out << "vm,vcpu,pid,op,gva,size,gap\n";
  for (const TraceRecord& r : recs)
    out << r.vm << ',' << r.vcpu << ',' << r.pid << ',' << op_char(r.op) << ",0x" << std::hex << r.gva << std::dec
        << ',' << r.size << ',' << r.gap << '\n';
}

}  // namespace mmusim::test
