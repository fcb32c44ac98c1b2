#!/usr/bin/env bash
# Makes the figures of the README and the tutorial (docs/figures/NAME.svg and NAME.png) by running
# the studies they show with mmusim and drawing them with `mmusim plot`, and puts the README's
# tables of the same runs between its <!-- figures:NAME:begin/end --> markers (docs/figure_tables.py):
#   bash docs/make_figures.sh [BUILD_DIR]          figures and tables
#   bash docs/make_figures.sh --check [BUILD_DIR]  exit 0 if README.md's tables are the runs', 1 with
#                                                  a diff (draws nothing; CTest readme_figures_current)
#   bash docs/make_figures.sh --print [BUILD_DIR]  prints the tables (draws nothing)
# tutorial-compare   the tutorial's section 7: every policy on traces/teaching/hotscan.csv
# pressure-compare   the README's study: configs/pressure.cfg on traces/synthetic/pressure.csv
# pressure-seeds     the same workload's generator on seeds 11, 12, 13 (11 is pressure.csv), with
#                    --gen and --seeds: means with 95% confidence intervals (table seeds)
# listwalk-compare   (a table only) the pointer chase traces/lackey/listwalk.lackey on a 2 MiB host
# drop-sweep         (a table only) spte-lru's kvm.spte_lru_drop_every x host.mem_mb on pressure.csv
# listwalk-sweep     kvm.aging x host.mem_mb on listwalk.lackey in a 64 MiB guest, with the OPT and
#                    exact-LRU bounds of each host size (figure and table)
set -euo pipefail
mode=write
case "${1:-}" in
  --check | --print) mode=${1#--}; shift ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
mmusim=$(cd "${1:-$root/build}" && pwd)/sim/mmusim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$root/configs" configs
ln -s "$root/traces" traces
keep() {  # keep DIR's FIGURE as NAME
  [ "$mode" = write ] || return 0
  "$mmusim" plot "$1" >/dev/null 2>&1
  mkdir -p "$root/docs/figures"
  cp "$1/$2.svg" "$root/docs/figures/$3.svg"
  cp "$1/$2.png" "$root/docs/figures/$3.png"
  echo "wrote docs/figures/$3.svg and .png"
}
# study NAME ARGS...: `mmusim ARGS --out NAME`, its command kept in NAME.cmd for the README's
# table (an argument with a space in double quotes). compare and sweep exit 4 when a run failed
# (pinned runs out of memory by design): a result here.
study() {
  local name=$1 shown="mmusim" a rc=0
  shift
  for a in "$@"; do
    case $a in *" "*) shown+=" \"$a\"" ;; *) shown+=" $a" ;; esac
  done
  echo "$shown" >"$name.cmd"
  "$mmusim" "$@" --out "$name" >"$name.log" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ] || { cat "$name.log" >&2; exit 1; }
}

study tutorial compare -j 2 --config configs/teaching.cfg --trace traces/teaching/hotscan.csv
keep tutorial compare tutorial-compare

study pressure compare -j 2 --config configs/pressure.cfg --trace traces/synthetic/pressure.csv
keep pressure compare pressure-compare

study seeds compare -j 2 --config configs/pressure.cfg --policies notifier,spte-lru,young,access-track \
  --set kvm.spte_lru_drop_every=1 \
  --gen "hotcold --accesses 100000 --footprint-pages 12000 --hot-pages 400 --hot-fraction 0.9" --seeds 11-13
cmp -s seeds/gen/hotcold-seed11.csv traces/synthetic/pressure.csv ||
  { echo "make_figures.sh: seed 11's trace is not traces/synthetic/pressure.csv" >&2; exit 1; }
keep seeds compare pressure-seeds

study listwalk-compare compare -j 2 --policies notifier,spte-lru,young,access-track \
  --trace traces/lackey/listwalk.lackey --set guest.mem_mb=64 --set host.mem_mb=2

study drop-sweep sweep -j 2 --config configs/pressure.cfg --trace traces/synthetic/pressure.csv \
  --set kvm.aging=spte-lru --vary kvm.spte_lru_drop_every=1,4,16,64 --vary host.mem_mb=6,8

study listwalk-sweep sweep -j 2 --trace traces/lackey/listwalk.lackey --set sim.mode=shadow --set guest.mem_mb=64 \
  --set kvm.spte_lru_drop_every=1 --vary host.mem_mb=2,3,4,6 --vary kvm.aging=notifier,spte-lru,young,access-track
keep listwalk-sweep sweep listwalk-sweep

python3 "$root/docs/figure_tables.py" "$work" "$mode"
[ "$mode" != write ] || echo "wrote README.md's tables beside the figures"
