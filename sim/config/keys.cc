// Every configuration key, declared once: name, type, default, unit, range and help.
// Presets in configs/ cite where their values come from; these defaults are the default machine
// (a Skylake-class core with a 3,200-cycle minor fault; docs/fidelity.md "Cost constants").
#include <cerrno>
#include <cstdlib>
#include <stdexcept>

#include "config/config.h"
#include "kvm/aging/aging_policy.h"

namespace mmusim {

namespace {

void parse_into(std::uint64_t& out, const KeySpec& k, const std::string& v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("'" + v + "' is not an unsigned integer");
  errno = 0;
  const unsigned long long x = std::strtoull(v.c_str(), nullptr, 10);
  if (errno == ERANGE || x < k.min || x > k.max)
    throw std::invalid_argument("'" + v + "' is out of range [" + std::to_string(k.min) + ", " +
                                std::to_string(k.max) + "]");
  out = x;
}

void parse_into(bool& out, const KeySpec&, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") {
    out = true;
  } else if (v == "false" || v == "0" || v == "no" || v == "off") {
    out = false;
  } else {
    throw std::invalid_argument("'" + v + "' is not a boolean (true or false)");
  }
}

void parse_into(SimMode& out, const KeySpec&, const std::string& v) { out = parse_sim_mode(v); }

void parse_into(std::string& out, const KeySpec& k, const std::string& v) {
  for (const std::string& c : k.choices) {
    if (c == v) {
      out = v;
      return;
    }
  }
  std::string list;
  for (const std::string& c : k.choices) list += (list.empty() ? "" : ", ") + c;
  throw std::invalid_argument("'" + v + "' is not one of: " + list);
}

// sim.mode's help line, from the mode registry: "translation mode: native (...) or shadow (...)".
std::string sim_mode_help() {
  std::string h = "translation mode: ";
  const auto& modes = sim_modes();
  for (std::size_t i = 0; i < modes.size(); ++i)
    h += std::string(i == 0 ? "" : i + 1 == modes.size() ? " or " : ", ") + modes[i].name + " (" + modes[i].help + ")";
  return h;
}

// kvm.aging's help line, its policies from the registry (docs/fidelity.md tells each one's kernel).
std::string aging_help() {
  std::string h = "how the host learns which guest pages are hot (docs/fidelity.md): ";
  const auto& names = aging_policy_names();
  for (std::size_t i = 0; i < names.size(); ++i) h += (i ? ", " : "") + names[i];
  return h;
}

constexpr std::uint64_t kMaxCycles = std::uint64_t{1} << 40;

#define MMUSIM_KEY(section, field, type, def, unit, lo, hi, choices, help)                         \
  KeySpec {                                                                                         \
    #section "." #field, type, def, unit, help, lo, hi, choices,                                    \
        [](SimConfig& c, const KeySpec& k, const std::string& v) { parse_into(c.section.field, k, v); } \
  }
#define UINT_KEY(section, field, def, unit, lo, hi, help) \
  MMUSIM_KEY(section, field, KeyType::UInt, def, unit, lo, hi, {}, help)
#define BOOL_KEY(section, field, def, help) MMUSIM_KEY(section, field, KeyType::Bool, def, "", 0, 1, {}, help)
#define CHOICE_KEY(section, field, def, choices, help) \
  MMUSIM_KEY(section, field, KeyType::Choice, def, "", 0, 0, choices, help)

}  // namespace

