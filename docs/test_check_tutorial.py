#!/usr/bin/env python3
"""Tests of check_tutorial.py on tiny documents: right outputs pass; a wrong, missing or extra
output line, a wrong or missing exit code fail; only the documented normalisation applies (the
speed line's numbers); malformed documents are refused. Usage: test_check_tutorial.py --mmusim PATH
--root REPO"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FENCE = "```"


def doc(*blocks):
    return "# t\n\nSome text.\n\n" + "\n\n".join(blocks) + "\n"


def console(*lines):
    return FENCE + "console\n" + "\n".join(lines) + "\n" + FENCE


TEXTBOOK_1 = ["$ mmusim textbook --frames 1 --refs 5,5 --policies fifo",
              "2 references, 1 frame",
              "",
              "fifo, 1 frame: 1 fault in 2 references",
              "  ref      5 5",
              "  frame 0  5 5",
              "  fault    F",
              "  out",
              "",
              "policy  faults    hits  fault rate",
              "fifo         1       1       50.0%"]
RUN = "$ mmusim run -q --config configs/teaching.cfg --trace traces/teaching/reach.csv"
CUT = "$ cut -d, -f1,3 out/summary.csv"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mmusim", required=True)
    ap.add_argument("--root", required=True)
    a = ap.parse_args()
    failures = []

    def expect(name, text, code, err_part="", extra=()):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "doc.md")
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([sys.executable, os.path.join(HERE, "check_tutorial.py"), "--mmusim", a.mmusim,
                                "--root", a.root, *extra, path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            ok = p.returncode == code and err_part.replace("DOC", path) in p.stderr
            print(f"{'ok  ' if ok else 'FAIL'} {name}: exit {p.returncode} (want {code})")
            if not ok:
                failures.append(name)
                print(p.stdout + p.stderr)

    # Lines: 1 "# t", 3 text, 5 the fence, 6 the first command.
    expect("right output passes", doc(console(*TEXTBOOK_1)), 0)
    wrong = list(TEXTBOOK_1)
    wrong[3] = "fifo, 1 frame: 2 faults in 2 references"
    expect("a wrong output fails, naming the line", doc(console(*wrong)), 1,
           "DOC:6: the output of `mmusim textbook --frames 1 --refs 5,5 --policies fifo` differs")
    expect("a missing output line fails", doc(console(*TEXTBOOK_1[:-1])), 1, "+fifo         1       1       50.0%")
    expect("an extra output line fails", doc(console(*TEXTBOOK_1, "more")), 1, "-more")
    expect("output of the second command of a block is checked",
           doc(console(*TEXTBOOK_1, "$ echo hello", "goodbye")), 1, "DOC:17:")
    expect("blocks that are not console are not run", doc(FENCE + "\n$ false\nanything\n" + FENCE, console(*TEXTBOOK_1)), 0)
    err = "mmusim: --frames: 0 frames: page replacement needs at least 1 frame"
    expect("a failing command shows its exit code", doc(console("$ mmusim textbook --frames 0 --refs 1", err, "[exit 2]")), 0)
    expect("a missing exit code fails", doc(console("$ mmusim textbook --frames 0 --refs 1", err)), 1, "+[exit 2]")
    expect("a wrong exit code fails", doc(console("$ mmusim textbook --frames 0 --refs 1", err, "[exit 1]")), 1)
    expect("a hung command is stopped and shown as a timeout, after its output",
           doc(console("$ echo started; sleep 30", "started", "[timeout after 0.5 s]")), 0, "", ("--timeout", "0.5"))
    expect("a hung command fails a document that shows it ending", doc(console("$ echo started; sleep 30", "started")), 1,
           "+[timeout after 0.5 s]", ("--timeout", "0.5"))
    expect("a continued command line", doc(console("$ mmusim textbook --frames 1 \\", "    --refs 5,5 --policies fifo",
                                                   *TEXTBOOK_1[1:])), 0)
    expect("trailing blanks are ignored", doc(console(*[l + "  " for l in TEXTBOOK_1], "", "")), 0)
    expect("commands share one folder, where configs and traces are the repository's",
           doc(console(RUN), console(CUT, "mode,trace", "native,traces/teaching/reach.csv")), 0)
    # The speed line's numbers are wall clock: any numbers match, nothing else does.
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run(f"{a.mmusim} run --config configs/teaching.cfg --trace traces/teaching/reach.csv --out {d}/o",
                             shell=True, cwd=a.root, stdout=subprocess.PIPE, text=True, check=True).stdout
    lines = out.rstrip("\n").split("\n")
    lines[-1] = "  wrote out/summary.csv, out/timeline.csv, out/config.cfg"
    speed = next(i for i, l in enumerate(lines) if l.startswith("  speed "))
    lines[speed] = "  speed                 198.76 M accesses/s (15 s)"
    cmd = "$ mmusim run --config configs/teaching.cfg --trace traces/teaching/reach.csv"
    expect("the speed line's numbers are not compared", doc(console(cmd, *lines)), 0)
    bad = list(lines)
    bad[speed] = "  speed                 98.76 G accesses/s (5.43 s)"
    expect("the speed line's words are", doc(console(cmd, *bad)), 1)
    bad = [l.replace("61020", "61021") for l in lines]
    expect("cycles are compared", doc(console(cmd, *bad)), 1)
    expect("a document without console blocks is refused", doc("no commands"), 2)
    expect("an unclosed block is refused", "# t\n" + FENCE + "console\n$ true\n", 2)
    expect("output before a command is refused", doc(console("orphan", "$ true")), 2)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
