#!/usr/bin/env bash
# Pictures from mmusim's CSVs, drawn with gnuplot (Debian's gnuplot-nox):
#   bench/plot.sh DIR
# DIR/compare.csv  -> DIR/compare.png: swap-ins, VM exits and cycles per policy (OPT and exact LRU
#                     beside the swap-ins)
# DIR/sweep.csv    -> DIR/sweep.png: swap-ins and cycles against the first varied key, one line per
#                     value of the second (if any)
# DIR/*/timeline.csv and DIR/timeline.csv -> timeline.png beside each: swap-ins, swap-outs and
#                     faults per interval, and free frames, over simulated time
set -euo pipefail
dir=${1:?usage: bench/plot.sh DIR}
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot is not installed (apt-get install gnuplot-nox)" >&2; exit 2; }
[ -d "$dir" ] || { echo "plot.sh: $dir: no such directory" >&2; exit 2; }
drawn=0

# The number of a CSV column by its header name.
col() { head -1 "$1" | tr ',' '\n' | grep -n -x -- "$2" | cut -d: -f1; }

if [ -f "$dir/compare.csv" ]; then
  c=$dir/compare.csv
  pol=$(col "$c" policy); si=$(col "$c" swap_ins); ex=$(col "$c" vmexits); cy=$(col "$c" cycles); st=$(col "$c" status)
  # Failed runs (status not ok/bound) are left out.
  awk -F, -v s="$st" 'NR == 1 || $s == "ok" || $s == "bound"' "$c" > "$dir/.compare.dat"
  gnuplot <<GP
set terminal pngcairo noenhanced size 1200,420 font ",10"
set output "$dir/compare.png"
set datafile separator ","
set style data histograms
set style fill solid 0.7 border -1
set boxwidth 0.7
set xtics rotate by -30
set multiplot layout 1,3 title "mmusim compare: $(awk -F, -v t="$(col "$c" trace)" 'NR==2{print $t}' "$c")"
set title "swap-ins (OPT: the floor)"
plot "$dir/.compare.dat" using $si:xtic($pol) every ::1 notitle lc rgb "#4477aa"
set title "VM exits"
plot "$dir/.compare.dat" using $ex:xtic($pol) every ::1 notitle lc rgb "#cc6677"
set title "cycles"
plot "$dir/.compare.dat" using $cy:xtic($pol) every ::1 notitle lc rgb "#228833"
unset multiplot
GP
  rm -f "$dir/.compare.dat"
  echo "wrote $dir/compare.png"; drawn=1
fi

if [ -f "$dir/sweep.csv" ]; then
  s=$dir/sweep.csv
  k1=$(head -1 "$s" | cut -d, -f1); k2=$(head -1 "$s" | cut -d, -f2)
  si=$(col "$s" swap_ins); cy=$(col "$s" cycles)
  # One data file per value of the second varied key (or one in all), in the folder's own files.
  rm -f "$dir"/.sweep.*.dat
  if [ "$k2" = mode ]; then
    awk -F, 'NR > 1' "$s" > "$dir/.sweep.0.dat"; titles=("")
  else
    mapfile -t titles < <(awk -F, 'NR > 1 {print $2}' "$s" | sort -u -g)
    for i in "${!titles[@]}"; do awk -F, -v g="${titles[$i]}" 'NR > 1 && $2 == g' "$s" > "$dir/.sweep.$i.dat"; done
  fi
  # A numeric, positive first key is drawn on a log scale; anything else as labels.
  if awk -F, 'NR > 1 && !($1 + 0 > 0 && $1 == $1 + 0) {bad = 1} END {exit bad}' "$s"; then
    xset="set logscale x 2"; xuse="1"
  else
    xset="set xtics rotate by -30"; xuse="0"
  fi
  plots_si=""; plots_cy=""
  for i in "${!titles[@]}"; do
    t=${titles[$i]:+$k2 = ${titles[$i]}}
    xt=$([ "$xuse" = 0 ] && echo ":xtic(1)" || true)
    plots_si+="${plots_si:+, }'$dir/.sweep.$i.dat' using $xuse:$si$xt with linespoints title '$t'"
    plots_cy+="${plots_cy:+, }'$dir/.sweep.$i.dat' using $xuse:$cy$xt with linespoints title '$t'"
  done
  gnuplot <<GP
set terminal pngcairo noenhanced size 1000,420 font ",10"
set output "$dir/sweep.png"
set datafile separator ","
$xset
set xlabel "$k1"
set key top left
set multiplot layout 1,2 title "mmusim sweep"
set title "swap-ins"
plot $plots_si
set title "cycles"
plot $plots_cy
unset multiplot
GP
  rm -f "$dir"/.sweep.*.dat
  echo "wrote $dir/sweep.png"; drawn=1
fi

for t in "$dir"/timeline.csv "$dir"/*/timeline.csv; do
  [ -f "$t" ] || continue
  out=$(dirname "$t")/timeline.png
  gnuplot <<GP
set terminal pngcairo noenhanced size 1000,420 font ",10"
set output "$out"
set datafile separator ","
set xlabel "simulated cycles"
set key top left
set multiplot layout 1,2 title "mmusim timeline: $(dirname "$t")"
set title "per interval"
plot "$t" using 1:$(col "$t" swap_ins) every ::1 with lines title "swap-ins", \
     "$t" using 1:$(col "$t" swap_outs) every ::1 with lines title "swap-outs", \
     "$t" using 1:$(col "$t" faults) every ::1 with lines title "guest faults"
set title "host frames"
plot "$t" using 1:$(col "$t" free_frames) every ::1 with lines title "free", \
     "$t" using 1:$(col "$t" lru_active_pages) every ::1 with lines title "active", \
     "$t" using 1:$(col "$t" lru_inactive_pages) every ::1 with lines title "inactive"
unset multiplot
GP
  echo "wrote $out"; drawn=1
done

[ "$drawn" = 1 ] || { echo "plot.sh: $dir holds no compare.csv, sweep.csv or timeline.csv" >&2; exit 2; }
