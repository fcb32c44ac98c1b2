#!/usr/bin/env bash
# The sizes of the bundled traces, plain and compressed (README "Traces"): per trace its records
# (as mmusim reads them), its size in bytes, and the sizes of its gzip, xz and zstd copies made
# with the programs' default levels (gzip -6, xz -6, zstd -3), and of `mmusim convert --compress
# zstd`'s .mtr.zst copy; each compressed copy is read back by mmusim, which must count the same
# records. Prints a Markdown table, sizes in bytes.
#   bench/trace_sizes.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bin=$build/sim/mmusim
work=$(mktemp -d /tmp/mmusim-sizes.XXXXXX)
trap 'rm -rf "$work"' EXIT

records() { "$bin" parse --trace "$1" | awk -F, '$1=="records"{print $2}'; }
size() { stat -c %s "$1"; }
commas() { sed ':a;s/\B[0-9]\{3\}\>/,&/;ta' <<< "$1"; }

echo "| bundled trace | records | bytes | gzip | xz | zstd | .mtr.zst |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
cd "$root"
for t in traces/lackey/*.lackey traces/synthetic/*.csv traces/teaching/*.csv; do
  n=$(records "$t")
  gzip -c "$t" > "$work/t.gz"
  xz -c "$t" > "$work/t.xz"
  zstd -q -c "$t" > "$work/t.zst"
  "$bin" convert "$t" "$work/t.mtr.zst" --compress zstd > /dev/null
  for f in t.gz t.xz t.zst t.mtr.zst; do
    [ "$(records "$work/$f")" = "$n" ] || { echo "$t: $f reads as another number of records" >&2; exit 1; }
  done
  printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$t" "$(commas "$n")" "$(commas "$(size "$t")")" \
    "$(commas "$(size "$work/t.gz")")" "$(commas "$(size "$work/t.xz")")" "$(commas "$(size "$work/t.zst")")" \
    "$(commas "$(size "$work/t.mtr.zst")")"
done
echo
echo "gzip $(gzip --version | head -1 | awk '{print $2}'), xz $(xz --version | head -1 | awk '{print $4}'), zstd $(zstd --version | sed 's/.*v\([0-9.]*\).*/\1/')"
