#!/usr/bin/env bash
# Figures of mmusim's CSVs: the same as `mmusim plot DIR` (plot/mmusim_plot.py, matplotlib from
# Debian's python3-matplotlib), for scripts that call it by this name:
#   bench/plot.sh DIR
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
python=/usr/bin/python3
[ -x "$python" ] || python=python3
mmusim=$here/build/sim/mmusim
exec "$python" "$here/plot/mmusim_plot.py" ${mmusim:+--mmusim="$mmusim"} "$@"
