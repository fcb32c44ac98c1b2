#!/usr/bin/env bash
# Throughput of mmusim against the parse-only limit (reading the same file without simulating).
#   bench/throughput.sh [BUILD_DIR] [ACCESSES] [REPEAT]
# Prints, per trace and mode: parse-only records/s, simulated accesses/s, and their ratio. Each
# repetition runs the parse and then the simulation of the same file, back to back, and the row is
# the repetition of the best ratio (REPEAT of them, default 1; at least 5 for the lackey trace,
# whose runs last under 0.1 s and so feel a scheduling hiccup most), so that a burst of load on a
# shared machine does not decide a ratio, and a ratio compares two runs made the same moment.
# Traces: (1) a generated TLB-hit-dominated CSV trace of ACCESSES (default 20M) records, and the
# same in the binary .mtr format;
# (2) a real lackey trace: the bundled traces/lackey/quicksort.lackey repeated to about 10M records
# (a repeated lackey log is still a valid one; after the first pass the TLBs are warm).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-20000000}
repeat=${3:-1}
bin=$build/sim/mmusim
work=$(mktemp -d /tmp/mmusim-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin" gen --pattern tlbhit --accesses "$n" --out "$work/tlbhit.csv"
"$bin" convert "$work/tlbhit.csv" "$work/tlbhit.mtr" > /dev/null
src=$root/traces/lackey/quicksort.lackey
reps=$(( 10000000 / $(grep -c -E '^(I| [LSM]) ' "$src") + 1 ))
for _ in $(seq "$reps"); do cat "$src"; done > "$work/quicksort-repeated.lackey"

field() { awk -F, -v k="$1" 'NR==1{for(i=1;i<=NF;i++) if($i==k) c=i} NR==2{print $c}' "$2"; }

printf '%-26s %-7s %12s %14s %14s %7s\n' trace mode records parse_only/s simulated/s ratio
for t in tlbhit.csv tlbhit.mtr quicksort-repeated.lackey; do
  runs=$repeat
  if [ "$t" = quicksort-repeated.lackey ] && [ "$runs" -lt 5 ]; then runs=5; fi
  for mode in native shadow nested; do
    best=''
    for _ in $(seq "$runs"); do
      parse=$("$bin" parse --trace "$work/$t" | awk -F, '$1=="records_per_second"{print $2}')
      "$bin" run --config "$root/configs/default.cfg" --set sim.mode=$mode --trace "$work/$t" --out "$work/out" --quiet
      sim=$(field accesses_per_second "$work/out/summary.csv")
      row=$(awk -v p="$parse" -v s="$sim" 'BEGIN{printf "%.0f %.0f %.4f", p, s, s / p}')
      if [ -z "$best" ] || awk -v a="${row##* }" -v b="${best##* }" 'BEGIN{exit !(a > b)}'; then best=$row; fi
    done
    read -r parse sim ratio <<< "$best"
    printf '%-26s %-7s %12s %14s %14s %7.2f\n' "$t" "$mode" "$(field accesses "$work/out/summary.csv")" "$parse" "$sim" "$ratio"
  done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
