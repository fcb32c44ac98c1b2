#!/usr/bin/env bash
# ctest's view_browser: tests/browser/view_test.mjs in Debian's chromium through playwright-core
# (pinned in package-lock.json; `./build.sh test` installs both). Where node, the npm package or
# chromium is missing the test is skipped (exit 77) with the reason, except in CI (CI=true), where
# it fails: CI must run it.
# usage: run.sh MMUSIM SOURCE_DIR WORK_DIR [--screenshots DIR]
set -uo pipefail
here=$(cd "${0%/*}" && pwd)
skip() {
  if [ "${CI:-}" = true ]; then
    echo "view_browser: $1, and CI must run this test" >&2
    exit 1
  fi
  echo "SKIPPED: view_browser: $1"
  exit 77
}
command -v node >/dev/null || skip "node is not installed (./build.sh test installs it)"
[ -f "$here/node_modules/playwright-core/package.json" ] ||
  skip "playwright-core is not installed in tests/browser (./build.sh test runs npm ci there)"
command -v chromium >/dev/null || skip "Debian's chromium is not installed (./build.sh test installs it)"
exec node "$here/view_test.mjs" "$@"