const std::vector<KeySpec>& config_keys() {
  static const std::vector<KeySpec> keys = {
      CHOICE_KEY(sim, mode, "native", sim_mode_names(), sim_mode_help()),
      CHOICE_KEY(sim, era, "none", (std::vector<std::string>{"none", "kvm-2008-01", "linux-2.6.28", "linux-6.6", "linux-6.12"}),
                 "the kernel era the configuration follows, named by the era preset that sets it (configs/kvm-2008-01.cfg: "
                 "a 2.6.24 host with the KVM of January 2008; configs/linux-2.6.28.cfg; configs/linux-6.6.cfg and "
                 "linux-6.12.cfg: MGLRU before and after its secondary-MMU fix); it changes no value by itself: "
                 "`mmusim config --show` marks the keys that depart from the preset, and what the era's KVM lacked "
                 "(nested paging before 2.6.26, EPT A/D bits) is bad input"),
      UINT_KEY(sim, quantum_cycles, "10000", "cycles", 1, kMaxCycles,
               "how far a vCPU may run ahead of SystemC time before it synchronises"),
      BOOL_KEY(sim, check, "false",
               "run the invariant checker (translation caches vs page tables, frame accounting)"),
      BOOL_KEY(sim, check_abort, "false",
               "with sim.check: stop at the first invariant violation, describing it (exit code 3)"),
      UINT_KEY(sim, check_every, "4096", "records", 1, 1ull << 40,
               "with sim.check: run the checker every this many records of each vCPU, and at the end"),
      UINT_KEY(sim, timeline_interval_cycles, "10000000", "cycles", 0, 1ull << 40,
               "timeline.csv: one row per this much simulated time; 0 = no timeline"),
      UINT_KEY(sim, cpu_mhz, "3000", "MHz", 1, 100000, "core clock: converts cycles to simulated seconds"),
      UINT_KEY(sim, trace_queue_records, "1048576", "records", 1, 1 << 26,
               "trace records read ahead of the vCPUs (32 bytes each); a vCPU whose records lie further "
               "ahead in the file stalls (trace_stall_cycles)"),
      UINT_KEY(sim, warmup_records, "0", "records", 0, ~0ull,
               "warm-up: the machine replays this many records first (TLBs, page tables, memory fill up), and "
               "every figure counts from the record after, as ChampSim's warm-up instructions"),
      UINT_KEY(sim, max_records, "0", "records", 0, ~0ull,
               "stop after this many records counted (after the warm-up); 0 = to the end of the trace"),

      UINT_KEY(tlb, l1i_entries, "128", "entries", 1, 1 << 16, "L1 instruction TLB entries (4 KiB pages)"),
      UINT_KEY(tlb, l1i_ways, "8", "ways", 1, 1 << 16, "L1 instruction TLB associativity"),
      UINT_KEY(tlb, l1d_entries, "64", "entries", 1, 1 << 16, "L1 data TLB entries (4 KiB pages)"),
      UINT_KEY(tlb, l1d_ways, "4", "ways", 1, 1 << 16, "L1 data TLB associativity"),
      UINT_KEY(tlb, l1i_2m_entries, "8", "entries", 1, 1 << 16,
               "L1 instruction TLB entries for 2 MiB pages, an array of their own (Skylake: 8, fully associative)"),
      UINT_KEY(tlb, l1i_2m_ways, "8", "ways", 1, 1 << 16, "associativity of the L1 iTLB's 2 MiB array"),
      UINT_KEY(tlb, l1d_2m_entries, "32", "entries", 1, 1 << 16,
               "L1 data TLB entries for 2 MiB pages, an array of their own (Skylake: 32, 4-way)"),
      UINT_KEY(tlb, l1d_2m_ways, "4", "ways", 1, 1 << 16, "associativity of the L1 dTLB's 2 MiB array"),
      UINT_KEY(tlb, l1d_1g_entries, "4", "entries", 1, 1 << 16,
               "L1 data TLB entries for 1 GiB pages, an array of their own (Skylake: 4, fully associative); the iTLB has "
               "none and holds a 1 GiB page's 2 MiB parts in its 2 MiB array"),
      UINT_KEY(tlb, l1d_1g_ways, "4", "ways", 1, 1 << 16, "associativity of the L1 dTLB's 1 GiB array"),
      UINT_KEY(tlb, stlb_1g_entries, "16", "entries", 1, 1 << 16,
               "second-level TLB entries for 1 GiB pages, an array beside the shared 4 KiB and 2 MiB one (Skylake: 16, "
               "4-way)"),
      UINT_KEY(tlb, stlb_1g_ways, "4", "ways", 1, 1 << 16, "associativity of the STLB's 1 GiB array"),
      UINT_KEY(tlb, stlb_entries, "1536", "entries", 1, 1 << 20, "second-level (shared I+D) TLB entries, 4 KiB and 2 MiB pages alike (Skylake)"),
      UINT_KEY(tlb, stlb_ways, "12", "ways", 1, 1 << 16, "second-level TLB associativity"),
      UINT_KEY(tlb, l1_hit_cycles, "1", "cycles", 0, kMaxCycles, "cost of every L1 TLB lookup, hit or miss"),
      UINT_KEY(tlb, stlb_hit_cycles, "9", "cycles", 0, kMaxCycles,
               "cost of every STLB lookup, hit or miss (after an L1 miss)"),

      UINT_KEY(walk, ref_cycles, "20", "cycles", 0, kMaxCycles,
               "cost of one page-table entry read by the hardware walker"),
      UINT_KEY(walk, pwc_entries, "0", "entries", 0, 4096,
               "page-walk cache entries (fully associative, LRU); 0 = no page-walk cache"),
      UINT_KEY(walk, dirty_assist_cycles, "0", "cycles", 0, kMaxCycles,
               "cost of the assist that sets PTE.D on a write to a cached clean entry (not published: calibrate)"),

      UINT_KEY(guest, mem_mb, "1024", "MiB", 1, 1 << 16, "memory of each guest VM"),
      UINT_KEY(guest, vms, "1", "VMs", 1, 64,
               "virtual machines (native mode: address-space namespaces); every record's vm must be below this"),
      UINT_KEY(guest, vcpus, "1", "vCPUs", 1, 256,
               "virtual CPUs per VM (native mode: CPUs per namespace); every record's vcpu must be below this"),

      CHOICE_KEY(guest, thp, "never", (std::vector<std::string>{"never", "always"}),
                 "transparent huge pages of the OS that runs the trace (native mode: the native OS; shadow and nested mode: "
                 "the guest OS): always, the first touch of a 2 MiB range with no page table maps a 2 MiB page when 512 "
                 "aligned frames are free, else 4 KiB pages (do_huge_pmd_anonymous_page, Linux 2.6.38)"),
      UINT_KEY(guest, hugetlb_1g_gib, "0", "GiB", 0, 131072,
               "1 GiB pages from hugetlbfs (hugepagesz=1G: Linux 2.6.27; in a guest, KVM 2.6.32 and later) for this many "
               "GiB of every process's virtual address space from guest.hugetlb_1g_at, as if each process mapped that "
               "range with MAP_HUGETLB | MAP_HUGE_1GB: the first touch of each 1 GiB of it maps a 1 GiB page (hugetlb_fault: "
               "an aligned free block of 262,144 frames, all cleared; none free: the run stops, exit code 2), which the OS "
               "never reclaims; OS as for guest.thp; 0 = none"),
      UINT_KEY(guest, hugetlb_1g_at, "0", "GiB", 0, 131071,
               "where the range of guest.hugetlb_1g_gib starts: its first virtual address is this times 2^30"),
      BOOL_KEY(guest, dirty_at_fault, "true",
               "shadow mode: the guest marks a new anonymous pte dirty on any fault (do_anonymous_page, "
               "Linux 2.6.24-2.6.31); false: only on a write fault"),

      BOOL_KEY(ept, ad_bits, "false",
               "nested mode: the hardware sets accessed and dirty bits in EPT entries (Haswell and later, KVM's "
               "enable_ept_ad_bits); false: EPT without them (Nehalem to Ivy Bridge), so KVM's aging sees no access"),
      UINT_KEY(ept, pwc_entries, "0", "entries", 0, 4096,
               "nested mode: EPT paging-structure cache entries (Intel SDM 28.3; fully associative, LRU): an EPT walk "
               "starts at the deepest EPT table cached; 0 = none"),
      UINT_KEY(ept, ntlb_entries, "0", "entries", 0, 1 << 16,
               "nested mode: nested TLB entries, guest-physical to host-physical (AMD's NTLB, Bhargava et al. ASPLOS "
               "2008): a hit reads no EPT entry; 0 = none"),
      UINT_KEY(ept, ntlb_ways, "4", "ways", 1, 1 << 16, "nested mode: nested TLB associativity"),

      UINT_KEY(host, mem_mb, "4096", "MiB", 1, 1 << 16,
               "host physical memory (native mode: the machine's memory, page tables included)"),

      CHOICE_KEY(host, thp, "never", (std::vector<std::string>{"never", "always"}),
                 "shadow and nested mode: transparent huge pages for the memory that backs the guests (Linux 2.6.38): "
                 "always, a host fault in a 2 MiB range of a memslot whose pmd is empty maps a 2 MiB page when 512 aligned "
                 "frames are free above the low watermark, else 4 KiB; reclaim splits it before swap-out (split_huge_page); "
                 "nested mode maps a 2 MiB EPT entry over it (transparent_hugepage_adjust)"),
      UINT_KEY(host, cpus, "0", "CPUs", 0, 64,
               "shadow and nested mode: host CPUs for the host's own processes (trace records whose vm is host; their vcpu "
               "is the host CPU); 0 = no host processes"),

      BOOL_KEY(reclaim, new_anon_active, "true",
               "new and swapped-in anonymous pages start on the active list (2.6.24, 2.6.28); false: inactive (6.x)"),
      UINT_KEY(reclaim, min_free_kb, "0", "KiB", 0, 1ull << 30,
               "min_free_kbytes; 0 = sqrt(host memory in KiB * 16) clamped to 128..65536; low = min * 5/4, high = min * 3/2"),
      UINT_KEY(reclaim, scan_page_cycles, "100", "cycles", 0, kMaxCycles,
               "reclaim: taking one page off an LRU list and looking at it (unverified: calibrate)"),
      UINT_KEY(reclaim, rmap_walk_cycles, "300", "cycles", 0, kMaxCycles,
               "reclaim: one rmap walk, page_referenced or try_to_unmap (unverified: calibrate)"),
      BOOL_KEY(reclaim, timed_batches, "true",
               "kswapd and direct reclaim spend each SWAP_CLUSTER_MAX batch's work before the next, the vCPUs "
               "running meanwhile (balance_pgdat, do_try_to_free_pages, 2.6.28); false: a whole pass at one instant"),
      BOOL_KEY(reclaim, progress_freed, "true",
               "a reclaim pass's progress is the pages it freed (nr_reclaimed, shrink_page_list, 2.6.28); "
               "false: swap writes started count too"),
      BOOL_KEY(reclaim, zone_scan_accounting, "true",
               "shrink_zone as 2.6.28: nr_scan += list size >> priority, a list scanned once it reaches 32, no "
               "direct-reclaim bail-out (2.6.29), balance_pgdat's background aging; false: (size >> priority) + 1 "
               "each call and direct reclaim stops at 32 pages"),
      BOOL_KEY(reclaim, congestion_wait, "true",
               "balance_pgdat and do_try_to_free_pages sleep in congestion_wait(WRITE, HZ/10) after a priority below "
               "DEF_PRIORITY - 2, until a swap write completes or reclaim.congestion_timeout_ms pass (2.6.28)"),
      UINT_KEY(reclaim, congestion_timeout_ms, "100", "ms", 1, 60000,
               "congestion_wait's timeout: HZ/10 = 100 ms (2.6.28)"),
      BOOL_KEY(reclaim, writeback_rotate, "true",
               "a page reclaim writes to swap gets PG_reclaim and stays on the inactive list; at the write's end "
               "rotate_reclaimable_page moves it to the tail, and the next scan frees it or, referenced, reactivates "
               "it as a swap-cache page (pageout, end_page_writeback, page_mapping_inuse, 2.6.28); false: freed when "
               "the write completes"),

      CHOICE_KEY(reclaim, lru, "split-2.6.28", (std::vector<std::string>{"split-2.6.28", "classic-2.6.24", "mglru"}),
                 "how the host orders and reclaims its anonymous pages: split-2.6.28, shrink_zone and shrink_active_list "
                 "of the split LRU (2.6.28: every scanned active page deactivated, the active list aged while the "
                 "inactive one is low); classic-2.6.24, their 2.6.24 rules ((size >> priority) + 1 of each list, a mapped "
                 "page kept active when referenced or while swap_tendency says not to reclaim mapped memory); mglru, the "
                 "multi-generational LRU (6.1 and later, as 6.6: generations aged by page-table walks, eviction from the "
                 "oldest, look-around, tiers). reclaim.zone_scan_accounting, congestion_wait and the swap token apply to "
                 "the first two only"),
      BOOL_KEY(reclaim, swap_token, "true",
               "the swap token (mm/thrash.c, 2.6.24 to 2.6.28): a VM reading a page from swap contends for the token, and "
               "while the holder is in a fault page_referenced counts its pages referenced; reclaim drops it at "
               "priority 0"),

      BOOL_KEY(reclaim, unmap_checks_young, "true",
               "try_to_unmap_one keeps a page whose host pte, or KVM through clear_flush_young, is young again "
               "(2.6.28); false: it unmaps without looking (5.11 and later, 013339df116c)"),
      BOOL_KEY(reclaim, clear_young_flush, "true",
               "clearing a host process's young pte flushes its TLB entry (ptep_clear_flush_young, 2.6.28); false: x86 "
               "clears the bit only (3.17 and later, b13b1d2d8692)"),
      UINT_KEY(reclaim, watermark_scale_factor, "0", "1/10000 of memory", 0, 3000,
               "watermark_scale_factor (4.6 and later; 10 by default there): low = min + max(min / 4, memory * factor / "
               "10000), high = min + twice that; 0: 2.6.28's low = min * 5/4, high = min * 3/2"),
      BOOL_KEY(reclaim, mglru_notify_young, "false",
               "reclaim.lru = mglru: the aging walks and look-around clear young ptes with ptep_clear_young_notify, "
               "asking KVM (clear_young, no flush) about every present pte of a VM's memory (6.12 and later, "
               "1d4832becdc2); false: the host pte's accessed bit only (6.1 to 6.11)"),
      UINT_KEY(reclaim, walk_pte_cycles, "10", "cycles", 0, 1000000,
               "reclaim.lru = mglru: one pte read by an aging walk or look-around (an estimate: a cached load and, when "
               "young, a locked bit clear)"),
      UINT_KEY(reclaim, mglru_min_ttl_ms, "0", "ms", 0, 3600000,
               "reclaim.lru = mglru: lru_gen_min_ttl_ms (6.1 and later): kswapd calls the OOM killer (here: the run "
               "stops with exit code 2) rather than evict a generation younger than this; 0: off"),
      CHOICE_KEY(reclaim, thp_swap, "split", (std::vector<std::string>{"split", "whole"}),
                 "host.thp = always: how reclaim swaps a host huge page out. split, split_huge_page before swap-out "
                 "(2.6.38 to 4.12: 512 pages of 4 KiB); whole, THP swap (CONFIG_THP_SWAP, 4.13 and later; as 4.14): a "
                 "cluster of 512 contiguous slots, the pmd replaced by 512 swap ptes, one 2 MiB write (512 writes of "
                 "swap.write_us spread over swap.queue_depth), the 512 frames freed together; split only when no "
                 "cluster is free (thp_swpout_fallback); swap-in stays 4 KiB a fault"),

      UINT_KEY(swap, mb, "1024", "MiB", 0, 1 << 24, "host swap device size; 0 = no swap"),
      UINT_KEY(swap, read_us, "100", "us", 0, 1 << 30, "one 4 KiB swap read (NVMe 80-200 us, HDD 5,000-10,000 us)"),
      UINT_KEY(swap, write_us, "100", "us", 0, 1 << 30, "one 4 KiB swap write"),
      UINT_KEY(swap, queue_depth, "32", "requests", 1, 4096, "swap requests served in parallel (HDD: 1)"),
      CHOICE_KEY(swap, page_cluster, "auto",
                 (std::vector<std::string>{"auto", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13",
                                           "14", "15", "16"}),
                 "swap readahead: a major fault reads the in-use slots around its own within an aligned window of "
                 "2^page_cluster slots (swapin_readahead, valid_swaphandles, 2.6.28); auto: 2 below 16 MiB of host "
                 "memory, else 3 (swap_setup); 0: no readahead"),
      BOOL_KEY(swap, vm_swap_full, "true",
               "a page swapped in leaves the swap cache, its slot freed, when more than half of swap is in use "
               "(do_swap_page, vm_swap_full, 2.6.28)"),

      UINT_KEY(cost, host_minor_fault_cycles, "3200", "cycles", 0, kMaxCycles,
               "an anonymous minor page fault: allocate and map a frame (about 1 us, Linux 6.6)"),
      UINT_KEY(cost, vmexit_cycles, "2000", "cycles", 0, kMaxCycles,
               "one VM exit and re-entry, direct cost (about 2,000 on Nehalem, SplitX WIOV 2011)"),
      UINT_KEY(cost, shadow_fault_cycles, "2000", "cycles", 0, kMaxCycles,
               "KVM's shadow page-fault handling beyond the exit and host faults (unverified: calibrate)"),
      UINT_KEY(cost, guest_fault_cycles, "3200", "cycles", 0, kMaxCycles,
               "the guest OS handling its own page fault (as a native minor fault, Linux 6.6)"),
      UINT_KEY(cost, pt_write_emulation_cycles, "1500", "cycles", 0, kMaxCycles,
               "KVM emulating one trapped guest page-table write beyond the exit (unverified: calibrate)"),
      UINT_KEY(cost, ipi_cycles, "1500", "cycles", 0, kMaxCycles,
               "sending one remote TLB-flush IPI to another vCPU (unverified: calibrate)"),
      UINT_KEY(cost, notifier_call_cycles, "200", "cycles", 0, kMaxCycles,
               "one mmu-notifier call into KVM from host reclaim (unverified: calibrate)"),
      UINT_KEY(cost, fast_fault_cycles, "300", "cycles", 0, kMaxCycles,
               "kvm.aging = access-track, mark: restoring a marked spte beyond the exit (unverified: calibrate)"),

      UINT_KEY(cost, tdp_fault_cycles, "1000", "cycles", 0, kMaxCycles,
               "nested mode: KVM handling an EPT violation beyond the exit and host faults (tdp_page_fault, "
               "__direct_map; no guest walk; unverified: calibrate)"),

      UINT_KEY(kvm, max_mmu_pages, "0", "pages", 0, 1 << 24,
               "shadow page limit n_max_mmu_pages; 0 = 2% of guest pages, at least 64 (2.6.28); else at least 64"),
      CHOICE_KEY(kvm, aging, "notifier", aging_policy_names(), aging_help()),
      UINT_KEY(kvm, spte_lru_drop_every, "16", "pages", 1, 1 << 30,
               "spte-lru: drop the oldest spte every X guest pages the host reclaims (X)"),
      BOOL_KEY(kvm, flush_on_young, "true", "young: flush the VM's TLBs when the harvest found an A bit (2.6.28; 6.13 x86: false)"),
      CHOICE_KEY(kvm, access_track, "mark", (std::vector<std::string>{"mark", "zap"}),
                 "access-track: mark sptes and restore them with a fast fault (4.14+) or zap them (2.6.34)"),
      BOOL_KEY(kvm, unsync, "true", "leave written level-1 shadow pages unsync until KVM resyncs them (CR3 load, or shadowed again; oos_shadow, 2.6.28+)"),
      BOOL_KEY(kvm, bypass_guest_pf, "true",
               "notrap sptes: a guest #PF on a pte KVM knows is absent goes to the guest without an exit (VMX)"),
      BOOL_KEY(kvm, vpid, "true", "VPID-tagged TLBs; false: every VM exit and entry flushes the vCPU's TLBs (pre-Nehalem)"),
      CHOICE_KEY(kvm, gfn_to_pfn, "gup_fast", (std::vector<std::string>{"gup_fast", "foll_touch"}),
                 "how KVM's gfn_to_pfn takes the host page: get_user_pages_fast, no mark_page_accessed when the host "
                 "pte is present and writable (2.6.28, commit 4c2155ce81c); foll_touch: get_user_pages with FOLL_TOUCH "
                 "marks it every time (2.6.25 to 2.6.27)"),
      BOOL_KEY(kvm, flush_request_bit, "true",
               "kvm_flush_remote_tlbs sets KVM_REQ_TLB_FLUSH: no second IPI while a vCPU's request is pending, none "
               "to a vCPU out of guest mode (asleep on a swap read), the flush at its next entry (2.6.28); false: an "
               "IPI to every other running vCPU at every flush"),
      BOOL_KEY(kvm, mmu_shrink, "true",
               "KVM's shrinker (mmu_shrink, 2.6.26 and later): shrink_slab after each reclaim priority zaps shadow pages, "
               "one per SHRINK_BATCH call, oldest first; false: no shrinker (2.6.24, 2.6.25)"),
      CHOICE_KEY(kvm, rmap_remove_accessed, "spte_a", (std::vector<std::string>{"spte_a", "always", "none"}),
                 "what rmap_remove tells the host when an spte goes: mark_page_accessed if the spte had A set "
                 "(kvm_set_pfn_accessed, 2.6.28); always (2.6.25, 448353caeab); none (sptes without accessed bits, EPT "
                 "before Haswell)"),
  };
  return keys;
}

const KeySpec* find_key(const std::string& name) {
  for (const KeySpec& k : config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

}  // namespace mmusim
