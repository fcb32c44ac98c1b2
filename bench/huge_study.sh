#!/usr/bin/env bash
# The README's huge-page study, from runs only (nothing in it is typed by hand): TLB reach and walk
# cost with 4 KiB, 2 MiB and 1 GiB pages in the three modes, on large sequential and random
# traces (Skylake preset), and, under host memory pressure, what host huge pages split before
# swap-out or swapped whole (reclaim.thp_swap) do to swap-ins and refaults under two aging
# policies, with the 2.6.28 reclaim rules and with MGLRU (the 6.6 preset).
#
#   bench/huge_study.sh [BUILD_DIR]          prints the section (markdown) on stdout
#   bench/huge_study.sh --write [BUILD_DIR]  puts it into README.md between <!-- huge-study:begin --> and <!-- huge-study:end -->
#   bench/huge_study.sh --check [BUILD_DIR]  exit 0 if README.md holds exactly that, 1 (with a diff) if not
#
# BUILD_DIR defaults to build/. Every run is deterministic, so the section is too.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/readme_section.sh
study_setup "$@"

# The workloads (mmusim gen, deterministic), one process over 8,192 pages (32 MiB, sixteen 2 MiB
# ranges). Each starts with one pass over the pages in order, the warm-up (sim.warmup_records =
# 8,192): every page is mapped before the figures count, so they count TLB misses and walks alone.
# - seq: then three more passes in order: 8,192 pages are more than the 1,536-entry STLB holds.
# - rand: then 32,768 uniformly random pages.
# - wide: 65,536 pages (256 MiB, 128 2 MiB ranges: more than the L1 dTLB's 32 2 MiB entries hold),
#   warmed up the same way, then 65,536 uniformly random pages.
"$bin" gen --pattern stride --stride-bytes 4096 --footprint-pages 8192 --accesses 32768 --write-fraction 0 \
  --out "$out/seq.csv" >/dev/null
"$bin" gen --pattern uniform --footprint-pages 8192 --accesses 32768 --write-fraction 0 --out "$out/uniform.csv" >/dev/null
{ head -n 8193 "$out/seq.csv"; tail -n +2 "$out/uniform.csv"; } >"$out/rand.csv"
"$bin" gen --pattern stride --stride-bytes 4096 --footprint-pages 65536 --accesses 65536 --write-fraction 0 \
  --out "$out/wide-seq.csv" >/dev/null
"$bin" gen --pattern uniform --footprint-pages 65536 --accesses 65536 --write-fraction 0 --out "$out/wide-uniform.csv" >/dev/null
{ cat "$out/wide-seq.csv"; tail -n +2 "$out/wide-uniform.csv"; } >"$out/wide.csv"

