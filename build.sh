#!/usr/bin/env bash
# The project's two entry points (README "Quick start"); both idempotent:
#   ./build.sh run [mmusim arguments]   install what is missing, build Release, run a simulation
#                                       (no arguments: the bundled default config and trace)
#   ./build.sh test                     install what is missing, build Release, run every test (ctest)
set -euo pipefail
cd "$(dirname "$0")"

# Debian 12 packages the build and the tests need (apt-get only when one is missing);
# python3-matplotlib draws the figures of mmusim plot; python3 runs docs/check_tutorial.py; valgrind counts
# instructions for the speed guard tests; time measures peak memory in bench/targets.sh.
packages=(build-essential cmake pkg-config libsystemc-dev libboost-program-options-dev catch2 libfccp-dev python3 python3-matplotlib valgrind time)
bash .ci/apt-install.sh "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs" >&2

what=${1:-run}
[ $# -gt 0 ] && shift
case "$what" in
  run) exec ./build/sim/mmusim "$@" ;;
  test) cd build && exec ctest --output-on-failure -j"$jobs" ;;
  *) echo "usage: ./build.sh run [mmusim arguments] | ./build.sh test" >&2; exit 2 ;;
esac
