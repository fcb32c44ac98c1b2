#!/usr/bin/env bash
# The README's aging-cost study, from runs only: the work MGLRU's aging does as a VM grows, vCPU by
# vCPU, each vCPU with its own process of the same size (as max_guest_memory_test gives each vCPU
# its own memory), on a host that holds about 60% of the guest's memory, under Linux 6.6 (walks
# clear the host's accessed bits only) and 6.12 (walks ask KVM about every pte, 1d4832becdc2).
#
#   bench/aging_cost_study.sh [BUILD_DIR]          prints the section (markdown) on stdout
#   bench/aging_cost_study.sh --write [BUILD_DIR]  puts it into README.md between <!-- aging-cost:begin --> and <!-- aging-cost:end -->
#   bench/aging_cost_study.sh --check [BUILD_DIR]  exit 0 if README.md holds exactly that, 1 (with a diff) if not
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/readme_section.sh
study_setup "$@"

pages=1000  # per vCPU: a 200-page hot set (90% of accesses) and a cold stream over the rest
jobs_file=$out/jobs
for n in 1 2 4 8; do
  "$bin" gen --pattern hotcold --accesses $((n * 40000)) --footprint-pages $pages --hot-pages 200 --vcpus $n --pids $n \
    --seed 7 --out "$out/v$n.csv" >/dev/null
  host_mb=$(( (n * pages * 6 / 10 + 255) / 256 ))  # about 60% of the guest's n * 1,000 pages
  for era in 6.6 6.12; do
    echo "$bin run -q --config configs/pressure-linux-$era.cfg --trace $out/v$n.csv --set guest.vcpus=$n --set host.mem_mb=$host_mb --out $out/$era-$n >/dev/null 2>$out/$era-$n.err || echo failed >$out/$era-$n.failed"
  done
done >"$jobs_file"
xargs -P 2 -I{} bash -c '{}' <"$jobs_file"

python3 - "$out" >"$out/section.md" <<'PY'
import csv, os, sys
out = sys.argv[1]

def summary(name):
    if os.path.exists(os.path.join(out, name + ".failed")):
        sys.exit(f"aging_cost_study: run {name} failed: " + open(os.path.join(out, name + ".err")).read())
    with open(os.path.join(out, name, "summary.csv")) as f:
        return next(csv.DictReader(f))

print("| era | vCPUs | guest pages | aging passes | ptes scanned (walks, look-around) | per pass | secondary calls | per pass | "
      "kswapd M cycles | swap-ins |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
per_pass = {}
for era in ("6.6", "6.12"):
    for n in (1, 2, 4, 8):
        s = summary(f"{era}-{n}")
        passes = int(s["aging_passes"])
        ptes, calls = int(s["aging_ptes_scanned"]), int(s["aging_secondary_calls"])
        per_pass[(era, n)] = ptes / passes if passes else 0
        print(f"| {era} | {n} | {n * 1000:,} | {passes:,} | {ptes:,} | {ptes / passes if passes else 0:,.0f} | {calls:,} | "
              f"{calls / passes if passes else 0:,.0f} | {int(s['kswapd_cycles']) / 1e6:,.1f} | {int(s['swap_ins']):,} |")
print()
g66 = per_pass[("6.6", 8)] / per_pass[("6.6", 1)] if per_pass[("6.6", 1)] else 0
g612 = per_pass[("6.12", 8)] / per_pass[("6.12", 1)] if per_pass[("6.12", 1)] else 0
print(f"- The ptes an aging pass visits grow {g66:.1f}x (6.6) and {g612:.1f}x (6.12) from 1 to 8 vCPUs, with the memory "
      "the vCPUs map: the walks cost what the page tables hold, plus the look-around's ptes.")
print("- The published pass times grow faster: James Houghton's aging pass took 0.227 s with 8 vCPUs and 9.8 s with 64 "
      f"before lockless harvesting ({9.8 / 0.227:.0f}x for 8x the vCPUs), 0.064 s and 1.39 s after "
      f"({1.39 / 0.064:.0f}x); Yu Zhao's max_guest_memory_test ran ~600 s with MGLRU before lockless harvesting, ~50 s "
      "after and ~250 s with MGLRU off. Those series took KVM's mmu_lock out of the aging's secondary-MMU calls, where "
      "they met faulting vCPUs; mmusim models no lock, so it shows the part of the cost that grows with the memory "
      "(the calls and ptes above) and none of the contention.")
PY

readme_section "$mode" aging-cost "$out/section.md"
