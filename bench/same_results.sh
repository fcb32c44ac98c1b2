#!/usr/bin/env bash
# Shows that a change left every result as it was: runs the same matrix of simulations with the
# program built from BASE (a commit) and with the one in BUILD_DIR (default build/), and compares
# every summary.csv, timeline.csv and compare.csv byte for byte, apart from the wall-clock columns
# (wall_seconds, accesses_per_second, and compare's wall-clock columns).
#
#   [NEW_COLUMNS=REGEX] bench/same_results.sh BASE [BUILD_DIR]
#
# The matrix: every bundled trace (traces/synthetic, traces/teaching, traces/lackey) in native mode
# and in shadow mode under every kvm.aging policy with configs/default.cfg; the pressure traces
# (pressure, shift, two-vms) under configs/pressure.cfg with every policy and with the invariant
# checker on (pinned runs out of host memory there: its exit code is compared); and `compare` of pressure.csv under configs/pressure.cfg. BASE is built once into
# build-base/<commit> (kept for the next call). Exit 0: identical; 1: something differs (listed).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/same_results.sh BASE [BUILD_DIR]" >&2; exit 2; }
base=$(git rev-parse --verify "$1^{commit}")
new_bin=$(realpath "${2:-build}")/sim/mmusim
[ -x "$new_bin" ] || { echo "no program at $new_bin: build first" >&2; exit 2; }

base_dir=$PWD/build-base/$base
if [ ! -x "$base_dir/build/sim/mmusim" ]; then
  rm -rf "$base_dir" && mkdir -p "$base_dir"
  git archive "$base" | tar -x -C "$base_dir"
  cmake -S "$base_dir" -B "$base_dir/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$base_dir/build" -j"$(nproc)" --target mmusim >/dev/null
fi
base_bin=$base_dir/build/sim/mmusim
policies=$("$new_bin" config --list | awk '$1 == "kvm.aging" { s = $0; sub(/.*\[/, "", s); sub(/\].*/, "", s); gsub(/\|/, " ", s); print s }')

out=$(mktemp -d "${TMPDIR:-/tmp}/same_results.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT

# shape TRACE: the settings a bundled trace needs (traces/README.md).
shape() {
  case "$(basename "$1")" in
    two-vms.csv) echo "--set guest.vms=2" ;;
    multi-vcpu.csv) echo "--set guest.vcpus=2" ;;
  esac
}

# run_all BIN DIR: the matrix with BIN, results under DIR.
run_all() {
  local bin=$1 dir=$2 t name p
  mkdir -p "$dir"
  for t in traces/synthetic/*.csv traces/teaching/*.csv traces/lackey/*.lackey; do
    name=$(basename "$t")
    # shellcheck disable=SC2046
    set -- $(shape "$t")
    "$bin" run --config configs/default.cfg --trace "$t" "$@" --out "$dir/native-$name" >/dev/null 2>&1 || echo "exit $?" >"$dir/native-$name.failed"
    for p in $policies; do
      "$bin" run --config configs/default.cfg --trace "$t" --set sim.mode=shadow --set kvm.aging="$p" "$@" \
        --out "$dir/shadow-$p-$name" >/dev/null 2>&1 || echo "exit $?" >"$dir/shadow-$p-$name.failed"
    done
  done
  for t in pressure shift two-vms; do
    # shellcheck disable=SC2046
    set -- $(shape "$t.csv")
    for p in $policies; do
      "$bin" run --config configs/pressure.cfg --trace "traces/synthetic/$t.csv" --set kvm.aging="$p" --set sim.check=true "$@" \
        --out "$dir/pressure-$p-$t" >/dev/null 2>&1 || echo "exit $?" >"$dir/pressure-$p-$t.failed"
    done
  done
  "$bin" compare --config configs/pressure.cfg --trace traces/synthetic/pressure.csv -j 2 --out "$dir/compare" >/dev/null 2>&1 ||
    echo "exit $?" >"$dir/compare.failed"
}

# strip FILE: the file without its wall-clock columns (named in its header), nor the columns that
# NEW_COLUMNS (a regular expression) names: the figures a change adds, absent from BASE.
strip() {
  awk -F, -v new="^(${NEW_COLUMNS:-})$" 'NR == 1 { for (i = 1; i <= NF; ++i) if ($i ~ /^(wall_seconds|accesses_per_second|wall_.*)$/ || (new != "^()$" && $i ~ new)) drop[i] = 1 }
           { line = ""; for (i = 1; i <= NF; ++i) if (!(i in drop)) line = line (line == "" ? "" : ",") $i; print line }' "$1"
}

echo "base $base: running the matrix" >&2
run_all "$base_bin" "$out/base"
echo "$new_bin: running the matrix" >&2
run_all "$new_bin" "$out/new"

status=0 files=0
while IFS= read -r f; do
  rel=${f#"$out/base/"}
  files=$((files + 1))
  if [ ! -e "$out/new/$rel" ]; then
    echo "missing in the new results: $rel"; status=1; continue
  fi
  case "$rel" in
    *.csv) cmp -s <(strip "$f") <(strip "$out/new/$rel") || { echo "differs: $rel"; status=1; } ;;
    *.failed) cmp -s "$f" "$out/new/$rel" || { echo "differs: $rel"; status=1; } ;;
  esac
done < <(find "$out/base" -type f \( -name 'summary.csv' -o -name 'timeline.csv' -o -name 'compare.csv' -o -name '*.failed' \) | sort)
while IFS= read -r f; do
  rel=${f#"$out/new/"}
  [ -e "$out/base/$rel" ] || { echo "new in the new results: $rel"; status=1; }
done < <(find "$out/new" -type f \( -name 'summary.csv' -o -name 'timeline.csv' -o -name 'compare.csv' -o -name '*.failed' \) | sort)
[ "$status" = 0 ] && echo "identical: $files files (summary.csv, timeline.csv, compare.csv) against $base"
exit $status
