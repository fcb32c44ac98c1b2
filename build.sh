#!/usr/bin/env bash
# The project's two entry points (README "Quick start"); both idempotent:
#   ./build.sh run [mmusim arguments]   install what is missing, build the program, run a simulation
#                                       (no arguments: the bundled default config and trace)
#   ./build.sh test                     install what is missing, build everything, run every test (ctest)
#   ./build.sh --help                   this help, without building
# Package and compiler output goes to build/build.log; the terminal gets one line per phase.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'EOF'
usage: ./build.sh run [mmusim arguments]   install missing Debian packages, build build/sim/mmusim, run it
                                           (no arguments: the bundled default, configs/default.cfg on
                                           traces/lackey/quicksort.lackey, into ./out)
       ./build.sh test                     the same, then build the tests and run them all (ctest)
       ./build.sh --help                   this help
The package and compiler output goes to build/build.log. The program is build/sim/mmusim: to call it
as `mmusim`, run `export PATH=$PWD/build/sim:$PATH` in this folder.
EOF
}

what=${1:-run}
case "$what" in
  -h|--help|help) usage; exit 0 ;;
  run|test) [ $# -gt 0 ] && shift ;;
  *) usage >&2; exit 2 ;;
esac

# Debian 12 packages the build and the tests need (apt-get only when one is missing);
# python3-matplotlib draws the figures of mmusim plot; python3 runs docs/check_tutorial.py; valgrind
# counts instructions for the speed guard tests and lackey records programs for `mmusim record`;
# time measures peak memory in bench/targets.sh; zlib1g-dev, liblzma-dev and libzstd-dev read (and
# zstd writes) compressed traces, whose tests and bench/ also run the gzip, xz and zstd programs.
packages=(build-essential cmake pkg-config libsystemc-dev libboost-program-options-dev catch2 libfccp-dev python3
          python3-matplotlib valgrind time zlib1g-dev liblzma-dev libzstd-dev gzip xz-utils zstd)

mkdir -p build
log=build/build.log
: > "$log"
jobs=$(nproc 2>/dev/null || echo 2)
started=$SECONDS
# One phase: a line saying what runs, its output into the log, then the time it took; on failure
# the end of the log and where the rest is.
phase() {
  local name=$1
  shift
  local t0=$SECONDS
  printf 'build.sh: %s ... ' "$name" >&2
  echo "=== $name: $*" >> "$log"
  if "$@" >> "$log" 2>&1; then
    echo "done ($((SECONDS - t0)) s)" >&2
  else
    echo "FAILED; the last lines of $log:" >&2
    tail -n 25 "$log" >&2
    exit 1
  fi
}

phase "Debian packages (installs any of ${#packages[@]} that are missing)" bash .ci/apt-install.sh "${packages[@]}"
if [ "$what" = test ]; then
  # The browser test of `mmusim view` (tests/browser): Debian's chromium, and node with npm to
  # install playwright-core as pinned in tests/browser/package-lock.json. A node from elsewhere
  # (one that brings its own npm) is kept. Without the npm registry the test is skipped, with
  # the reason, except in CI (CI=true), where it must run.
  phase "browser test: chromium and node" bash .ci/apt-install.sh chromium
  command -v node >/dev/null || phase "browser test: node and npm" bash .ci/apt-install.sh nodejs npm
  command -v npm >/dev/null || phase "browser test: npm" bash .ci/apt-install.sh npm
  # npm ci only when the installed playwright-core is not the one the lock file pins.
  if ! node -e 'const b = "./tests/browser/"; process.exit(require(b + "node_modules/playwright-core/package.json").version ===
                  require(b + "package-lock.json").packages["node_modules/playwright-core"].version ? 0 : 1)' 2>/dev/null; then
    if [ "${CI:-}" = true ]; then
      phase "browser test: npm ci in tests/browser" npm ci --prefix tests/browser --no-audit --no-fund
    elif ! npm ci --prefix tests/browser --no-audit --no-fund >> "$log" 2>&1; then
      echo "build.sh: npm ci in tests/browser failed (see $log): the browser test will be skipped" >&2
    fi
  fi
fi
phase "configure (cmake, Release)" cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
if [ "$what" = run ]; then
  phase "compile mmusim ($jobs jobs)" cmake --build build -j"$jobs" --target mmusim
else
  phase "compile mmusim and the tests ($jobs jobs)" cmake --build build -j"$jobs"
fi
echo "build.sh: built build/sim/mmusim in $((SECONDS - started)) s (log: $log); to call it as mmusim: export PATH=$PWD/build/sim:\$PATH" >&2

case "$what" in
  run) exec ./build/sim/mmusim "$@" ;;
  test)
    cd build
    status=0
    ctest --output-on-failure -j"$jobs" || status=$?
    # ctest lists a skipped test without its reason: the test printed it.
    grep -h '^SKIPPED: ' Testing/Temporary/LastTest.log 2>/dev/null | sed 's/^/build.sh: /' >&2 || true
    exit "$status" ;;
esac
