#!/usr/bin/env bash
# Read rates of compressed traces against decompressing them alone (README "Compressed traces").
#   bench/compressed_rates.sh [BUILD_DIR] [ACCESSES] [REPEAT]
# Four traces: a generated TLB-hit CSV of ACCESSES (default 20M) records as .csv.zst and, through
# `mmusim convert --compress zstd`, as .mtr.zst; the bundled quicksort.lackey repeated to about
# ACCESSES / 2 records as .lackey.xz (xz -1: level 6 takes minutes to compress and decompresses at
# the same rate); a generated ChampSim trace of ACCESSES / 4 instructions (a 256-instruction loop,
# each with one load and every fourth with a store, over 64 data pages) as .champsimtrace.xz.
# For each, in records (accesses) per second:
#   decompress   `zstd -dc` or `xz -dc` of the file to /dev/null alone
#   parse-only   `mmusim parse` of the uncompressed file
#   serial       1 / (1/decompress + 1/parse-only): both, one after the other, on one core
#   parse        `mmusim parse` of the compressed file (decompression and parsing on one thread)
#   simulated    `mmusim run --set sim.mode=shadow` of the compressed file (decompression and
#                parsing on the reader thread, beside the simulation)
#   ratio        simulated / serial: the issue asks at least 0.8 for text traces; for .mtr.zst it
#                asks simulated at least 40 M/s
#   run CPU s    user + system CPU seconds of that run, both threads (/usr/bin/time): on a loaded
#                machine the wall-clock rates fall, the CPU time much less
# Each repetition measures all of them back to back; the row is the repetition of the best ratio.
# Wall-clock figures: they need two idle cores (bench/README.md).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
n=${2:-20000000}
repeat=${3:-1}
bin=$build/sim/mmusim
work=$(mktemp -d /tmp/mmusim-compressed.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$bin" gen --pattern tlbhit --accesses "$n" --out "$work/tlbhit.csv"
zstd -q -c "$work/tlbhit.csv" > "$work/tlbhit.csv.zst"
"$bin" convert "$work/tlbhit.csv" "$work/tlbhit.mtr" > /dev/null
"$bin" convert "$work/tlbhit.csv" "$work/tlbhit.mtr.zst" --compress zstd > /dev/null
src=$root/traces/lackey/quicksort.lackey
reps=$(( n / 2 / $(grep -c -E '^(I| [LSM]) ' "$src") + 1 ))
for _ in $(seq "$reps"); do cat "$src"; done > "$work/quicksort.lackey"
xz -1 -c "$work/quicksort.lackey" > "$work/quicksort.lackey.xz"
python3 - "$work/loop.champsimtrace" $(( n / 4 )) <<'PY'
import struct, sys
path, count = sys.argv[1], int(sys.argv[2])
rec = struct.Struct("<QBB2B4B2Q4Q")
with open(path, "wb") as f:
    chunk = []
    for i in range(count):
        load = 0x10000000 + ((i * 67) % 64) * 4096 + (i % 64) * 8
        store = 0x20000000 + (i % 64) * 4096 if i % 4 == 0 else 0
        chunk.append(rec.pack(0x400000 + (i % 256) * 4, 0, 0, 0, 0, 0, 0, 0, 0, store, 0, load, 0, 0, 0))
        if len(chunk) == 65536:
            f.write(b"".join(chunk)); chunk = []
    f.write(b"".join(chunk))
PY
xz -1 -c "$work/loop.champsimtrace" > "$work/loop.champsimtrace.xz"

now() { date +%s.%N; }
field() { awk -F, -v k="$1" 'NR==1{for(i=1;i<=NF;i++) if($i==k) c=i} NR==2{print $c}' "$2"; }
parse_rate() { "$bin" parse "$@" | awk -F, '$1=="records_per_second"{print $2}'; }
m() { awk -v r="$1" 'BEGIN{printf "%.1f", r / 1e6}'; }

printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' file bytes accesses "decompress M/s" "parse-only M/s" "serial M/s" \
  "parse M/s" "simulated M/s" ratio "run CPU s"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for spec in "tlbhit.csv.zst tlbhit.csv zstd" "quicksort.lackey.xz quicksort.lackey xz" "tlbhit.mtr.zst tlbhit.mtr zstd" \
            "loop.champsimtrace.xz loop.champsimtrace xz"; do
  read -r file plain tool <<< "$spec"
  fmt=()
  [ "$plain" = loop.champsimtrace ] && fmt=(--format champsim)
  best=''
  for _ in $(seq "$repeat"); do
    t0=$(now); "$tool" -dc "$work/$file" > /dev/null; t1=$(now)
    parse_plain=$(parse_rate --trace "$work/$plain" "${fmt[@]}")
    parse_comp=$(parse_rate --trace "$work/$file")
    /usr/bin/time -f %U+%S -o "$work/cpu" "$bin" run --config "$root/configs/default.cfg" --set sim.mode=shadow \
      --trace "$work/$file" --out "$work/out" --quiet
    cpu=$(awk -F+ '{printf "%.2f", $1 + $2}' "$work/cpu")
    acc=$(field accesses "$work/out/summary.csv")
    sim=$(field accesses_per_second "$work/out/summary.csv")
    row=$(awk -v a="$acc" -v t0="$t0" -v t1="$t1" -v p="$parse_plain" -v c="$parse_comp" -v s="$sim" \
      'BEGIN{d = a / (t1 - t0); ser = 1 / (1 / d + 1 / p); printf "%.0f %.0f %.0f %.0f %.0f %.3f", d, p, ser, c, s, s / ser}')" $cpu"
    if [ -z "$best" ] || awk -v a="$(cut -d' ' -f6 <<< "$row")" -v b="$(cut -d' ' -f6 <<< "$best")" 'BEGIN{exit !(a > b)}'; then
      best=$row
    fi
  done
  read -r dec parse_plain serial parse_comp sim ratio cpu <<< "$best"
  printf '| `%s` | %s | %s | %s | %s | %s | %s | %s | %.2f | %s |\n' "$file" "$(stat -c %s "$work/$file")" "$acc" "$(m "$dec")" \
    "$(m "$parse_plain")" "$(m "$serial")" "$(m "$parse_comp")" "$(m "$sim")" "$ratio" "$cpu"
done
echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
