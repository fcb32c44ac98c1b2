#!/usr/bin/env python3
"""Checks that every command shown in a markdown document gives exactly the output shown.

The convention (docs/tutorial.md follows it):
  * Only fenced blocks opened with ```console are checked; other blocks are left alone.
  * In such a block, a line starting with "$ " is a command; a command line ending with " \\"
    continues on the next line. The lines after a command, up to the next command or the end of
    the block, are its expected output.
  * The commands of a document run in order, each with `bash -c`, in one fresh temporary folder
    in which `configs` and `traces` are links to the repository's, with the folder of the mmusim
    program first on PATH: as a student running them from the repository root after
    `export PATH=$PWD/build/sim:$PATH`. Each command's stdout and stderr are taken together.
  * A command that exits with a non-zero code must show "[exit N]" as its last output line.
  * Normalisation, and nothing else: trailing blanks of every line and trailing empty lines are
    ignored, and on the `speed` line of `mmusim run` (wall clock) every digit counts as equal.

Usage: check_tutorial.py --mmusim PATH --root REPO [--update] DOC.md...
With --update, each command's output in the document is replaced by the real one (after a change
that moves the outputs; read the diff, and the prose around the outputs, before committing it).
Exit code 0 when every output matches, 1 when one does not (a diff per mismatch on stderr), 2 on
bad usage or a document without any console block.
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

SPEED = re.compile(r"^  speed ")


class DocError(Exception):
    """A document that does not follow the convention."""


def parse(path):
    """The (line number, command, expected output lines) of every command in `path`."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    steps, in_block, current = [], False, None
    i = 0
    while i < len(lines):
        line = lines[i]
        if not in_block:
            if line.strip() == "```console":
                in_block = True
            i += 1
            continue
        if line.strip() == "```":
            in_block, current = False, None
            i += 1
            continue
        if line.startswith("$ "):
            start, command = i + 1, line[2:]
            while command.endswith(" \\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + lines[i].strip()
            current = (start, command, [], i + 1)  # the index of its first output line
            steps.append(current)
        elif current is None:
            raise DocError(f"{path}:{i + 1}: output before any command in a console block")
        else:
            current[2].append(line)
        i += 1
    if in_block:
        raise DocError(f"{path}: a console block is not closed")
    return steps


def normalise(lines):
    out = []
    for line in lines:
        line = line.rstrip()
        if SPEED.match(line):
            line = re.sub(r"[0-9]+(\.[0-9]+)?", "#", line)
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


TIMEOUT_SECONDS = 600


def run(command, cwd, env, timeout=TIMEOUT_SECONDS):
    """The output lines of `command`, then "[exit N]" if it failed or "[timeout]" if it hung."""
    try:
        p = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        text = (e.stdout or b"").decode("utf-8", "replace")
        return [line for line in text.split("\n") if line] + [f"[timeout after {timeout:g} s]"]
    text = p.stdout.decode("utf-8", "replace")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if p.returncode != 0:
        lines.append(f"[exit {p.returncode}]")
    return lines


def check(doc, mmusim, root, timeout=TIMEOUT_SECONDS, update=False):
    try:
        steps = parse(doc)
    except DocError as e:
        print(e, file=sys.stderr)
        return 2
    if not steps:
        print(f"{doc}: no console block with a command", file=sys.stderr)
        return 2
    env = dict(os.environ)
    env["PATH"] = os.path.dirname(os.path.abspath(mmusim)) + os.pathsep + env.get("PATH", "")
    env["LC_ALL"] = "C"
    failures = 0
    replaced = []  # (first output line index, number of lines, new lines), for --update
    with tempfile.TemporaryDirectory(prefix="mmusim-tutorial-") as cwd:
        for name in ("configs", "traces"):
            os.symlink(os.path.join(os.path.abspath(root), name), os.path.join(cwd, name))
        for line, command, expected, first in steps:
            actual = run(command, cwd, env, timeout)
            want, got = normalise(expected), normalise(actual)
            if want != got:
                failures += 1
                replaced.append((first, len(expected), [l.rstrip() for l in actual]))
                print(f"{doc}:{line}: the output of `{command}` differs from the document:", file=sys.stderr)
                sys.stderr.writelines(l + "\n" for l in difflib.unified_diff(
                    want, got, "shown in the document", "real output", lineterm=""))
    print(f"{doc}: {len(steps)} commands, {failures} with another output")
    if update and replaced:
        with open(doc, encoding="utf-8") as f:
            lines = f.read().split("\n")
        for first, count, new in sorted(replaced, reverse=True):
            keep_blank = count and lines[first + count - 1] == "" and (not new or new[-1] != "")
            lines[first:first + count] = new + ([""] if keep_blank else [])
        with open(doc, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
        print(f"{doc}: {len(replaced)} outputs replaced")
        return 0
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mmusim", required=True, help="the built mmusim program")
    ap.add_argument("--root", required=True, help="the repository (its configs/ and traces/)")
    ap.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS,
                    help="seconds a command may take; a command still running then is stopped and its output "
                         "ends with [timeout after N s] (default 600)")
    ap.add_argument("--update", action="store_true", help="replace every output that differs by the real one")
    ap.add_argument("docs", nargs="+", help="markdown documents")
    a = ap.parse_args()
    if not os.access(a.mmusim, os.X_OK):
        print(f"{a.mmusim}: not an executable mmusim", file=sys.stderr)
        return 2
    return max(check(d, a.mmusim, a.root, a.timeout, a.update) for d in a.docs)


if __name__ == "__main__":
    sys.exit(main())
