#!/usr/bin/env bash
# The Slurm engine on a real one-node Slurm (slurm_cluster.sh, on loopback, as root): a sweep with
# two failing runs and a compare through `--engine slurm` must gather the same CSV as the local
# engine (apart from wall_seconds and accesses_per_second, which time the run); a resubmission
# runs only the failed runs again; an interrupted sweep cancels its job. Usage: test_real_slurm.sh MMUSIM SOURCE_DIR
# Exit 77 (skipped) when Slurm is not installed or we are not root, except in CI (CI=true), where
# that is a failure. The daemons are stopped by PID on exit, whatever happened.
set -euo pipefail
mmusim=$1
src=$2
here=$(cd "$(dirname "$0")" && pwd)

missing=""
for b in munged slurmctld slurmd sbatch squeue; do command -v "$b" >/dev/null || missing="$missing $b"; done
[ "$(id -u)" -eq 0 ] || missing="$missing (root)"
if [ -n "$missing" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "FAIL: the real-Slurm test needs:$missing (.ci/run installs munge slurmctld slurmd slurm-client)" >&2
    exit 1
  fi
  echo "SKIPPED: the real-Slurm test needs:$missing (apt-get install munge slurmctld slurmd slurm-client, as root)"
  exit 77
fi

work=$(mktemp -d /tmp/mmusim-slurm.XXXXXX)
cluster="$work/cluster"
cleanup() {
  "$here/slurm_cluster.sh" stop "$cluster" || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM  # ctest's timeout: still stop the daemons
start=$(date +%s.%N)
"$here/slurm_cluster.sh" start "$cluster"
export SLURM_CONF="$cluster/slurm.conf"
cd "$work"
# A Slurm that never runs the tasks fails the test rather than hanging it.
mmusim() { timeout 120 "$mmusim" "$@"; }

fail() {
  cat "$1" >&2
  echo "FAIL: mmusim --engine slurm exited non-zero (its output above)" >&2
  exit 1
}
# A CSV without the columns that time the run itself.
untimed() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_seconds" || $i == "accesses_per_second") drop[i] = 1 }
           { line = ""; for (i = 1; i <= NF; i++) if (!(i in drop)) line = line $i ","; print line }' "$1"
}
same() {
  if ! diff <(untimed "$1") <(untimed "$2"); then
    echo "FAIL: $1 and $2 differ" >&2
    exit 1
  fi
}

sweep=(sweep --trace "$src/traces/lackey/listwalk.lackey" --vary host.mem_mb=2,8 --vary tlb.l1d_entries=32,64)
# Two of the four runs fail (a 2 MiB native host): exit code 4, every row written.
runs_failed() { local rc=0; "$@" || rc=$?; [ "$rc" -eq 4 ]; }
runs_failed mmusim "${sweep[@]}" -j 2 --out local >local.txt 2>/dev/null || { echo "FAIL: local sweep did not exit 4" >&2; exit 1; }
runs_failed mmusim "${sweep[@]}" --engine slurm --max-parallel 2 --poll-seconds 0.2 --out slurm >slurm.txt 2>slurm.err || fail slurm.err
cat slurm.err
grep -qx "4 runs (0 already done, 2 failed); wrote slurm/sweep.csv" slurm.txt || { echo "FAIL: sweep said: $(cat slurm.txt)" >&2; exit 1; }
grep -q "^mmusim: run slurm/run0_host.mem_mb=2_tlb.l1d_entries=32 failed (exit 2); its log: slurm/run0_host.mem_mb=2_tlb.l1d_entries=32/log.txt$" slurm.err \
  || { echo "FAIL: no message naming the failed run and its log" >&2; exit 1; }
[ "$(grep -c ',ok$' slurm/sweep.csv)" -eq 2 ] || { echo "FAIL: expected 2 ok rows" >&2; exit 1; }
same local/sweep.csv slurm/sweep.csv
# Resubmitting: the finished runs are skipped, the failed ones run (and fail) again.
runs_failed mmusim "${sweep[@]}" --engine slurm --poll-seconds 0.2 --out slurm >slurm2.txt 2>slurm2.err || fail slurm2.err
grep -qx "4 runs (2 already done, 2 failed); wrote slurm/sweep.csv" slurm2.txt || { echo "FAIL: resubmission said: $(cat slurm2.txt)" >&2; exit 1; }
[ "$(ls slurm/slurm/*.out | wc -l)" -eq 6 ] || { echo "FAIL: expected 4 + 2 Slurm tasks" >&2; exit 1; }
same local/sweep.csv slurm/sweep.csv

compare=(compare --policies notifier,young --trace "$src/traces/synthetic/hotcold-small.csv" --set host.mem_mb=2)
mmusim "${compare[@]}" --out clocal >/dev/null
# A '%' in the folder's name reaches Slurm's --output pattern as "%%": the task logs land in it.
mmusim "${compare[@]}" --engine slurm --poll-seconds 0.2 --out 'c%slurm' >cslurm.txt 2>&1 || fail cslurm.txt
same clocal/compare.csv 'c%slurm/compare.csv'
[ "$(ls 'c%slurm/slurm/'*.out | wc -l)" -eq 2 ] || { echo "FAIL: expected 2 Slurm task logs in c%slurm/slurm" >&2; exit 1; }

# SIGTERM to a sweep while its job runs cancels the job (scancel), and the command exits 143.
slow=(sweep --config "$src/configs/pressure.cfg" --trace "$src/traces/synthetic/pressure.csv" --set sim.check=true
      --set sim.check_every=1 --vary tlb.l1d_entries=32,64)
"$mmusim" "${slow[@]}" --engine slurm --poll-seconds 0.2 --out int >int.txt 2>int.err &
pid=$!
for _ in $(seq 600); do [ -s int/slurm/job-id ] && squeue -h -j "$(cat int/slurm/job-id)" -o %T | grep -q RUNNING && break; sleep 0.1; done
job=$(cat int/slurm/job-id)
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 143 ] || { cat int.err >&2; echo "FAIL: the interrupted sweep exited $rc, not 143" >&2; exit 1; }
grep -q "^mmusim: interrupted: scancel $job " int.err || { cat int.err >&2; echo "FAIL: no scancel said" >&2; exit 1; }
for _ in $(seq 600); do squeue -h -j "$job" -o %T 2>/dev/null | grep -qE 'PENDING|RUNNING|COMPLETING|CONFIGURING' || break; sleep 0.1; done
if squeue -h -j "$job" -o %T 2>/dev/null | grep -qE 'PENDING|RUNNING|COMPLETING|CONFIGURING'; then
  echo "FAIL: Slurm job $job of the interrupted sweep is still in the queue" >&2
  exit 1
fi

echo "real Slurm: sweep and compare gather the same CSV as the local engine ($(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s from the cluster's start)"
