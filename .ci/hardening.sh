#!/usr/bin/env bash
# CI, after ./build.sh test (README "Hardening"): the whole test suite again in a second build
# folder, build-asan, compiled by clang with AddressSanitizer and UndefinedBehaviorSanitizer
# (-fno-sanitize-recover=undefined: any undefined behaviour fails), plus the libFuzzer targets of
# fuzz/ and their runs of a fixed number of inputs from a fixed seed (labelled "fuzz" in CTest).
#
# SystemC and ASan: Debian's SystemC runs SC_THREADs on QuickThreads stacks ASan does not know. An
# exception thrown on such a stack (bad input found by a vCPU) makes ASan print a warning to
# stderr ("ignoring requested __asan_handle_no_return ... False positive error reports may
# follow"); the false positives it means are prevented in the code (sim/sysc/asan_stack.h), but
# the warning would break the tests that check stderr to the byte. So ASan and UBSan write their
# reports to files (log_path) instead of stderr, and this script fails if any file holds more than
# that warning. A real report also fails its test: a sanitized process that finds an error exits
# with a non-zero code. detect_stack_use_after_return=0: ASan's fake stacks and stack switching
# do not mix. The sanitizers stay on for every test, SystemC ones included; only the callgrind
# speed guards are left out (below).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(clang libclang-rt-14-dev llvm-14)  # clang++, the sanitizer and libFuzzer runtimes, llvm-symbolizer
bash .ci/apt-install.sh "${packages[@]}"

jobs=$(nproc 2>/dev/null || echo 2)
CC=clang CXX=clang++ cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DMMUSIM_SANITIZE=ON -DMMUSIM_FUZZ=ON >/dev/null
cmake --build build-asan -j"$jobs" >&2

logs=$PWD/build-asan/sanitizer-logs
rm -rf "$logs" && mkdir -p "$logs"
export ASAN_OPTIONS="detect_stack_use_after_return=0:log_path=$logs/asan"
export UBSAN_OPTIONS="print_stacktrace=1:log_path=$logs/ubsan"
export ASAN_SYMBOLIZER_PATH=/usr/bin/llvm-symbolizer-14
status=0
# Every test but the three speed guards (tests/cli/test_speed_guard.cc): they count the Release
# build's instructions under valgrind's callgrind, which cannot run ASan binaries, and a sanitized
# -O1 build's counts say nothing of the product's speed; ./build.sh test above runs them.
(cd build-asan && ctest --output-on-failure -j"$jobs" -E '\(callgrind\)$') || status=$?

known="ASan is ignoring requested __asan_handle_no_return"
for f in "$logs"/*; do
  [ -e "$f" ] || continue
  if grep -v -e "$known" -e "^False positive error reports may follow" -e "^For details see https://github.com/google/sanitizers/issues/189" \
       "$f" | grep -q .; then
    echo "sanitizer report $f:" >&2
    cat "$f" >&2
    status=1
  fi
done
crashes=$(find build-asan/fuzz -maxdepth 1 -name 'crash-*' | head -5)
if [ -n "$crashes" ]; then
  echo "fuzzing found inputs that crash (make each a Catch2 regression test in tests/sim):" >&2
  echo "$crashes" >&2
  status=1
fi
exit $status
