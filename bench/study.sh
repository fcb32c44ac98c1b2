#!/usr/bin/env bash
# The README's study section, from runs only (nothing in it is typed by hand): the aging policies
# on the pressure workloads under the 2.6.28 reclaim mechanisms, an ablation that turns each
# mechanism off in turn, and the claims of the January 2008 discussion answered from runs.
#
#   bench/study.sh [BUILD_DIR]          prints the section (markdown) on stdout
#   bench/study.sh --write [BUILD_DIR]  puts it into README.md between <!-- study:begin --> and <!-- study:end -->
#   bench/study.sh --check [BUILD_DIR]  exit 0 if README.md holds exactly that, 1 (with a diff) if not
#
# BUILD_DIR defaults to build/. Every run is deterministic, so the section is too.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/readme_section.sh
study_setup "$@"

policies="notifier spte-lru young access-track"
cfg=configs/pressure.cfg

# run NAME TRACE ARGS...: one run, its summary.csv and timeline.csv under $out/NAME.
run() {
  local name=$1 trace=$2
  shift 2
  "$bin" run -q --config "$cfg" --trace "$trace" "$@" --out "$out/$name" >/dev/null 2>"$out/$name.err" ||
    echo "exit $?" >"$out/$name.failed"
}

# Every run, two at a time.
jobs_file=$out/jobs
{
  for p in $policies; do
    echo "run pressure-$p traces/synthetic/pressure.csv --set kvm.aging=$p"
    echo "run shift-$p traces/synthetic/shift.csv --set kvm.aging=$p"
    echo "run two-vms-$p traces/synthetic/two-vms.csv --set guest.vms=2 --set kvm.aging=$p"
    echo "run listwalk-$p traces/lackey/listwalk.lackey --set host.mem_mb=2 --set kvm.aging=$p"
    era08=configs/pressure-kvm-2008-01.cfg
    echo "cfg=$era08 run e08-pressure-$p traces/synthetic/pressure.csv --set kvm.aging=$p"
    echo "cfg=$era08 run e08-shift-$p traces/synthetic/shift.csv --set kvm.aging=$p"
    echo "cfg=$era08 run e08-two-vms-$p traces/synthetic/two-vms.csv --set guest.vms=2 --set kvm.aging=$p"
    echo "cfg=$era08 run e08-listwalk-$p traces/lackey/listwalk.lackey --set host.mem_mb=2 --set kvm.aging=$p"
    # The 2008-01 era with each of its differences from 2.6.28 taken back in turn.
    echo "cfg=$era08 run e08back-lru-$p traces/synthetic/pressure.csv --set kvm.aging=$p --set reclaim.lru=split-2.6.28 --set reclaim.zone_scan_accounting=true"
    for back in kvm.gfn_to_pfn=gup_fast kvm.rmap_remove_accessed=spte_a kvm.unsync=true kvm.mmu_shrink=true; do
      echo "cfg=$era08 run e08back-${back//[=.]/_}-$p traces/synthetic/pressure.csv --set kvm.aging=$p --set $back"
    done
    for off in reclaim.timed_batches=false reclaim.progress_freed=false reclaim.zone_scan_accounting=false \
      reclaim.congestion_wait=false reclaim.writeback_rotate=false swap.page_cluster=0 swap.vm_swap_full=false \
      kvm.gfn_to_pfn=foll_touch kvm.rmap_remove_accessed=always kvm.rmap_remove_accessed=none \
      kvm.flush_request_bit=false reclaim.swap_token=false kvm.mmu_shrink=false; do
      echo "run off-${off//[=.]/_}-$p traces/synthetic/pressure.csv --set kvm.aging=$p --set $off"
    done
  done
  for x in 1 4 16 64; do
    echo "run x$x traces/synthetic/pressure.csv --set kvm.aging=spte-lru --set kvm.spte_lru_drop_every=$x"
    echo "run x$x-nopressure traces/synthetic/pressure.csv --set kvm.aging=spte-lru --set kvm.spte_lru_drop_every=$x --set host.mem_mb=64"
  done
  echo "run x-notifier-nopressure traces/synthetic/pressure.csv --set kvm.aging=notifier --set host.mem_mb=64"
} >"$jobs_file"
export -f run
export bin cfg out
xargs -P 2 -I{} bash -c '{}' <"$jobs_file"

python3 - "$out" >"$out/section.md" <<'EOF'
import csv, os, sys
out = sys.argv[1]
policies = ["notifier", "spte-lru", "young", "access-track"]

