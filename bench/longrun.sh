#!/usr/bin/env bash
# Long run under memory pressure (README "Hardening"): ACCESSES records (default 100 million) of a
# generated hot/cold trace, piped straight from `mmusim gen` into `mmusim run --trace -` (no
# trace file on disk), on configs/pressure.cfg (an 8 MiB host for a 47 MiB footprint: the host
# reclaims and swaps all along) with 2 vCPUs, 2 processes each, and the invariant checker on.
# Reports the wall time, the resident memory of the run sampled every SAMPLE seconds (it must stay
# flat: readers stream, nothing grows with the trace), the checker's findings and the key figures.
#   bash bench/longrun.sh [BUILD_DIR] [ACCESSES] [OUT_DIR]
# Not part of CI (it takes minutes). Exit code: 0 when the run succeeds, the checker finds nothing
# and memory is flat; 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
accesses=${2:-100000000}
out=${3:-/tmp/mmusim-longrun}
sample=${SAMPLE:-2}
bin=$build/sim/mmusim
[ -x "$bin" ] || { echo "longrun: $bin not built" >&2; exit 2; }
mkdir -p "$out"
rm -f "$out/summary.csv" "$out/rss.csv"

gen=(--pattern hotcold --accesses "$accesses" --footprint-pages 6000 --hot-pages 400 --hot-fraction 0.9
     --vcpus 2 --pids 2 --seed 7)
sets=(--set guest.vcpus=2 --set sim.check=true --set sim.check_every=4096)
echo "mmusim gen ${gen[*]} | mmusim run -q --config configs/pressure.cfg --trace - ${sets[*]} --out $out"

start=$(date +%s.%N)
"$bin" gen "${gen[@]}" | "$bin" run -q --config configs/pressure.cfg --trace - "${sets[@]}" --out "$out" &
pid=$!  # the run, the last command of the pipeline
echo "seconds,rss_kib" > "$out/rss.csv"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(awk -v s="$start" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}'),$rss" >> "$out/rss.csv"
  sleep "$sample"
done
status=0
wait "$pid" || status=$?
end=$(date +%s.%N)
[ "$status" -eq 0 ] || { echo "longrun: the run failed (exit $status)" >&2; exit 1; }

# Memory is flat when the peak of the second half of the run is within 5% (and 4 MiB) of the
# peak of the first half: nothing grows with the number of records replayed.
read -r samples first_peak second_peak last < <(awk -F, 'NR > 1 {t[NR] = $1; r[NR] = $2; n = NR}
  END { h = int((n + 1) / 2); for (i = 2; i <= n; i++) if (i <= h) { if (r[i] > a) a = r[i] } else { if (r[i] > b) b = r[i] }
        print n - 1, a, b, r[n] }' "$out/rss.csv")
flat=yes
awk -v a="$first_peak" -v b="$second_peak" 'BEGIN { exit !(b <= a * 1.05 || b <= a + 4096) }' || flat=no

col() { awk -F, -v k="$1" 'NR == 1 {for (i = 1; i <= NF; i++) if ($i == k) c = i} NR == 2 {print $c}' "$out/summary.csv"; }
printf 'wall time             %.0f s\n' "$(awk -v s="$start" -v e="$end" 'BEGIN {print e - s}')"
echo "rss samples           $samples (every ${sample} s, $out/rss.csv)"
echo "peak rss              first half $first_peak KiB, second half $second_peak KiB, last $last KiB: flat $flat"
for k in accesses translations cycles vcpu_cycles swap_ins swap_outs refaults host_major_faults pages_scanned \
         kswapd_wakeups direct_reclaims notifier_invalidates invariant_violations wall_seconds accesses_per_second; do
  printf '%-21s %s\n' "$k" "$(col "$k")"
done
[ "$(col invariant_violations)" = 0 ] && [ "$flat" = yes ] && [ "$(col accesses)" = "$accesses" ]
