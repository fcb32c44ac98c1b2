#!/bin/sh
# Rebuilds the bundled traces (see traces/README.md). Run from the repository root:
#   sh traces/tools/make_traces.sh            # lackey traces and synthetic traces
#   MMUSIM=build/sim/mmusim sh traces/tools/make_traces.sh
# Lackey traces depend on the exact gcc, glibc and valgrind versions (README lists the ones used);
# the synthetic traces are byte-identical everywhere.
set -eu

ROOT=$(pwd)
OUT="$ROOT/traces"
MMUSIM=${MMUSIM:-"$ROOT/build/sim/mmusim"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

lackey() {  # lackey NAME COMMAND...
  name=$1
  shift
  valgrind --tool=lackey --trace-mem=yes --log-file="$OUT/lackey/$name.lackey" "$@" > /dev/null
}

# (a) Small C programs, static so the trace holds no dynamic loader work.
for prog in quicksort listwalk matmul; do
  gcc -O2 -static -o "$WORK/$prog" "$OUT/src/$prog.c"
done
cd "$WORK"
lackey quicksort ./quicksort 600
lackey listwalk ./listwalk 1024 8
lackey matmul ./matmul 20
# A real system program: coreutils true (dynamic: ld.so relocation and libc start-up).
lackey true /bin/true
cd "$ROOT"

# (b) Synthetic CSV traces.
mkdir -p "$OUT/synthetic"
if [ -x "$MMUSIM" ]; then
  GEN="$MMUSIM gen"
else
  echo "note: $MMUSIM not found, using traces/tools/gen_reference.py (same bytes, slower)" >&2
  GEN="python3 $OUT/tools/gen_reference.py"
fi
$GEN --pattern hotcold --accesses 10000 --footprint-pages 1024 --hot-pages 32 --hot-fraction 0.9 --seed 1 \
  > "$OUT/synthetic/hotcold-small.csv"
$GEN --pattern seq --accesses 10000 --footprint-pages 16 --seed 1 > "$OUT/synthetic/seq-small.csv"
$GEN --pattern uniform --accesses 10000 --footprint-pages 256 --vcpus 2 --pids 2 --seed 1 \
  > "$OUT/synthetic/multi-vcpu.csv"
$GEN --pattern tlbhit --accesses 10000 --seed 1 > "$OUT/synthetic/tlbhit-small.csv"
$GEN --pattern hotcold --accesses 100000 --footprint-pages 12000 --hot-pages 400 --hot-fraction 0.9 --seed 11 > "$OUT/synthetic/pressure.csv"
$GEN --pattern shift --accesses 20000 --footprint-pages 3000 --hot-pages 300 --seed 5 > "$OUT/synthetic/shift.csv"
$GEN --pattern stride --accesses 20000 --footprint-pages 2000 --stride-bytes 4096 --seed 5 > "$OUT/synthetic/scan.csv"
$GEN --pattern hotcold --accesses 20000 --vms 2 --footprint-pages 1500 --hot-pages 200 --hot-fraction 0.9 --seed 5 > "$OUT/synthetic/two-vms.csv"

# (c) Teaching traces, for configs/teaching.cfg and docs/tutorial.md.
mkdir -p "$OUT/teaching"
$GEN --pattern tlbhit --accesses 240 --hot-pages 12 --seed 1 > "$OUT/teaching/reach.csv"
$GEN --pattern stride --accesses 64 --footprint-pages 16 --stride-bytes 4096 --pids 2 --slice 16 --seed 1 > "$OUT/teaching/ptwrite.csv"
$GEN --pattern hotcold --accesses 3000 --footprint-pages 1000 --hot-pages 64 --hot-fraction 0.8 --seed 3 > "$OUT/teaching/hotscan.csv"
$GEN --pattern stride --accesses 1500 --footprint-pages 300 --stride-bytes 4096 --seed 1 > "$OUT/teaching/loop.csv"