def summary(name):
    path = os.path.join(out, name, "summary.csv")
    if not os.path.exists(path):
        return None
    return next(csv.DictReader(open(path)))

def n(v):
    return f"{int(v):,}"

def mc(v):
    return f"{int(v) / 1e6:,.1f}"

lines = []
w = lines.append

def variant_table(head, variants, run_name):
    """A row per (label, key) of `variants`, a cell per policy: swap-ins / M cycles of the run
    run_name(key, policy) names."""
    w(f"| {head} | " + " | ".join(policies) + " |")
    w("|---|" + "---:|" * len(policies))
    for label, key in variants:
        cells = []
        for p in policies:
            s = summary(run_name(key, p))
            cells.append("failed" if s is None else f"{n(s['swap_ins'])} / {mc(s['cycles'])}")
        w(f"| {label} | " + " | ".join(cells) + " |")
w("Made by `bench/study.sh` from runs of `configs/pressure.cfg` (the Linux 2.6.28 era preset,")
w("`configs/linux-2.6.28.cfg`: every reclaim, swap and KVM mechanism as that kernel has it) and of")
w("`configs/pressure-kvm-2008-01.cfg` (the same machine under `configs/kvm-2008-01.cfg`: a 2.6.24 host and")
w("the KVM of January 2008). Cycles in millions (M).")
w("")
w("**The policies.** `listwalk.lackey` (a real program under valgrind lackey) runs on a 2 MiB host.")
w("")
w("| trace | policy | swap_ins | swap_reads | vmexits | direct_reclaim M | congestion_waits | cycles M |")
w("|---|---|---:|---:|---:|---:|---:|---:|")
for trace in ["pressure", "shift", "two-vms", "listwalk"]:
    for p in policies:
        s = summary(f"{trace}-{p}")
        if s is None:
            w(f"| {trace} | {p} | failed | | | | | |")
            continue
        w(f"| {trace} | {p} | {n(s['swap_ins'])} | {n(s['swap_reads'])} | {n(s['vmexits'])} | "
          f"{mc(s['direct_reclaim_cycles'])} | {n(s['congestion_waits'])} | {mc(s['cycles'])} |")
w("")
w("**The two eras side by side** (swap-ins / M cycles; 2008-01: 2.6.24's active list, FOLL_TOUCH faults, every")
w("zapped spte marking its page accessed, no out-of-sync shadow pages, no KVM shrinker):")
w("")
w("| trace | era | " + " | ".join(policies) + " | fewest swap-ins |")
w("|---|---|" + "---:|" * len(policies) + "---|")
same_order = []
for trace in ["pressure", "shift", "two-vms", "listwalk"]:
    orders = []
    for era, prefix in (("2.6.28", ""), ("2008-01", "e08-")):
        cells, ins = [], {}
        for p in policies:
            s = summary(f"{prefix}{trace}-{p}")
            if s is None:
                cells.append("failed")
                continue
            cells.append(f"{n(s['swap_ins'])} / {mc(s['cycles'])}")
            ins[p] = int(s["swap_ins"])
        best = min(ins.values()) if ins else None
        orders.append(sorted(ins, key=lambda p: (ins[p], policies.index(p))))
        w(f"| {trace} | {era} | " + " | ".join(cells) + " | " +
          (", ".join(p for p in policies if ins.get(p) == best) if ins else "") + " |")
    same_order.append((trace, orders[0] == orders[1], orders))
w("")
held = [t for t, same, _ in same_order if same]
moved = [t for t, same, _ in same_order if not same]
w("Across the two eras the ranking of the policies by swap-ins " +
  (f"is the same on {', '.join(held)}" if held else "is the same on no trace") +
  (f" and changes on {', '.join(moved)} (" + "; ".join(
      f"{t}: {' < '.join(o[0])} under 2.6.28, {' < '.join(o[1])} under 2008-01" for t, same, o in same_order if not same) + ")"
   if moved else "") + ".")
w("")
w("**Which difference of the 2008-01 era matters**, on `pressure.csv`: its preset with each difference from")
w("2.6.28 taken back in turn (swap-ins / M cycles):")
w("")
backs = [("none (2008-01)", None),
         ("2.6.28's split-LRU scanning", "lru"),
         ("get_user_pages_fast", "kvm_gfn_to_pfn_gup_fast"),
         ("rmap_remove marks only an spte with A", "kvm_rmap_remove_accessed_spte_a"),
         ("out-of-sync shadow pages", "kvm_unsync_true"),
         ("KVM's shrinker", "kvm_mmu_shrink_true")]
