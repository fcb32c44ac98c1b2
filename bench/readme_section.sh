# Sourced by the scripts that write a section of README.md from their runs (bench/study.sh,
# bench/modes_study.sh, bench/fairness_study.sh), which take [--write | --check] [BUILD_DIR].

#   study_setup ARGS...: sets mode (print, write or check) and bin (BUILD_DIR/sim/mmusim, default
#   build/) from the script's arguments, and out, a temporary folder removed at exit.
study_setup() {
  mode=print
  case "${1:-}" in
    --write | --check) mode=${1#--}; shift ;;
  esac
  bin=$(realpath "${1:-build}")/sim/mmusim
  [ -x "$bin" ] || { echo "no program at $bin: build first" >&2; exit 2; }
  out=$(mktemp -d "${TMPDIR:-/tmp}/$(basename "$0" .sh).XXXXXX")
  trap 'rm -rf "$out"' EXIT
}

#   readme_section MODE NAME SECTION_FILE
# MODE print: the section on stdout; write: README.md with the text between <!-- NAME:begin -->
# and <!-- NAME:end --> replaced by it; check: exit 1 with a diff if README.md does not hold it.
# README.md's markers missing: exit 2. Run from the repository's root.
readme_section() {
  local mode=$1 name=$2 section=$3 begin="<!-- $2:begin -->" end="<!-- $2:end -->" caller
  caller=bench/$(basename "$0")
  if [ "$mode" = print ]; then
    cat "$section"
    return
  fi
  grep -qF "$begin" README.md && grep -qF "$end" README.md || { echo "README.md lacks the $begin/$end markers" >&2; exit 2; }
  python3 - "$section" "$begin" "$end" >"$section.readme" <<'PY'
import sys
section, begin, end = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
text = open("README.md").read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
sys.stdout.write(head + begin + "\n" + section + end + tail)
PY
  if [ "$mode" = write ]; then
    cp "$section.readme" README.md
  elif ! diff -u README.md "$section.readme"; then
    echo "README.md's $name section is not what $caller gives: run $caller --write" >&2
    exit 1
  fi
}
