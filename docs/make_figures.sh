#!/usr/bin/env bash
# Makes the figures of the README and the tutorial (docs/figures/NAME.svg and NAME.png) by running
# the studies they show with mmusim and drawing them with `mmusim plot`:
#   bash docs/make_figures.sh [BUILD_DIR]
# tutorial-compare   the tutorial's section 7: every policy on traces/teaching/hotscan.csv
# pressure-compare   the README's study: configs/pressure.cfg on traces/synthetic/pressure.csv
# pressure-seeds     the same on three traces of its generator (seeds 11, 12, 13; 11 is pressure.csv):
#                    means with 95% confidence intervals
# listwalk-sweep     kvm.aging x host.mem_mb on traces/lackey/listwalk.lackey in a 64 MiB guest, with
#                    the OPT and exact-LRU bounds of each host size
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mmusim=$(cd "${1:-$root/build}" && pwd)/sim/mmusim
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$root/configs" configs
ln -s "$root/traces" traces
mkdir -p "$root/docs/figures"
keep() {  # keep DIR's FIGURE as NAME
  cp "$1/$2.svg" "$root/docs/figures/$3.svg"
  cp "$1/$2.png" "$root/docs/figures/$3.png"
  echo "wrote docs/figures/$3.svg and .png"
}
# compare exits 4 when a run failed (pinned runs out of memory by design): a result here.
ran() { local rc=0; "$@" >/dev/null 2>&1 || rc=$?; [ "$rc" -eq 0 ] || [ "$rc" -eq 4 ]; }

ran "$mmusim" compare -j 2 --config configs/teaching.cfg --trace traces/teaching/hotscan.csv --out tutorial
"$mmusim" plot tutorial >/dev/null 2>&1
keep tutorial compare tutorial-compare

ran "$mmusim" compare -j 2 --config configs/pressure.cfg --trace traces/synthetic/pressure.csv --out pressure
"$mmusim" plot pressure >/dev/null 2>&1
keep pressure compare pressure-compare

for seed in 11 12 13; do
  "$mmusim" gen --pattern hotcold --accesses 100000 --footprint-pages 12000 --hot-pages 400 --hot-fraction 0.9 \
    --seed $seed --out "pressure-$seed.csv" >/dev/null
done
ran "$mmusim" compare -j 2 --config configs/pressure.cfg --policies notifier,spte-lru,young,access-track \
  --set kvm.spte_lru_drop_every=1 --trace pressure-11.csv --trace pressure-12.csv --trace pressure-13.csv --out seeds
"$mmusim" plot seeds >/dev/null 2>&1
keep seeds compare pressure-seeds

ran "$mmusim" sweep -j 2 --trace traces/lackey/listwalk.lackey --set sim.mode=shadow --set guest.mem_mb=64 \
  --set kvm.spte_lru_drop_every=1 --vary host.mem_mb=2,3,4,6 --vary kvm.aging=notifier,spte-lru,young,access-track \
  --out listwalk
"$mmusim" plot listwalk >/dev/null 2>&1
keep listwalk sweep listwalk-sweep
