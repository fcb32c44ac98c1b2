#!/usr/bin/env bash
# A one-node Slurm cluster on loopback, without systemd, for tests/slurm/test_real_slurm.sh (run as root):
#   slurm_cluster.sh start DIR   starts munged, slurmctld and slurmd with all their files in DIR
#                                (config DIR/slurm.conf: export SLURM_CONF=DIR/slurm.conf to use it)
#   slurm_cluster.sh stop DIR    cancels its jobs and stops the daemons it started, by the PIDs in DIR
# Needs Debian's munge, slurmctld, slurmd and slurm-client.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
what=${1:-}
dir=${2:-}
[ -n "$what" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
  export SLURM_CONF="$dir/slurm.conf"
  [ -f "$dir/slurmctld.pid" ] && scancel --quiet --user=root >/dev/null 2>&1 || true
  for d in slurmd slurmctld munged; do
    [ -f "$dir/$d.pid" ] || continue
    pid=$(cat "$dir/$d.pid")
    # Only our own daemon: the PID must still run that program.
    if [ -n "$pid" ] && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = "$d" ]; then
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$dir/$d.pid"
  done
}

# Waits until FILE holds a PID (the daemons write it once they run); fails with LOG's tail.
wait_pid() {
  for _ in $(seq 100); do
    [ -s "$1" ] && return 0
    sleep 0.1
  done
  echo "slurm_cluster.sh: no $1 after 10 s; $2 says:" >&2
  tail -n 20 "$2" >&2 || true
  return 1
}

free_port() {  # a TCP port nobody listens on, from a range keyed by our PID
  local p=$((20000 + ($$ * 7 + $1) % 30000))
  while ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; do p=$((p + 1)); done
  echo "$p"
}

case "$what" in
  stop) stop ;;
  start)
    for b in munged slurmctld slurmd sbatch squeue; do
      command -v "$b" >/dev/null || { echo "slurm_cluster.sh: $b is not installed (apt-get install munge slurmctld slurmd slurm-client)" >&2; exit 3; }
    done
    mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
    dir=$(cd "$dir" && pwd)
    chmod 700 "$dir/munge"
    # munged wants its key and socket folder private to the user it runs as (root here).
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$dir/munge/munge.key"
    munged --force --socket="$dir/munge/munge.socket" --key-file="$dir/munge/munge.key" \
      --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge/munged.seed"
    wait_pid "$dir/munged.pid" "$dir/munged.log"
    port=$(free_port 0)
    nodeport=$(free_port 1)
    [ "$nodeport" != "$port" ] || nodeport=$((port + 1))
    mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
    sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$port|g" -e "s|@NODEPORT@|$nodeport|g" -e "s|@HOST@|$(hostname -s)|g" \
      -e "s|@CPUS@|$(nproc)|g" -e "s|@MEM@|$mem|g" "$here/slurm.conf.in" >"$dir/slurm.conf"
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -i   # -i: ignore state left by an earlier cluster in DIR
    wait_pid "$dir/slurmctld.pid" "$dir/slurmctld.log"
    slurmd
    wait_pid "$dir/slurmd.pid" "$dir/slurmd.log"
    # Ready when the node is idle.
    for _ in $(seq 100); do
      state=$(sinfo -h -o %T 2>/dev/null || true)
      [ "$state" = "idle" ] && exit 0
      sleep 0.1
    done
    echo "slurm_cluster.sh: the node is '$state', not idle, after 10 s; slurmd.log says:" >&2
    tail -n 20 "$dir/slurmd.log" >&2
    exit 1
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
