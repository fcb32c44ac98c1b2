#!/usr/bin/env python3
"""The README's tables beside the figures of docs/make_figures.sh, from the runs it made.

    figure_tables.py WORK print     the tables (markdown), each under its marker name
    figure_tables.py WORK write     puts each into README.md between <!-- figures:NAME:begin -->
                                    and <!-- figures:NAME:end -->
    figure_tables.py WORK check     exit 0 if README.md holds exactly them, 1 with a diff

WORK is make_figures.sh's folder: each study's output folder and, beside it, NAME.cmd, the
command that made it. Nothing here is typed by hand: every number comes from a CSV of a run.
"""
import csv
import difflib
import os
import sys

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "README.md")


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def n(x):
    """A count with thousands separators."""
    return f"{round(float(x)):,}"


def mcycles(x):
    """Cycles in millions, one decimal."""
    return f"{float(x) / 1e6:,.1f}"


def command(work, name):
    with open(os.path.join(work, name + ".cmd")) as f:
        return f.read().strip()


def made_by(work, name, what):
    return f"Made by `docs/make_figures.sh`: {what} of `{command(work, name)}`."


def spread(summary, policy, column, fmt):
    """'mean [ci95_low, ci95_high]' of a compare-summary.csv row."""
    for r in summary:
        if r["policy"] == policy and r["column"] == column:
            return f"{fmt(r['mean'])} [{fmt(r['ci95_low'])}, {fmt(r['ci95_high'])}]"
    raise SystemExit(f"no {policy} {column} in the summary")


def ranking(policies, traces, seeds, value, column, what):
    """One line: the policies by `column`, fewest first, on every seed (or seed by seed)."""
    ranks = [" < ".join(sorted(policies, key=lambda p: (float(value[(t, p)][column]), p))) for t in traces]
    if len(set(ranks)) == 1:
        return f"- Policies by {what}, fewest first, the same on every seed: {ranks[0]}."
    return f"- Policies by {what}, fewest first: " + "; ".join(f"seed {s}: {r}" for s, r in zip(seeds, ranks)) + "."


def seeds_table(work):
    """Each policy's pages read from swap and cycles on every seed, and their means with 95% intervals."""
    d = os.path.join(work, "seeds")
    runs = [r for r in rows(os.path.join(d, "compare.csv")) if r["status"] == "ok"]
    summary = rows(os.path.join(d, "compare-summary.csv"))
    traces = list(dict.fromkeys(r["trace"] for r in runs))
    seeds = [t.rsplit("-seed", 1)[1].removesuffix(".csv") for t in traces]
    policies = list(dict.fromkeys(r["policy"] for r in runs))
    value = {(r["trace"], r["policy"]): r for r in runs}
    out = [made_by(work, "seeds", "the traces of seeds " + ", ".join(seeds) + " in `compare.csv` and their spread in "
                   "`compare-summary.csv`") + " Pages read from swap (`swap_reads`, the faults' and readahead's) and "
           "cycles in millions (M); means with their 95% confidence intervals (Student's t, " + str(len(seeds) - 1) +
           " degrees of freedom).",
           "",
           "| policy | swap_reads, seed " + ", ".join(seeds) + " | mean [95% CI] | cycles M, seed " + ", ".join(seeds) +
           " | mean [95% CI] |",
           "|---|---:|---:|---:|---:|"]
    for p in policies:
        out.append(f"| {p} | " + " / ".join(n(value[(t, p)]["swap_reads"]) for t in traces) + " | " +
                   spread(summary, p, "swap_reads", n) + " | " +
                   " / ".join(mcycles(value[(t, p)]["cycles"]) for t in traces) + " | " +
                   spread(summary, p, "cycles", mcycles) + " |")
    out += ["", ranking(policies, traces, seeds, value, "swap_reads", "pages read"),
            ranking(policies, traces, seeds, value, "cycles", "cycles")]
    return "\n".join(out)


