#!/usr/bin/env bash
# Makes docs/gtkwave-hotscan.png, the tutorial's GTKWave screenshot: section 6's run with --vcd,
# opened with the save file mmusim writes beside the VCD, in a virtual X server.
# Needs Debian's gtkwave, xvfb, x11-apps (xwd) and imagemagick (convert), which the build does not:
#   apt-get install gtkwave xvfb x11-apps imagemagick
#   bash docs/gtkwave_screenshot.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
mmusim=$(cd "${1:-$root/build}" && pwd)/sim/mmusim
for t in gtkwave Xvfb xwd convert; do
  command -v $t >/dev/null || { echo "gtkwave_screenshot.sh: $t is missing (apt-get install gtkwave xvfb x11-apps imagemagick)" >&2; exit 2; }
done
work=$(mktemp -d)
xvfb="" gtk=""
cleanup() {
  [ -z "$gtk" ] || kill "$gtk" 2>/dev/null || true
  [ -z "$xvfb" ] || kill "$xvfb" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
"$mmusim" run -q --config "$root/configs/teaching.cfg" --trace "$root/traces/teaching/hotscan.csv" \
  --set sim.mode=shadow --vcd run.vcd
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x720x24 >/dev/null 2>&1 & xvfb=$!
sleep 2
DISPLAY=$display gtkwave run.vcd run.gtkw >/dev/null 2>&1 & gtk=$!
sleep 8
DISPLAY=$display xwd -root -silent > shot.xwd
convert shot.xwd "$root/docs/gtkwave-hotscan.png"
echo "wrote $root/docs/gtkwave-hotscan.png"