cfg=configs/skylake.cfg
run() {
  local name=$1 trace=$2
  shift 2
  "$bin" run -q --config "$cfg" --trace "$trace" "$@" --out "$out/$name" >/dev/null 2>"$out/$name.err" ||
    echo "exit $?" >"$out/$name.failed"
}
# Pressure: configs/pressure.cfg (an 8 MiB host under a 64 MiB guest) without its era preset,
# which predates THP.
prun() {
  local name=$1
  shift
  "$bin" run -q --config configs/pressure.cfg --set sim.era=none --trace traces/synthetic/pressure.csv "$@" \
    --out "$out/$name" >/dev/null 2>"$out/$name.err" || echo "exit $?" >"$out/$name.failed"
}
# The same machine under the Linux 6.6 preset (nested mode, EPT A/D bits, MGLRU, young).
prun66() {
  local name=$1
  shift
  "$bin" run -q --config configs/pressure-linux-6.6.cfg --trace traces/synthetic/pressure.csv "$@" \
    --out "$out/$name" >/dev/null 2>"$out/$name.err" || echo "exit $?" >"$out/$name.failed"
}
jobs_file=$out/jobs
{
  for w in seq rand; do
    warm="--set sim.warmup_records=8192"
    echo "run $w-native-4k $out/$w.csv $warm"
    echo "run $w-native-2m $out/$w.csv --set guest.thp=always $warm"
    echo "run $w-shadow-4k $out/$w.csv --set sim.mode=shadow $warm"
    echo "run $w-shadow-host2m $out/$w.csv --set sim.mode=shadow --set host.thp=always $warm"
    echo "run $w-shadow-guest2m $out/$w.csv --set sim.mode=shadow --set guest.thp=always $warm"
    echo "run $w-shadow-2m $out/$w.csv --set sim.mode=shadow --set guest.thp=always --set host.thp=always $warm"
    echo "run $w-nested-4k $out/$w.csv --set sim.mode=nested $warm"
    echo "run $w-nested-guest2m $out/$w.csv --set sim.mode=nested --set guest.thp=always $warm"
    echo "run $w-nested-host2m $out/$w.csv --set sim.mode=nested --set host.thp=always $warm"
    echo "run $w-nested-2m $out/$w.csv --set sim.mode=nested --set guest.thp=always --set host.thp=always $warm"
    # 1 GiB pages: the traces' pages lie in the first GiB of the address space; a guest needs 2 GiB
    # for its 1 GiB page beside its page tables.
    gig="--set guest.hugetlb_1g_gib=1 --set guest.mem_mb=2048"
    echo "run $w-native-1g $out/$w.csv --set guest.hugetlb_1g_gib=1 $warm"
    echo "run $w-shadow-guest1g $out/$w.csv --set sim.mode=shadow $gig $warm"
    echo "run $w-shadow-1g $out/$w.csv --set sim.mode=shadow $gig --set host.thp=always $warm"
    echo "run $w-nested-guest1g $out/$w.csv --set sim.mode=nested $gig $warm"
    echo "run $w-nested-1g $out/$w.csv --set sim.mode=nested $gig --set host.thp=always $warm"
  done
  # The random trace in nested mode with every walk cache off: each walk reads (g + 1)(h + 1) - 1 entries.
  bare="--set walk.pwc_entries=0 --set ept.pwc_entries=0 --set ept.ntlb_entries=0"
  echo "run rand-bare-4k $out/rand.csv --set sim.mode=nested $bare --set sim.warmup_records=8192"
  echo "run rand-bare-guest2m $out/rand.csv --set sim.mode=nested --set guest.thp=always $bare --set sim.warmup_records=8192"
  echo "run rand-bare-host2m $out/rand.csv --set sim.mode=nested --set host.thp=always $bare --set sim.warmup_records=8192"
  echo "run rand-bare-guest1g $out/rand.csv --set sim.mode=nested $gig $bare --set sim.warmup_records=8192"
  warm="--set sim.warmup_records=65536"
  for m in native shadow nested; do
    echo "run wide-$m-4k $out/wide.csv --set sim.mode=$m $warm"
    both="--set guest.thp=always"
    [ $m != native ] && both="$both --set host.thp=always"
    echo "run wide-$m-2m $out/wide.csv --set sim.mode=$m $both $warm"
    one="--set guest.hugetlb_1g_gib=1"
    [ $m != native ] && one="$gig --set host.thp=always"
    echo "run wide-$m-1g $out/wide.csv --set sim.mode=$m $one $warm"
  done
  for m in shadow nested; do
    for p in notifier young; do
      for t in never always; do
        ad=""
        [ "$m" = nested ] && ad="--set ept.ad_bits=true"
        echo "prun p-$m-$p-$t --set sim.mode=$m --set kvm.aging=$p --set host.thp=$t $ad"
      done
      echo "prun p-$m-$p-whole --set sim.mode=$m --set kvm.aging=$p --set host.thp=always --set reclaim.thp_swap=whole $ad"
    done
  done
  echo "prun66 g-never --set host.thp=never"
  echo "prun66 g-always --set host.thp=always"
  echo "prun66 g-whole --set host.thp=always --set reclaim.thp_swap=whole"
} >"$jobs_file"
export -f run prun prun66
export bin cfg out
xargs -P 2 -I{} bash -c '{}' <"$jobs_file"

python3 - "$out" >"$out/section.md" <<'PY'
import csv, os, sys
out = sys.argv[1]

def summary(name):
    if os.path.exists(os.path.join(out, name + ".failed")):
        sys.exit(f"huge_study: run {name} failed: " + open(os.path.join(out, name + ".err")).read())
    with open(os.path.join(out, name, "summary.csv")) as f:
        return next(csv.DictReader(f))

def n(x):
    return f"{int(x):,}"

rows = [("native-4k", "native", "4 KiB"), ("native-2m", "native", "2 MiB (guest.thp)"),
        ("shadow-4k", "shadow", "4 KiB both"), ("shadow-guest2m", "shadow", "guest 2 MiB, host 4 KiB"),
        ("shadow-host2m", "shadow", "guest 4 KiB, host 2 MiB"), ("shadow-2m", "shadow", "2 MiB both"),
        ("nested-4k", "nested", "4 KiB both"), ("nested-guest2m", "nested", "guest 2 MiB, EPT 4 KiB"),
        ("nested-host2m", "nested", "guest 4 KiB, EPT 2 MiB"), ("nested-2m", "nested", "2 MiB both"),
        ("native-1g", "native", "1 GiB (hugetlbfs)"), ("shadow-guest1g", "shadow", "guest 1 GiB, host 4 KiB"),
        ("shadow-1g", "shadow", "guest 1 GiB, host 2 MiB"), ("nested-guest1g", "nested", "guest 1 GiB, EPT 4 KiB"),
        ("nested-1g", "nested", "guest 1 GiB, EPT 2 MiB")]
