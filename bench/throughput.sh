#!/usr/bin/env bash
# Throughput of mmusim against the parse-only limit (reading the same file without simulating).
#   bench/throughput.sh [BUILD_DIR] [ACCESSES] [REPEAT]
# Prints, per trace: parse-only records/s, simulated accesses/s, and their ratio. With REPEAT > 1
# (default 1) each figure is the best of REPEAT runs, taken in turn (parse, native, shadow, then
# again), so that a burst of load on a shared machine does not decide a ratio.
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
max() { awk -v a="$1" -v b="$2" 'BEGIN{print (a > b ? a : b)}'; }
for t in tlbhit.csv tlbhit.mtr quicksort-repeated.lackey; do
  parse=0 native=0 shadow=0
  for _ in $(seq "$repeat"); do
    parse=$(max "$parse" "$("$bin" parse --trace "$work/$t" | awk -F, '$1=="records_per_second"{print $2}')")
    for mode in native shadow; do
      "$bin" run --config "$root/configs/default.cfg" --set sim.mode=$mode --trace "$work/$t" --out "$work/out" --quiet
      declare "$mode=$(max "${!mode}" "$(field accesses_per_second "$work/out/summary.csv")")"
    done
  done
  recs=$(field accesses "$work/out/summary.csv")
  for mode in native shadow; do
    printf '%-26s %-7s %12s %14.0f %14.0f %7.2f\n' "$t" "$mode" "$recs" "$parse" "${!mode}" \
      "$(awk -v a="${!mode}" -v b="$parse" 'BEGIN{print a/b}')"
  done
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