variant_table("taken back", backs, lambda key, p: f"e08-pressure-{p}" if key is None else f"e08back-{key}-{p}")
w("")
w("**Ablation** on `pressure.csv` under 2.6.28: each mechanism turned off in turn (swap-ins / M cycles).")
w("")
offs = [("none (2.6.28)", None),
        ("batches at one instant", "reclaim_timed_batches_false"),
        ("swap writes count as progress", "reclaim_progress_freed_false"),
        ("(size >> priority) + 1 scanning, direct bail-out", "reclaim_zone_scan_accounting_false"),
        ("no congestion_wait", "reclaim_congestion_wait_false"),
        ("written pages freed at write end", "reclaim_writeback_rotate_false"),
        ("no swap readahead", "swap_page_cluster_0"),
        ("no vm_swap_full", "swap_vm_swap_full_false"),
        ("FOLL_TOUCH gfn_to_pfn (2.6.25-27)", "kvm_gfn_to_pfn_foll_touch"),
        ("rmap_remove marks always (2.6.25)", "kvm_rmap_remove_accessed_always"),
        ("rmap_remove marks nothing", "kvm_rmap_remove_accessed_none"),
        ("an IPI at every remote flush", "kvm_flush_request_bit_false"),
        ("no swap token", "reclaim_swap_token_false"),
        ("no KVM shrinker (mmu_shrink)", "kvm_mmu_shrink_false")]
variant_table("turned off", offs, lambda key, p: f"pressure-{p}" if key is None else f"off-{key}-{p}")
w("")
w("**The claims of January 2008**, on `pressure.csv`:")
w("")
s = summary("pressure-notifier")
none = summary("off-kvm_rmap_remove_accessed_none-notifier")
if s and none:
    rot, react = int(s["pages_rotated_writeback"]), int(s["pages_reactivated_swapcache"])
    w(f"- (a) \"the referenced bit in the invalidate case isn't useful because it's set right before freeing")
    w(f"  the page\": under notifier, {n(rot)} written pages were rotated at the end of their write and the")
    w(f"  next scan found {n(react)} of them referenced and kept them in the swap cache "
      f"({100 * react / max(rot, 1):.0f}%); with no transfer in `rmap_remove`, "
      f"{n(none['pages_reactivated_swapcache'])} (swap-ins {n(s['swap_ins'])} against {n(none['swap_ins'])}).")

def phases(name):
    rows = list(csv.DictReader(open(os.path.join(out, name, "timeline.csv"))))
    k = max(1, len(rows) // 4)
    first = sum(int(r["swap_ins"]) for r in rows[:k]) / k
    rest = sum(int(r["swap_ins"]) for r in rows[k:]) / max(1, len(rows) - k)
    return first, rest, len(rows)
if summary("pressure-notifier") and summary("pressure-spte-lru"):
    fn, rn, ln = phases("pressure-notifier")
    fs, rs, ls = phases("pressure-spte-lru")
    w(f"- (b) spte-lru \"should improve the responsiveness of the guest during initial swap pressure\": swap-ins")
    w(f"  per 10 M-cycle interval in the first quarter of the run against the rest: spte-lru {fs:.1f} then {rs:.1f}")
    w(f"  ({ls} intervals), notifier {fn:.1f} then {rn:.1f} ({ln} intervals).")
xs = [(x, summary(f"x{x}"), summary(f"x{x}-nopressure")) for x in (1, 4, 16, 64)]
base = summary("x-notifier-nopressure")
if all(a and b for _, a, b in xs) and base:
    w("- (c) \"the age time factor depends on the VM velocity\" and costs nothing without pressure; (d) the extra")
    w("  exits stay cheap \"if it will be not too aggressive\" (spte-lru, X = `kvm.spte_lru_drop_every`):")
    w("")
    w("| X | pages reclaimed (swap_outs) | sptes_dropped_lru | vmexits | cycles M | without pressure: dropped, vmexits |")
    w("|---:|---:|---:|---:|---:|---|")
    for x, a, b in xs:
        w(f"| {x} | {n(a['swap_outs'])} | {n(a['sptes_dropped_lru'])} | {n(a['vmexits'])} | {mc(a['cycles'])} | "
          f"{n(b['sptes_dropped_lru'])}, {n(b['vmexits'])} (notifier {n(base['vmexits'])}) |")
print("\n".join(lines))
EOF

readme_section "$mode" study "$out/section.md"