print("| workload | mode | pages | cycles in TLB lookups and walks | vs 4 KiB | STLB misses | walks | walk refs | refs / walk | TLB hits on 2 MiB entries | on 1 GiB entries |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
res = {}

def mmu_cycles(s):
    return int(s["tlb_cycles"]) + int(s["walk_cycles"])

bare_rows = [("bare-4k", "bare", "4 KiB both"), ("bare-guest2m", "bare", "guest 2 MiB, EPT 4 KiB"),
             ("bare-host2m", "bare", "guest 4 KiB, EPT 2 MiB"), ("bare-guest1g", "bare", "guest 1 GiB, EPT 4 KiB")]
wide_rows = [("native-4k", "native", "4 KiB"), ("native-2m", "native", "2 MiB (guest.thp)"),
             ("native-1g", "native", "1 GiB (hugetlbfs)"), ("shadow-4k", "shadow", "4 KiB both"),
             ("shadow-2m", "shadow", "2 MiB both"), ("shadow-1g", "shadow", "guest 1 GiB, host 2 MiB"),
             ("nested-4k", "nested", "4 KiB both"), ("nested-2m", "nested", "2 MiB both"),
             ("nested-1g", "nested", "guest 1 GiB, EPT 2 MiB")]
for w, wname in (("seq", "sequential, 8,192 pages"), ("rand", "random, 8,192 pages"), ("wide", "random, 65,536 pages")):
    for key, mode, pages in (wide_rows if w == "wide" else rows) + (bare_rows if w == "rand" else []):
        s = summary(f"{w}-{key}")
        res[(w, key)] = s
        if int(s["page_faults"]) or int(s["guest_page_faults"]):
            sys.exit(f"huge_study: {w}-{key} faulted after the warm-up")
        base = mmu_cycles(summary(f"{w}-{mode.split(',')[0]}-4k"))
        c, walks, refs = mmu_cycles(s), int(s["walks"]), int(s["walk_refs"])
        print(f"| {wname} | {'nested, no walk caches' if mode == 'bare' else mode} | {pages} | {n(c)} | {c / base:.2f}x | {n(s['stlb_misses'])} | {n(walks)} | {n(refs)} | "
              f"{refs / walks if walks else 0:.1f} | {n(s['tlb_2m_hits'])} | {n(s['tlb_1g_hits'])} |")
print()

def ratio(w, a, b):
    return mmu_cycles(res[(w, a)]) / mmu_cycles(res[(w, b)])

def per_walk(w, k):
    s = res[(w, k)]
    return int(s["walk_refs"]) / max(1, int(s["walks"]))

print(f"- **TLB reach**: 8,192 pages of 4 KiB need 8,192 TLB entries, more than the STLB's 1,536; as sixteen 2 MiB pages "
      f"they fit the L1 dTLB's 32-entry 2 MiB array. Natively, THP cuts STLB misses on the random trace from "
      f"{n(res[('rand', 'native-4k')]['stlb_misses'])} to {n(res[('rand', 'native-2m')]['stlb_misses'])}, and its translation "
      f"takes {ratio('rand', 'native-2m', 'native-4k'):.2f}x the cycles.")
print(f"- **Nested walks**: only 2 MiB pages in both dimensions give 2 MiB TLB entries; a guest 2 MiB page over 4 KiB EPT "
      f"pages (or the reverse) is cached as 4 KiB entries, so the random trace still misses the STLB "
      f"{n(res[('rand', 'nested-guest2m')]['stlb_misses'])} times. With every walk cache off a walk reads "
      f"{per_walk('rand', 'bare-4k'):.1f} entries with 4 KiB pages in both dimensions, "
      f"{per_walk('rand', 'bare-guest2m'):.1f} with guest 2 MiB pages, {per_walk('rand', 'bare-host2m'):.1f} with 2 MiB EPT "
      f"entries and {per_walk('rand', 'bare-guest1g'):.1f} with a guest 1 GiB page ((g + 1)(h + 1) - 1 for g guest and h EPT "
      f"levels); with the preset's caches "
      f"{per_walk('rand', 'nested-4k'):.1f}, {per_walk('rand', 'nested-guest2m'):.1f} and {per_walk('rand', 'nested-host2m'):.1f}: "
      f"the caches hide the shorter dimension. With both, nested mode translates the random trace in "
      f"{ratio('rand', 'nested-2m', 'nested-4k'):.2f}x the cycles of 4 KiB pages.")
print(f"- **Shadow mode** maps a 2 MiB spte only where the guest and the host both map 2 MiB; a guest 2 MiB page over "
      f"4 KiB host pages gets a direct shadow page of 4 KiB sptes, so its walks and TLB misses stay those of 4 KiB pages "
      f"(random trace: {n(res[('rand', 'shadow-guest2m')]['stlb_misses'])} STLB misses against "
      f"{n(res[('rand', 'shadow-4k')]['stlb_misses'])}), and host huge pages alone change only the host's faults, which "
      f"fall in the warm-up here. With both, shadow mode translates the random trace in "
      f"{ratio('rand', 'shadow-2m', 'shadow-4k'):.2f}x the cycles of 4 KiB pages.")
g = lambda k: res[('wide', k)]
print(f"- **1 GiB pages**: on the random trace over 8,192 pages, 2 MiB pages already leave natively no STLB miss; over 65,536 "
      f"pages (128 ranges of 2 MiB, four times the L1 dTLB's 32 2 MiB entries) the L1 misses "
      f"{n(g('native-2m')['l1d_misses'])} times with 2 MiB pages, each an STLB hit, and never with one 1 GiB page, held by "
      f"the L1 dTLB's 1 GiB array: natively the translation takes {ratio('wide', 'native-1g', 'native-4k'):.2f}x the cycles "
      f"of 4 KiB pages against {ratio('wide', 'native-2m', 'native-4k'):.2f}x. Under KVM the translation is cached at the "
      f"smaller of the guest's and the host's page, and the host backs guests with 2 MiB pages at most: a guest 1 GiB page "
      f"gives 2 MiB entries, and nested mode takes {ratio('wide', 'nested-1g', 'nested-2m'):.2f}x the cycles of 2 MiB "
      f"pages in both dimensions (shadow mode {ratio('wide', 'shadow-1g', 'shadow-2m'):.2f}x). Over 4 KiB host pages it "
      f"gives 4 KiB entries ({n(res[('rand', 'nested-guest1g')]['stlb_misses'])} STLB misses on the 8,192-page random trace "
      f"nested, as many as with 4 KiB guest pages); what it saves then is one guest level of each 2D walk (the rows without "
      f"walk caches).")
print()
print("Under host memory pressure (`configs/pressure.cfg` without its 2.6.28 era: an 8 MiB host, a 64 MiB guest, "
      "`traces/synthetic/pressure.csv`; nested mode with EPT A/D bits, so that `young` can see accesses), with and "
      "without `host.thp`, huge pages split before swap-out (`reclaim.thp_swap = split`, 2.6.38) or swapped whole "
      "(`whole`, 4.14), under the 2.6.28 reclaim rules and under MGLRU (`configs/pressure-linux-6.6.cfg`: nested mode, "
      "`young`); *split* counts huge pages split before swap-out or, swapped whole, split when a page of theirs "
      "refaulted while still in the swap cache:")
print()
print("| mode | reclaim | policy | host.thp | thp_swap | host huge pages | split | written whole | swap-outs | swap-ins | refaults | young answers | cycles |")
print("|---|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
prow = []
for m in ("shadow", "nested"):
    for p in ("notifier", "young"):
        for t, k in (("never", "never"), ("always", "always"), ("always", "whole")):
            prow.append((f"p-{m}-{p}-{k}", m, "2.6.28", p, t, "whole" if k == "whole" else "split", (m, p, k)))
for k, t in (("never", "never"), ("always", "always"), ("whole", "always")):
    prow.append((f"g-{k}", "nested", "MGLRU (6.6)", "young", t, "whole" if k == "whole" else "split", ("mglru", k)))
for name, m, lru, p, t, sw, key in prow:
    s = summary(name)
    res[key] = s
    if int(s["thp_swpout_fallback"]):
        sys.exit(f"huge_study: {name} fell back to splitting (no free swap cluster): the table has no column for it")
    print(f"| {m} | {lru} | {p} | {t} | {sw if t == 'always' else ''} | {n(s['host_huge_pages'])} | {n(s['huge_pages_split'])} | "
          f"{n(s['thp_swpout'])} | {n(s['swap_outs'])} | {n(s['swap_ins'])} | {n(s['refaults'])} | {n(s['young_hits'])} | {n(s['cycles'])} |")
print()
split_runs = [(m, p, "always") for m in ("shadow", "nested") for p in ("notifier", "young")]
whole_runs = [(m, p, "whole") for m in ("shadow", "nested") for p in ("notifier", "young")]
hp = sum(int(res[k]["host_huge_pages"]) for k in split_runs)
sp = sum(int(res[k]["huge_pages_split"]) for k in split_runs)
print(f"- Over the four 2.6.28 runs with `host.thp` the host maps {hp} huge pages (past the first faults no aligned block of 512 "
      f"free frames is left above the low watermark); reclaim picks {sp} of them and splits each before its swap-out, and "
      "works on 4 KiB pages from then on.")
hw = sum(int(res[k]["host_huge_pages"]) for k in whole_runs)
ww = sum(int(res[k]["thp_swpout"]) for k in whole_runs)
sw_ = sum(int(res[k]["huge_pages_split"]) for k in whole_runs)
fb = sum(int(res[k]["thp_swpout_fallback"]) for k in whole_runs)
def delta(field):
    a = sum(int(res[k][field]) for k in split_runs)
    b = sum(int(res[k][field]) for k in whole_runs)
    return f"{n(a)} to {n(b)}"
print(f"- Swapped whole, the same four runs map {hw} huge pages and write {ww} of them to swap whole, each one 2 MiB write "
      f"into a cluster of 512 slots ({fb} fell back to a split for want of a free cluster: the 256 MiB device has 128); "
      f"{sw_} were split afterwards, a page of theirs refaulting while the page was still in the swap cache. Every page "
      f"comes back 4 KiB at a time, so a huge page once swapped out stays 4 KiB pages. Summed over the four runs, "
      f"swap-outs go from {delta('swap_outs')}, swap-ins from {delta('swap_ins')} and refaults from {delta('refaults')} "
      "against splitting: a huge page swapped whole is judged by its one accessed bit and leaves memory with all 512 "
      "pages, where the 511 pages of a split one each meet the aging on their own (their own ptes and sptes) before "
      "their swap-out.")
print("- While a page is huge, the aging policies see one accessed bit for its 512 pages: `page_referenced` on the head tests "
      "the pmd's young bit and asks KVM about the head's gfn alone (2.6.38), so `young` can answer only for the head's own "
      "spte or EPT entry: a 2 MiB EPT entry (nested mode) carries the accesses to all 512 pages, 4 KiB sptes (shadow mode) "
      "those to the first page only.")
y0, y1 = res[("nested", "young", "never")], res[("nested", "young", "always")]
kept = int(y1["host_huge_pages"]) - int(y1["huge_pages_split"])
print(f"- Nested mode under `young` with huge pages split before swap-out: {kept} of the {n(y1['host_huge_pages'])} huge "
      f"pages are never split, so never swapped out (2 MiB each, in an 8 MiB host): each one's 2 MiB EPT entry carries the "
      f"accesses to all 512 pages, so `young` finds it referenced when reclaim reaches it. The split LRU counts it 512 pages "
      f"in the list sizes and the scan targets (2.6.38's `hpage_nr_pages`) but a scan takes it as one entry, and it moves "
      f"between the lists 512 pages at a time; the other pages must yield the memory. Swap-ins go from "
      f"{n(y0['swap_ins'])} to {n(y1['swap_ins'])}, but direct reclaim takes {n(y1['direct_reclaim_cycles'])} cycles against "
      f"{n(y0['direct_reclaim_cycles'])} without huge pages, and reclaim sleeps in `congestion_wait` (after a pass below "
      f"priority DEF_PRIORITY - 2) {n(y1['congestion_waits'])} times against {n(y0['congestion_waits'])}.")
g0, g1, g2 = res[("mglru", "never")], res[("mglru", "always")], res[("mglru", "whole")]
print(f"- Under MGLRU the aging walk reads a huge page's pmd as one leaf (`walk_pmd_range_locked`): one young bit moves all "
      f"512 pages to the youngest generation at once, and a huge page counts 512 pages in its generation. With the 6.6 "
      f"preset the walks and look-around find {n(g0['aging_young_ptes'])} young entries with 4 KiB pages and "
      f"{n(g1['aging_young_ptes'])} with `host.thp` ({n(g1['host_huge_pages'])} huge pages); reclaim splits "
      f"{n(g1['huge_pages_split'])} huge pages before their swap-out (`split`, their tails reclaimed in the same pass) or "
      f"writes {n(g2['thp_swpout'])} whole (`whole`), and swap-ins go from {n(g0['swap_ins'])} without huge pages to "
      f"{n(g1['swap_ins'])} and {n(g2['swap_ins'])}.")
PY

readme_section "$mode" huge-study "$out/section.md"
