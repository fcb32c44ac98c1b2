#include "explain/event_text.h"

#include <stdexcept>

#include "common/explain.h"

namespace mmusim {

namespace {
std::string num(std::uint64_t v) { return std::to_string(v); }

// " (A, W, NX)": the bits of an spte that are set, or nothing.
std::string spte_bits(const Event& e) {
  std::string w;
  for (const char* b : {"A", "W", "NX"})
    if (e[b]) w += (w.empty() ? "" : ", ") + std::string(b);
  return w.empty() ? "" : " (" + w + ")";
}

// The host-side prefix of gfn_to_pfn's events: "gfn 0x12 -> hva 0x7f...: ".
// A large TLB entry, by the size its event names.
std::string large_entry(const Event& e) { return e.text("size") == "1G" ? "1 GiB entry" : "2 MiB entry"; }
std::string where(const Event& e) { return "gfn " + to_hex(e["gfn"]) + " -> hva " + to_hex(e["hva"]) + ": "; }

std::string walk_text(const Event& e) {
  if (e["dims"] == 2) return "2D walk (guest tables through the EPT)";
  std::string s = "walk";
  if (e["start_level"] < 4) s += " from the PWC's level-" + num(e["start_level"]) + " table";
  const std::uint64_t refs = e["refs"];
  s += ": " + num(refs) + (refs == 1 ? " ref, " : " refs, ");
  const std::string& status = e.text("status");
  if (status == "ok") {
    const std::string& size = e.text("size");
    return s + e.text("entry") + (size == "2M" ? " (2 MiB page)" : size == "1G" ? " (1 GiB page)" : "") + " -> frame " +
           to_hex(e["frame"]);
  }
  s += e.text("entry") + " ";
  if (status == "absent") return s + "absent at level " + num(e["level"]);
  return s + status + " at level " + num(e["level"]) + " -> protection fault";
}

std::string walk_step_text(const Event& e) {
  const std::string& step = e.text("step");
  if (step == "pwc_hit") return "guest PWC hit: level-" + num(e["level"]) + " guest table at gfn " + to_hex(e["gfn"]);
  if (step == "guest_pte")  // the guest's leaf: a pte, or a PS entry of level 2 or 3
    return std::string(e["level"] == 1 ? "guest pte" : e["level"] == 2 ? "guest 2 MiB pde" : "guest 1 GiB pdpte") +
           " read (1 ref) -> gfn " + to_hex(e["gfn"]);
  if (step == "guest_entry") {
    const std::string& f = e.text("fault");
    return "guest entry at level " + num(e["level"]) + ": " + (f == "absent" ? f : f + " -> protection fault");
  }
  // "table" (a guest table's gfn) or "page" (the page's gfn) through the EPT dimension.
  const std::string what = step == "page" ? "the page at" : "level-" + num(e["level"]) + " guest table at";
  const std::string head = what + " gfn " + to_hex(e["gfn"]) + ": ";
  if (e.has("fault"))
    return head + "EPT walk, " + num(e["refs"]) + " ref(s), EPT entry absent at level " + num(e["ept_level"]) + " -> EPT violation";
  return head + e.text("via") + (e["refs"] ? ", " + num(e["refs"]) + " ref(s)" : std::string()) + " -> pfn " + to_hex(e["pfn"]);
}

std::string remote_flush_text(const Event& e) {
  std::string s = "kvm_flush_remote_tlbs: TLBs of vm " + num(e["vm"]) + " flushed";
  const std::string& t = e.text("targets");
  if (t.empty()) return s;
  s += ", IPI to vCPU ";
  for (char c : t) s += c == ',' ? std::string(", vCPU ") : std::string(1, c);
  return s;
}

std::string scan_decision_text(const Event& e) {
  const std::string &out = e.text("outcome"), &why = e.text("why");
  if (out == "deactivate") return "deactivate";
  if (out == "keep_active")
    return why == "referenced" ? "mapped and referenced: stays active" : "mapped, reclaim_mapped off: stays active";
  if (out == "putback") {
    if (why == "pinned") return "pinned by KVM: back to the inactive list";
    if (why == "swap_read") return "locked for a swap read: back to the inactive list";
    if (why == "writeback") return "under writeback: back to the inactive list";
    return "still pinned by KVM: back to the inactive list";
  }
  if (out == "keep") {  // MGLRU's evict_folios: back to its generation
    if (why == "promoted") return "promoted by a look-around meanwhile: keep";
    if (why == "pinned") return "pinned by KVM: keep";
    if (why == "referenced_once") return "referenced once: keep";
    return "still pinned by KVM: keep";
  }
  if (out == "activate") {
    if (why == "young_again") return "young again: activate";
    if (why == "referenced") return "referenced: activate";
    if (why == "referenced_swapcache") return "referenced swap-cache page: activate";
    if (why == "no_swap_slot") return "no swap slot: activate";
    return "activate";  // try_to_unmap failed: its own event said why
  }
  return "";  // pageout, free: their own events said it
}

std::string referenced_text(const Event& e) {
  const std::string& src = e.text("source");
  const bool young = e["young"];
  if (src == "PG_referenced") return std::string("page_referenced: PG_referenced ") + (young ? "set (cleared)" : "clear");
  if (src == "host_pte") return std::string("host pte ") + (young ? "young (cleared)" : "old");
  if (src == "swap_token") return "vm " + num(e["vm"]) + " holds the swap token and is in a fault: referenced";
  return young ? "KVM answers young" : "KVM answers old";
}

std::string host_fault_text(const Event& e) {
  const std::string& kind = e.text("kind");
  if (kind == "swapcache")
    return where(e) + "host pte: swap slot " + num(e["slot"]) + ", still in the swap cache at pfn " + to_hex(e["pfn"]) +
           " (minor fault" + (e["wait"] ? ", waits " + grouped(e["wait"]) + " cycles for its read)" : ")");
  if (kind == "huge")
    return where(e) + "host pmd empty -> do_huge_pmd_anonymous_page maps a 2 MiB page at pfn " + to_hex(e["pfn"]) +
           " for gfns " + to_hex(e["first_gfn"]) + "+512";
  if (kind == "anon")
    return where(e) + "host page absent -> host minor fault: do_anonymous_page maps pfn " + to_hex(e["pfn"]) +
           (e["dirty"] ? " (young, dirty)" : " (young)") + ", " + e.text("list") + " list";
  return where(e) + "host page present, pfn " + to_hex(e["pfn"]);
}

std::string clear_flush_young_text(const Event& e) {
  const std::uint64_t n = e["sptes"], present = e["present"];
  std::string found = num(n) + " spte" + (n == 1 ? "" : "s");
  if (present != n) found += " (" + num(present) + " present)";
  if (n) found += e["accessed"] ? ", A set" : ", A clear";
  return "clear_flush_young [" + e.text("policy") + "]: " + found;
}
}  // namespace

std::string event_text(const Event& e) {
  switch (e.kind()) {
    case EventKind::record:
    case EventKind::record_end: throw std::logic_error("event_text: the Explainer writes records");
    case EventKind::gap: return "after " + grouped(e["cycles"]) + " cycles of other work";
    case EventKind::ipi_exits:
      if (e["after"])
        return num(e["exits"]) + " VM exit(s) for TLB-flush IPIs received after its last record (+" + grouped(e["cycles"]) + " cycles)";
      return num(e["exits"]) + " VM exit(s) for TLB-flush IPIs received meanwhile";
    case EventKind::switch_pid: return "switch to pid " + num(e["pid"]);
    case EventKind::page: return "page " + to_hex(e["addr"]);
    case EventKind::retry: return e["resume"] ? "resume, retry" : "retry";
    case EventKind::stopped: return "stopped: " + e.text("why");
    case EventKind::tlb_lookup: return e.text("tlb") + (e["hit"] ? (e["large"] ? " hit (" + large_entry(e) + ")" : " hit") : " miss");
    case EventKind::tlb_fill:  // a fill from the STLB names no size; one after a walk does
      return "fill " + std::string(e["stlb"] ? "STLB and " : "") + e.text("tlb") + (e["gva_to_hpa"] ? " (gva -> hpa)" : "") +
             (e["stlb"] && e["large"] ? " (" + large_entry(e) + ")" : "");
    case EventKind::tlb_flush:
    case EventKind::tlb_invlpg: return "";
    case EventKind::protection_fault: return e.text("cause") + " entry -> protection fault, INVLPG";
    case EventKind::dirty_assist: return "dirty-bit assist: " + e.text("entry") + " D set";
    case EventKind::walk: return walk_text(e);
    case EventKind::walk_step: return walk_step_text(e);
    case EventKind::walk_done:
      return "2D walk: " + num(e["refs"]) + " refs (" + num(e["guest_refs"]) + " guest, " + num(e["ept_refs"]) + " EPT)";
    case EventKind::page_fault: {
      if (e["raced"]) return "page fault: another CPU mapped the page meanwhile";
      const std::string& size = e.text("size");
      std::string s = size == "2M"   ? "page fault: do_huge_pmd_anonymous_page maps a 2 MiB page at frame " + to_hex(e["frame"]) + " (P, W, U, PS)"
                      : size == "1G" ? "page fault: hugetlb_fault maps a 1 GiB page at frame " + to_hex(e["frame"]) + " (P, W, U, PS)"
                                     : "page fault: do_anonymous_page maps frame " + to_hex(e["frame"]) + " (P, W, U)";
      if (const std::uint64_t n = e["tables"]) s += " and " + num(n) + " new page-table page" + (n > 1 ? "s" : "");
      return s;
    }
    case EventKind::thp_fallback:
      if (e.text("os") == "guest") return "no 512 aligned free guest frames: THP falls back to 4 KiB";
      return "page fault: no 512 aligned free frames, THP falls back to 4 KiB";
    case EventKind::guest_page_fault: return "guest #PF handler (pid " + num(e["pid"]) + ")";
    case EventKind::guest_table_new:
      return "new level-" + num(e["level"]) + " table at gfn " + to_hex(e["gfn"]) + ", cleared" + (e["deposited"] ? ", deposited for a later split" : "");
    case EventKind::guest_page_new: {
      const std::string& size = e.text("size");
      if (e["raced"]) return size == "4K" ? "already mapped by another vCPU" : "already mapped (" + size + ") by another vCPU";
      if (size == "1G") return "hugetlb_fault: new 1 GiB page at gfns " + to_hex(e["gfn"]) + "+262144, cleared";
      return size == "2M" ? "new 2 MiB page at gfns " + to_hex(e["gfn"]) + "+512, cleared" : "new page at gfn " + to_hex(e["gfn"]) + ", cleared";
    }
    case EventKind::guest_pte_set:
      if (e.text("size") == "1G") return "guest pud -> gfn " + to_hex(e["gfn"]) + " (P, W, U, A, D, PS)";
      if (e.text("size") == "2M") return "guest pmd -> gfn " + to_hex(e["gfn"]) + " (P, W, U, A, D, PS)";
      return "guest pte -> gfn " + to_hex(e["gfn"]) + (e["dirty"] ? " (P, W, U, A, D)" : " (P, W, U, A)");
    case EventKind::vmexit: return "VM exit (" + e.text("reason") + ")" + (e["flush"] ? ", TLBs flushed (no VPID)" : "");
    case EventKind::remote_flush: return remote_flush_text(e);
    case EventKind::cr3_load:
      if (e["exit"]) return "guest CR3 <- PML4 of pid " + num(e["pid"]);
      return "guest CR3 <- PML4 of pid " + num(e["pid"]) + " (gfn " + to_hex(e["gfn"]) + "), no VM exit";
    case EventKind::shadow_root: return "shadow root gfn " + to_hex(e["gfn"]) + " loaded, TLBs flushed";
    case EventKind::shadow_page_new:
      if (e.has("direct"))
        return "new direct shadow page for the guest 2 MiB page at gfn " + to_hex(e["gfn"]) + " (pfn " + to_hex(e["pfn"]) + ")";
      return "new shadow page for gfn " + to_hex(e["gfn"]) + " level " + num(e["level"]) + " (pfn " + to_hex(e["pfn"]) +
             "), gfn write-protected";
    case EventKind::shadow_page_zap:
      return "zap shadow page of gfn " + to_hex(e["gfn"]) + " level " + num(e["level"]) + (e["oldest"] ? " (oldest in active_mmu_pages)" : "");
    case EventKind::mmu_shrink: return "mmu_shrink: zap the oldest shadow page";
    case EventKind::spte_install:
      if (e.has("size")) return "2 MiB spte installed for gfns " + to_hex(e["gfn"]) + "+512 -> pfn " + to_hex(e["pfn"]) + spte_bits(e);
      return std::string(e["speculative"] ? "spte prefetched" : "spte installed") + " for gfn " + to_hex(e["gfn"]) + " -> pfn " +
             to_hex(e["pfn"]) + spte_bits(e);
    case EventKind::spte_zap: {
      const std::string& why = e.text("why");
      if (why == "access_track") return num(e["count"]) + " spte(s) made non-present: the next access will tell";
      return "spte of gfn " + to_hex(e["gfn"]) + " dropped" + (why == "lru" ? " (oldest in the spte LRU)" : " (aging)");
    }
    case EventKind::resync: return "resync shadow page of gfn " + to_hex(e["gfn"]);
    case EventKind::fast_fault:
      if (e.text("table") == "ept") return "fast page fault: EPT entry of gfn " + to_hex(e["gfn"]) + " restored";
      return "fast page fault: spte restored" + spte_bits(e);
    case EventKind::guest_walk: {
      const std::string& r = e.text("result");
      if (r == "absent") return "guest walk: guest entry absent at level " + num(e["level"]) + " -> inject #PF";
      if (r == "present")
        return std::string("guest walk: guest ") + (e.has("size") ? "2 MiB pde" : "pte") + " present, gfn " + to_hex(e["gfn"]);
      if (r == "notrap") return "notrap spte: #PF goes to the guest without a VM exit";
      return "#PF delivered to the guest without a VM exit (nested paging)";
    }
    case EventKind::fault_sleep: return "the fault sleeps until the read completes";
    case EventKind::swap_read_done:
      return e["retry"] ? "swap read done; mmu_notifier_retry: an invalidation ran meanwhile -> drop, fault again" : "swap read done";
    case EventKind::notifier_retry: return "mmu_notifier_retry: an invalidation ran meanwhile -> fault again";
    case EventKind::pt_write: return "the guest's pte store hit write-protected gfn " + to_hex(e["gfn"]);
    case EventKind::unsync:
      return "kvm_unsync_page: gfn " + to_hex(e["gfn"]) +
             " left writable until KVM resyncs it (next CR3 load, or shadowed again), the store completes";
    case EventKind::emulate: return "kvm_mmu_pte_write emulates the store";
    case EventKind::write_flood: return "write flooding";
    case EventKind::vcpu_flush: return "this vCPU's TLBs flushed";
    case EventKind::ept_table_new: return "new EPT table, level " + num(e["level"]) + " (pfn " + to_hex(e["pfn"]) + ")";
    case EventKind::ept_install:
      if (e.has("size"))  // a 2 MiB entry over a host huge page
        return "2 MiB EPT entry installed for gfns " + to_hex(e["gfn"]) + "+512 -> pfn " + to_hex(e["pfn"]) + " (the host maps a huge page)";
      return "EPT entry installed for gfn " + to_hex(e["gfn"]) + " -> pfn " + to_hex(e["pfn"]);
    case EventKind::invalidate_page: {
      const std::uint64_t n = e["sptes"];
      const std::string& m = e.text("mark_accessed");
      return "invalidate_page(gfn " + to_hex(e["gfn"]) + "): " + num(n) + " spte" + (n == 1 ? "" : "s") + " zapped" +
             (m == "always" ? " (-> mark_page_accessed)" : m == "A set" ? " (A set -> mark_page_accessed)" : "");
    }
    case EventKind::clear_flush_young: return clear_flush_young_text(e);
    case EventKind::referenced: return referenced_text(e);
    case EventKind::watermark:
      if (e.text("mark") == "min") return "<= min watermark " + num(e["pages"]) + ": direct reclaim";
      return num(e["free"]) + " free pages <= low watermark " + num(e["pages"]) + (e["woke"] ? ": wake kswapd" : ": kswapd already awake");
    case EventKind::direct_reclaim: return "direct reclaim took " + grouped(e["cycles"]) + " cycles, " + num(e["free"]) + " free";
    case EventKind::host_fault: return host_fault_text(e);
    case EventKind::swap_in:
      return where(e) + "host pte: swap slot " + num(e["slot"]) + " -> major fault: swap-in to pfn " + to_hex(e["pfn"]) +
             ", read takes " + grouped(e["cycles"]) + " cycles";
    case EventKind::swap_slot_freed: return "vm_swap_full: slot freed";
    case EventKind::gup_fast: return "get_user_pages_fast: no mark_page_accessed";
    case EventKind::lru_move:
      if (e.text("why") == "add") return "";  // a swapped-in page added to a list: its swap_in said it
      return "mark_page_accessed: " + e.text("from") + " -> " + e.text("to");
    case EventKind::swap_token: return "grab_swap_token: held by vm " + num(e["vm"]);
    case EventKind::readahead: return "swapin_readahead: slot " + num(e["slot"]) + " to pfn " + to_hex(e["pfn"]);
    case EventKind::add_to_swap:
      if (e.has("step") && e.text("step") == "split_swapcache")
        return "split_huge_page: pfn " + to_hex(e["pfn"]) + "'s 2 MiB page in the swap cache becomes 512 pages";
      if (e.has("step")) return "split_huge_page: pfn " + to_hex(e["pfn"]) + "'s 2 MiB page becomes 512 ptes, its tails join the LRU";
      if (e.has("pages")) return "add_to_swap: the 2 MiB page whole, slots " + num(e["slot"]) + " to " + num(e["slot"] + 511);
      return "add_to_swap: slot " + num(e["slot"]);
    case EventKind::try_to_unmap: {
      const std::string& step = e.text("step");
      if (step == "swap_fail") return "young again: SWAP_FAIL";
      if (step == "unmapped") return e.has("pages") ? "host pmd -> 512 swap entries" : "host pte -> swap entry";
      return std::string("try_to_unmap: host pte ") + (e["young"] ? "young (cleared)" : "old");
    }
    case EventKind::swap_out:
      return std::string(e.has("pages") ? "pageout: dirty, one 2 MiB swap write done at cycle " : "pageout: dirty, swap write done at cycle ") +
             grouped(e["done"]) +
             (e["rotate"] ? ", PG_reclaim: stays on the inactive list" : ", then freed");
    case EventKind::page_freed: return e.text("why") == "clean" ? "clean, a copy in swap: freed" : "";  // writeback: told by nothing
    case EventKind::scan_page:
      return e.text("function") + " pfn " + to_hex(e["pfn"]) + " (vm " + num(e["vm"]) + " gfn " + to_hex(e["gfn"]) + ")";
    case EventKind::scan_decision: return scan_decision_text(e);
    case EventKind::gen_scan: return "";  // the isolated ones get a line of their own (scan_page)
    case EventKind::mglru_aging:
      return "aging: walked every mm, max_seq " + num(e["max_seq"]) + " -> " + num(e["new_max_seq"]);
    case EventKind::congestion_wait:
      return "congestion_wait: sleeps " + grouped(e["cycles"]) + " cycles" +
             (e["write_done"] ? ", until a swap write completes" : ", the whole timeout");
    case EventKind::kswapd_wake:
      return "wakes: " + num(e["free"]) + " free pages, balancing to above the high watermark " + num(e["high"]);
    case EventKind::kswapd_sleep:
      return "sleeps: " + num(e["free"]) + " free pages, after " + grouped(e["cycles"]) + " cycles of work";
    case EventKind::kCount: break;
  }
  throw std::logic_error("event_text: unknown event kind");
}

}  // namespace mmusim