def compare_table(work, name):
    """A compare.csv: each policy's pages read from swap against the bounds."""
    d = os.path.join(work, name)
    out = [made_by(work, name, "`compare.csv`") + " `swap_reads` counts the pages read from swap (faults' and "
           "readahead's), the bounds' their misses; cycles in millions (M).",
           "",
           "| policy | swap_ins | swap_reads | vs OPT | vmexits | cycles M |",
           "|---|---:|---:|---:|---:|---:|"]
    for r in rows(os.path.join(d, "compare.csv")):
        if r["status"] == "bound":
            out.append(f"| {r['policy']} (bound) | {n(r['swap_ins'])} | {n(r['swap_reads'])} | {r['swap_reads_vs_opt']} | | |")
        elif r["status"] == "ok":
            out.append(f"| {r['policy']} | {n(r['swap_ins'])} | {n(r['swap_reads'])} | {r['swap_reads_vs_opt']} | "
                       f"{n(r['vmexits'])} | {mcycles(r['cycles'])} |")
        else:
            out.append(f"| {r['policy']} | {r['status'].split(':', 1)[0]} | | | | |")
    return "\n".join(out)


def sweep_table(work, name, rows_key, cols_key, column, what):
    """A sweep.csv of two varied keys: `column` by rows_key (rows) and cols_key (columns), then
    the bounds of each machine."""
    d = os.path.join(work, name)
    data = rows(os.path.join(d, "sweep.csv"))
    runs = [r for r in data if r["status"] == "ok"]
    if len(runs) != sum(1 for r in data if r["status"] != "bound"):
        raise SystemExit(f"{name}: a run failed")
    rv = list(dict.fromkeys(r[rows_key] for r in runs))
    cv = list(dict.fromkeys(r[cols_key] for r in runs))
    value = {(r[rows_key], r[cols_key]): r[column] for r in runs}
    bounds = [r for r in data if r["status"] == "bound"]
    machine_key = rows_key if any(b[rows_key] for b in bounds) else cols_key
    out = [made_by(work, name, "`sweep.csv`") + f" {what}.", "",
           f"| {rows_key} | " + " | ".join(f"{cols_key} = {c}" for c in cv) + " |",
           "|---|" + "---:|" * len(cv)]
    for x in rv:
        out.append(f"| {x} | " + " | ".join(n(value[(x, c)]) for c in cv) + " |")
    for policy, label in (("opt", "OPT"), ("lru-exact", "exact LRU")):
        b = {r[machine_key]: r[column] for r in bounds if r["policy"] == policy}
        if machine_key == cols_key:
            out.append(f"| {label} (bound) | " + " | ".join(n(b[c]) for c in cv) + " |")
    if machine_key == rows_key:  # the bounds as columns of their own
        out[2] = out[2][:-1] + "| OPT (bound) | exact LRU (bound) |"
        out[3] += "---:|---:|"
        for i, x in enumerate(rv):
            b = {r["policy"]: r[column] for r in bounds if r[rows_key] == x}
            out[4 + i] += f" {n(b['opt'])} | {n(b['lru-exact'])} |"
    return "\n".join(out)


def tables(work):
    return {
        "seeds": seeds_table(work),
        "listwalk-compare": compare_table(work, "listwalk-compare"),
        "drop-sweep": sweep_table(work, "drop-sweep", "kvm.spte_lru_drop_every", "host.mem_mb", "swap_reads",
                                  "Pages spte-lru read from swap (`swap_reads`) by X and host memory (MiB), and the "
                                  "bounds' misses on each host"),
        "listwalk-sweep": sweep_table(work, "listwalk-sweep", "host.mem_mb", "kvm.aging", "swap_reads",
                                      "Pages read from swap (`swap_reads`) by host memory (MiB) and policy, and the "
                                      "bounds' misses on each host"),
    }


def with_tables(text, ts):
    for name, table in ts.items():
        begin, end = f"<!-- figures:{name}:begin -->", f"<!-- figures:{name}:end -->"
        if begin not in text or end not in text:
            raise SystemExit(f"README.md has no {begin} ... {end} markers")
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + "\n" + table + "\n" + end + tail
    return text


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("print", "write", "check"):
        sys.exit(__doc__)
    ts = tables(sys.argv[1])
    if sys.argv[2] == "print":
        for name, table in ts.items():
            print(f"== {name}\n{table}\n")
        return
    with open(README) as f:
        old = f.read()
    new = with_tables(old, ts)
    if sys.argv[2] == "write":
        with open(README, "w") as f:
            f.write(new)
        return
    if new != old:
        sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), new.splitlines(True), "README.md", "the runs"))
        sys.exit("README.md's tables beside the figures are not the runs': run bash docs/make_figures.sh")


if __name__ == "__main__":
    main()
