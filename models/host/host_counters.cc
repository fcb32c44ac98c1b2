// The host memory's summary.csv figures, declared once (common/counters.h).
#include "host/host_memory.h"

namespace mmusim {

const CounterTable<HostMemory>& HostMemory::counters() {
  using K = CounterKind;
  using M = HostMemory;
  static const CounterTable<M> t = {
      {{"host_minor_faults", "faults", K::Count, "host page faults that allocated a frame (shadow mode)"},
       [](const M& h) { return h.stats().minor_faults; }},
      {{"host_major_faults", "faults", K::Count, "host page faults that read swap"},
       [](const M& h) { return h.stats().major_faults; }},
      {{"swap_ins", "pages", K::Count, "pages read from swap"}, [](const M& h) { return h.stats().swap_ins; }},
      {{"swap_outs", "pages", K::Count, "pages written to swap"}, [](const M& h) { return h.stats().swap_outs; }},
      {{"lru_active_pages", "pages", K::Level, "host pages on the active LRU list at the end (shadow mode)"},
       [](const M& h) { return static_cast<std::uint64_t>(h.lru().size(LruList::ActiveAnon)); }},
      {{"lru_inactive_pages", "pages", K::Level, "host pages on the inactive LRU list at the end (shadow mode)"},
       [](const M& h) { return static_cast<std::uint64_t>(h.lru().size(LruList::InactiveAnon)); }},
      {{"direct_reclaims", "calls", K::Count, "allocations below the min watermark that reclaimed directly"},
       [](const M& h) { return h.stats().direct_reclaims; }},
      {{"refaults", "faults", K::Count, "host faults on swapped-out guest pages (major, or found in the swap cache)"},
       [](const M& h) { return h.stats().refaults; }},
      {{"pages_rotated_writeback", "pages", K::Count,
        "pages whose reclaim write completed moved to the inactive tail (rotate_reclaimable_page)"},
       [](const M& h) { return h.stats().pages_rotated_writeback; }},
      {{"swap_reads", "pages", K::Count, "pages read from swap: swap_ins plus swap_readahead_pages"},
       [](const M& h) { return h.swap_reads(); }},
      {{"swap_readahead_pages", "pages", K::Count, "pages swapin_readahead read besides the faulting one (swap.page_cluster)"},
       [](const M& h) { return h.stats().swap_readahead_pages; }},
      {{"swap_readahead_hits", "pages", K::Count, "of those, pages a later fault found in the swap cache (a minor fault)"},
       [](const M& h) { return h.stats().swap_readahead_hits; }},
      {{"swap_slots_freed", "slots", K::Count, "swap slots freed at swap-in because swap was more than half full (vm_swap_full)"},
       [](const M& h) { return h.stats().swap_slots_freed; }},
      {{"swap_token_references", "references", K::Count,
        "page_referenced counts from the swap token: a page of the holder's mm while that mm was in a fault (reclaim.swap_token)"},
       [](const M& h) { return h.stats().swap_token_references; }},
      {{"swap_ins_guests", "pages", K::Count, "of swap_ins, guest pages (read back for a VM)"},
       [](const M& h) { return h.stats().swap_ins - h.stats().swap_ins_procs; }},
      {{"swap_ins_host_procs", "pages", K::Count, "of swap_ins, pages of host processes"},
       [](const M& h) { return h.stats().swap_ins_procs; }},
      {{"swap_outs_guests", "pages", K::Count, "of swap_outs, guest pages"},
       [](const M& h) { return h.stats().swap_outs - h.stats().swap_outs_procs; }},
      {{"swap_outs_host_procs", "pages", K::Count, "of swap_outs, pages of host processes"},
       [](const M& h) { return h.stats().swap_outs_procs; }},
      {{"refaults_guests", "faults", K::Count, "of refaults, on guest pages"},
       [](const M& h) { return h.stats().refaults - h.stats().refaults_procs; }},
      {{"refaults_host_procs", "faults", K::Count, "of refaults, on pages of host processes"},
       [](const M& h) { return h.stats().refaults_procs; }},
      {{"resident_pages_guests", "pages", K::Level, "guest pages in host memory at the end (mapped, or in the swap cache)"},
       [](const M& h) { return h.resident_guest_pages(); }},
      {{"resident_pages_host_procs", "pages", K::Level, "host processes' pages in host memory at the end"},
       [](const M& h) { return h.resident_process_pages(); }},
      {{"swap_token_grabs", "grabs", K::Count, "grab_swap_token calls that gave the token to a new holder"},
       [](const M& h) { return h.stats().swap_token_grabs; }},
      {{"host_huge_pages", "pages", K::Count, "2 MiB pages host faults mapped for guest memory (host.thp = always)"},
       [](const M& h) { return h.stats().host_huge_pages; }},
      {{"huge_pages_split", "pages", K::Count,
        "host 2 MiB pages split into 512 pages (split_huge_page): before swap-out, or a page swapped whole refaulted while in the swap cache"},
       [](const M& h) { return h.stats().huge_pages_split; }},
      {{"thp_swpout", "pages", K::Count,
        "host 2 MiB pages written to swap whole, one 2 MiB write each (reclaim.thp_swap = whole; their 512 pages count in swap_outs)"},
       [](const M& h) { return h.stats().thp_swpout; }},
      {{"thp_swpout_fallback", "pages", K::Count,
        "host 2 MiB pages split before swap-out because no cluster of 512 free swap slots was left (reclaim.thp_swap = whole)"},
       [](const M& h) { return h.stats().thp_swpout_fallback; }},
  };
  return t;
}

}  // namespace mmusim
