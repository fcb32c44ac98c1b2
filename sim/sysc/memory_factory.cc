#include "sysc/memory_factory.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "host/lru_gen.h"
#include "reclaim/lru_gen_reclaim.h"
#include "reclaim/vmscan.h"
#include "sysc/native_memory.h"
#include "sysc/vm_memory.h"

namespace mmusim {

namespace {

Cycles us_to_cycles(std::uint64_t us, const SimConfig& c) { return us * c.sim.cpu_mhz; }

HostConfig host_config(const SimConfig& c) {
  HostConfig h;
  h.new_anon_active = c.reclaim.new_anon_active;
  h.minor_fault_cycles = c.cost.host_minor_fault_cycles;
  h.min_free_kb = c.reclaim.min_free_kb;
  h.swap_slots = c.swap.mb * 256;
  h.swap_queue_depth = static_cast<unsigned>(c.swap.queue_depth);
  h.swap_read_cycles = us_to_cycles(c.swap.read_us, c);
  h.swap_write_cycles = us_to_cycles(c.swap.write_us, c);
  h.writeback_rotate = c.reclaim.writeback_rotate;
  // swap_setup (mm/swap.c, 2.6.28): page_cluster 2 below 16 MiB of memory, else 3.
  h.page_cluster = c.swap.page_cluster == "auto" ? (c.host.mem_mb < 16 ? 2u : 3u)
                                                   : static_cast<unsigned>(std::stoul(c.swap.page_cluster));
  h.vm_swap_full = c.swap.vm_swap_full;
  h.gup_fast = c.kvm.gfn_to_pfn == "gup_fast";
  h.swap_token = c.reclaim.swap_token;
  h.unmap_checks_young = c.reclaim.unmap_checks_young;
  h.clear_young_flush = c.reclaim.clear_young_flush;
  h.watermark_scale_factor = static_cast<unsigned>(c.reclaim.watermark_scale_factor);
  h.thp = c.host.thp == "always";
  h.thp_swap = c.reclaim.thp_swap == "whole";
  return h;
}

VmscanConfig vmscan_config(const SimConfig& c) {
  VmscanConfig v;
  v.scan_page_cycles = c.reclaim.scan_page_cycles;
  v.rmap_walk_cycles = c.reclaim.rmap_walk_cycles;
  v.timed_batches = c.reclaim.timed_batches;
  v.progress_freed = c.reclaim.progress_freed;
  v.zone_scan_accounting = c.reclaim.zone_scan_accounting;
  v.classic_2624 = c.reclaim.lru == "classic-2.6.24";
  v.congestion_timeout_cycles = c.reclaim.congestion_wait ? us_to_cycles(c.reclaim.congestion_timeout_ms * 1000, c) : 0;
  return v;
}

LruGenConfig lru_gen_config(const SimConfig& c) {
  LruGenConfig g;
  g.scan_page_cycles = c.reclaim.scan_page_cycles;
  g.rmap_walk_cycles = c.reclaim.rmap_walk_cycles;
  g.walk_pte_cycles = c.reclaim.walk_pte_cycles;
  g.notifier_call_cycles = c.cost.notifier_call_cycles;
  g.notify_young = c.reclaim.mglru_notify_young;
  g.min_ttl_cycles = us_to_cycles(c.reclaim.mglru_min_ttl_ms * 1000, c);
  g.timed_batches = c.reclaim.timed_batches;
  return g;
}

HugetlbRange hugetlb_1g(const SimConfig& c) { return HugetlbRange{c.guest.hugetlb_1g_at, c.guest.hugetlb_1g_gib}; }

VmMemoryConfig shadow_config(const SimConfig& c, sc_core::sc_time period) {
  VmMemoryConfig s;
  s.nested = c.sim.mode == SimMode::Nested;
  s.mmu_shrink = c.kvm.mmu_shrink;
  s.vms = static_cast<unsigned>(c.guest.vms);
  s.vcpus_per_vm = static_cast<unsigned>(c.guest.vcpus);
  s.guest_frames = c.guest.mem_mb * 256;
  s.guest_fault_cycles = c.cost.guest_fault_cycles;
  s.guest_dirty_at_fault = c.guest.dirty_at_fault;
  s.guest_thp = c.guest.thp == "always";
  s.guest_hugetlb_1g = hugetlb_1g(c);
  KvmConfig& k = s.kvm;
  // kvm_mmu_calculate_mmu_pages (2.6.28): 20 per mille of guest pages, at least 64.
  k.max_mmu_pages = c.kvm.max_mmu_pages ? c.kvm.max_mmu_pages : std::max<std::uint64_t>(64, s.guest_frames * 20 / 1000);
  k.unsync = c.kvm.unsync;
  k.bypass_guest_pf = c.kvm.bypass_guest_pf;
  k.vpid = c.kvm.vpid;
  k.vmexit_cycles = c.cost.vmexit_cycles;
  k.shadow_fault_cycles = c.cost.shadow_fault_cycles;
  k.pt_write_emulation_cycles = c.cost.pt_write_emulation_cycles;
  k.ipi_cycles = c.cost.ipi_cycles;
  k.notifier_call_cycles = c.cost.notifier_call_cycles;
  k.aging.name = c.kvm.aging;
  k.aging.spte_lru_drop_every = c.kvm.spte_lru_drop_every;
  k.aging.flush_on_young = c.kvm.flush_on_young;
  k.aging.access_track_mark = c.kvm.access_track == "mark";
  k.aging.fast_fault_cycles = c.cost.fast_fault_cycles;
  k.ept_ad_bits = c.ept.ad_bits;
  k.tdp_fault_cycles = c.cost.tdp_fault_cycles;
  k.host_thp = c.host.thp == "always";
  k.flush_request_bit = c.kvm.flush_request_bit;
  k.rmap_remove_accessed = c.kvm.rmap_remove_accessed == "always" ? KvmConfig::RmapAccessed::Always
                           : c.kvm.rmap_remove_accessed == "none" ? KvmConfig::RmapAccessed::None
                                                                  : KvmConfig::RmapAccessed::SpteA;
  s.period = period;
  return s;
}

}  // namespace

MemoryParts make_memory_system(const SimConfig& cfg, sc_core::sc_time period) {
  MemoryParts p;
  switch (cfg.sim.mode) {
    case SimMode::Native:
      p.memory = std::make_unique<NativeMemory>("memory", cfg.host.mem_mb * 256, cfg.cost.host_minor_fault_cycles,
                                                cfg.guest.thp == "always", hugetlb_1g(cfg));
      return p;
    case SimMode::Shadow:
    case SimMode::Nested: {  // guests under KVM: the paging mode is the VmMemory's choice
      const std::uint64_t frames = cfg.host.mem_mb * 256;
      if (cfg.reclaim.lru == "mglru") {
        p.host = std::make_unique<HostModule>("host", frames, host_config(cfg), std::make_unique<LruGen>(frames));
        const LruGenConfig g = lru_gen_config(cfg);
        p.reclaim = std::make_unique<ReclaimModule>(
            "reclaim", [g](HostMemory& h) { return std::make_unique<LruGenReclaim>(h, g); }, g.timed_batches, period);
      } else {
        p.host = std::make_unique<HostModule>("host", frames, host_config(cfg));
        const VmscanConfig v = vmscan_config(cfg);
        p.reclaim = std::make_unique<ReclaimModule>(
            "reclaim", [v](HostMemory& h) { return std::make_unique<Vmscan>(h, v); }, v.timed_batches, period);
      }
      p.reclaim->host.bind(p.host->host_export);
      auto shadow = std::make_unique<VmMemory>("kvm", shadow_config(cfg, period));
      shadow->host.bind(p.host->host_export);
      p.memory = std::move(shadow);
      return p;
    }
  }
  throw std::logic_error("make_memory_system: a sim.mode without a memory system");
}

}  // namespace mmusim
