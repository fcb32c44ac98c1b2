#!/usr/bin/env python3
"""Figures of mmusim's CSVs, for screens (PNG) and papers (SVG, PDF), drawn with matplotlib.

Usage: mmusim plot DIR   (or: python3 plot/mmusim_plot.py DIR, or bash bench/plot.sh DIR)

  DIR/compare.csv  -> DIR/compare.{png,svg,pdf}: pages read from swap (swap_reads: the faults'
                      and readahead's), VM exits and simulated time per policy, the OPT and
                      exact-LRU bounds (their misses) as lines across the pages read; after
                      compare --modes, simulated time, walk references, VM exits and pages read
                      per mode and policy
  DIR/sweep.csv    -> DIR/sweep.{png,svg,pdf}: pages read from swap and simulated time against
                      the first varied key, one line per combination of the values of the other
                      varied keys, each line's OPT and exact-LRU bounds dashed in its colour
  DIR/timeline.csv and DIR/*/timeline.csv -> timeline.{png,svg,pdf} beside each (the note
                      of widened rows, a '#' line before the header, under the title)

Rows of the same configuration from several traces or seeds (the `trace` column) are drawn as
their mean with a 95% confidence interval (Student's t) as error bars. Failed runs are left out
and named on stderr. Every count axis starts at zero; a numeric key whose values span a decade or
more is drawn on a log scale, any other key (policies, modes) as categories in the order of the
CSV. A copy of this script is written beside the figures (DIR/plot.py): edit its STYLE and run
`python3 DIR/plot.py DIR` to restyle them.

Exit code 0 when it drew something, 2 on bad input (no such folder, no CSV, a CSV without a
column it needs: one message naming the file, line and column).
"""
import csv
import math
import os
import shutil
import subprocess
import sys

try:
    import matplotlib
except ImportError:
    print("mmusim plot: needs matplotlib for " + sys.executable + " (Debian: apt-get install python3-matplotlib)",
          file=sys.stderr)
    sys.exit(2)

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

# Restyle here: any matplotlib rcParams (https://matplotlib.org/stable/users/explain/customizing.html).
STYLE = {
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.axisbelow": True,    # grid lines behind bars and lines
    "svg.hashsalt": "mmusim",  # the same figure gives the same SVG
    "svg.fonttype": "none",    # SVG text stays text, editable in a drawing program
    "pdf.fonttype": 42,        # TrueType in PDFs, as journals ask
}
FORMATS = ("png", "svg", "pdf")
PNG_DPI = 150
# Colour-blind-safe (Paul Tol's "bright").
COLOURS = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB"]
BOUNDS = {"opt": ("OPT bound", ":"), "lru-exact": ("exact-LRU bound", "--")}

# Two-sided 95% quantiles of Student's t by degrees of freedom; past 30 the next lower entry's
# (a slightly wider interval), 1.960 past 120.
T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
       10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
       18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
       26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980}


class BadInput(Exception):
    """Input the figures cannot be drawn from; the message names file, line and column."""


def t95(df):
    if df < 1:
        return 0.0
    if df > 120:
        return 1.960
    return T95[max(d for d in T95 if d <= df)]


def spread(values):
    """(mean, min, max, half-width of the 95% confidence interval of the mean) of `values`."""
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return mean, mean, mean, 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    return mean, min(values), max(values), t95(n - 1) * sd / math.sqrt(n)


def read_csv(path, need):
    """The rows of `path` as dicts (with their line number under "_line"), checking `need`. Lines
    starting with '#' before the header row are notes (csv_notes), passed over."""
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        header = next(r, None)
        while header and header[0].startswith("#"):
            header = next(r, None)
        if not header:
            raise BadInput(f"{path}:{r.line_num or 1}: empty file, expected a header row")
        for c in need:
            if c not in header:
                raise BadInput(f"{path}:{r.line_num}: no column '{c}'")
        rows = []
        for line, cells in enumerate(r, start=r.line_num + 1):
            if not cells:
                continue
            row = dict(zip(header, cells))
            row["_line"] = line
            rows.append(row)
    return header, rows


def csv_notes(path):
    """The notes before the header row of `path`, without their '#': timeline.csv says so when its
    rows are wider than sim.timeline_interval_cycles ("rows every N cycles (F x ...)")."""
    notes = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                break
            notes.append(line[1:].strip())
    return notes


def number(row, col, path):
    try:
        return float(row[col])
    except (KeyError, ValueError):
        raise BadInput(f"{path}:{row['_line']}: {col}: '{row.get(col, '')}' is not a number")


def ok(row):
    return row.get("status", "ok") == "ok"


def failed(row):
    return row.get("status", "ok") not in ("ok", "bound")


def outside_legend(fig, handles, labels):
    """One legend for the whole figure, right of the panels, never over the data."""
    if handles:
        fig.legend(handles, labels, loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)


def report_failed(path, rows):
    bad = [r for r in rows if failed(r)]
    for r in bad:
        print(f"mmusim plot: {path}:{r['_line']}: {r.get('policy', 'a run')} left out (its run failed: the row's status "
              "says why)", file=sys.stderr, flush=True)


def key_units(mmusim):
    """config key -> unit, from `mmusim config --list` (units of the varied keys' axes)."""
    if not mmusim:
        return {}
    try:
        out = subprocess.run([mmusim, "config", "--list"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             check=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    units = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 3 and f[2] != "-":
            units[f[0]] = f[2]
    return units


def axis_label(key, units):
    return f"{key} ({units[key]})" if key in units else key


# --- compare.csv -------------------------------------------------------------------------------

# The pages a policy read from swap (its faults' and readahead's: swap_reads), the column the bounds
# are drawn on: OPT's and exact LRU's misses are the pages they fetch, and no policy fetches fewer
# than OPT. (swap_ins, the major faults, can be fewer when readahead brings pages in.)
READS = "swap_reads"
READS_PANEL = (READS, "pages read from swap (pages)", 1)

# (column, axis label, factor): simulated time in ms from sim_seconds.
COMPARE_PANELS = [READS_PANEL, ("vmexits", "VM exits (exits)", 1), ("sim_seconds", "simulated time (ms)", 1e3)]


# compare --modes: the same trace in several sim.modes; the walks and exits explain the times.
MODES_PANELS = [("sim_seconds", "simulated time (ms)", 1e3), ("walk_refs", "page-walk references (entries read)", 1),
                ("vmexits", "VM exits (exits)", 1), READS_PANEL]


def compare_figure(rows, path="compare.csv"):
    """Bars per policy, or per mode and policy after compare --modes (mean over traces, 95% CI as
    error bars), bounds as lines across."""
    runs = [r for r in rows if r["status"] != "bound"]
    several_modes = len({r.get("mode", "") for r in runs}) > 1
    key = (lambda r: r["mode"] + " / " + r["policy"]) if several_modes else (lambda r: r["policy"])
    policies = []
    for r in runs:
        if key(r) not in policies:
            policies.append(key(r))
    traces = sorted({r["trace"] for r in rows})
    panels = MODES_PANELS if several_modes else COMPARE_PANELS
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(3.4 * len(panels), 3.4), layout="constrained")
        title = "mmusim compare: " + (traces[0] if len(traces) == 1 else f"mean of {len(traces)} traces, 95% CI")
        fig.suptitle(title)
        handles, labels = [], []
        for ax, (col, label, factor) in zip(axes, panels):
            xs = list(range(len(policies)))
            means, errs = [], []
            for p in policies:
                vals = [number(r, col, path) * factor for r in runs if key(r) == p and ok(r)]
                m, _, _, h = spread(vals) if vals else (0.0, 0, 0, 0.0)
                means.append(m)
                errs.append(h)
            bars = ax.bar(xs, means, yerr=errs if len(traces) > 1 else None, capsize=3,
                          color=COLOURS[0], width=0.7)
            for x, p in zip(xs, policies):
                if not any(key(r) == p and ok(r) for r in runs):
                    ax.annotate("failed", (x, 0), ha="center", va="bottom", rotation=90, color="#BB0000")
            if col == READS:
                handles.append(bars), labels.append(("mode and policy" if several_modes else "aging policy") +
                                                    (" (mean, 95% CI)" if len(traces) > 1 else ""))
                for name, (blabel, style) in BOUNDS.items():
                    vals = [number(r, col, path) for r in rows if r["policy"] == name and r["status"] == "bound"]
                    if vals:
                        line = ax.axhline(spread(vals)[0], color="black", linestyle=style, linewidth=1.2)
                        handles.append(line), labels.append(blabel)
            ax.set_xticks(xs, policies, rotation=30, ha="right")
            ax.set_xlabel("sim.mode / kvm.aging" if several_modes else "kvm.aging")
            ax.set_ylabel(label)
            ax.set_ylim(bottom=0)
        outside_legend(fig, handles, labels)
    return fig


# --- sweep.csv ---------------------------------------------------------------------------------

def varied_keys(header):
    """sweep.csv's varied keys: the columns before the summary's first, `mode`."""
    return header[:header.index("mode")]


def is_numeric(values):
    try:
        [float(v) for v in values]
        return True
    except ValueError:
        return False


def first_seen(values):
    out = []
    for v in values:
        if v not in out:
            out.append(v)
    return out


def sweep_figure(header, rows, units=None, path="sweep.csv"):
    """Swap-ins and simulated time against the first varied key, a line per other combination."""
    units = units or {}
    keys = varied_keys(header)
    if not keys:
        raise BadInput(f"{path}:1: no varied key before the column 'mode'")
    x_key, others = keys[0], keys[1:]
    runs = [r for r in rows if r.get("status") != "bound"]
    bounds = [r for r in rows if r.get("status") == "bound"]
    xvals = first_seen(r[x_key] for r in runs)
    numeric = is_numeric(xvals)
    if numeric:
        xvals.sort(key=float)
    position = {v: (float(v) if numeric else i) for i, v in enumerate(xvals)}
    groups = first_seen(tuple(r[k] for k in others) for r in runs)
    traces = sorted({r["trace"] for r in runs})
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
        fig.suptitle("mmusim sweep: " + (traces[0] if len(traces) == 1 else f"mean of {len(traces)} traces, 95% CI"))
        handles, labels = [], []
        for ax, (col, label, factor) in zip(axes, [COMPARE_PANELS[0], COMPARE_PANELS[2]]):
            for gi, g in enumerate(groups):
                colour = COLOURS[gi % len(COLOURS)]
                pts = []
                for x in xvals:
                    vals = [number(r, col, path) * factor for r in runs
                            if r[x_key] == x and tuple(r[k] for k in others) == g and ok(r)]
                    if vals:
                        m, _, _, h = spread(vals)
                        pts.append((position[x], m, h))
                if not pts:
                    continue
                name = ", ".join(f"{k} = {v}" for k, v in zip(others, g)) or "runs"
                line = ax.errorbar([p[0] for p in pts], [p[1] for p in pts],
                                   yerr=[p[2] for p in pts] if len(traces) > 1 else None,
                                   color=colour, marker="o", markersize=4, capsize=3, label=name)
                if col == READS:
                    handles.append(line), labels.append(name)
            # Each line's bounds, in its colour; bounds that do not depend on the lines' keys
            # (the same for every line: they depend on host memory alone) once, in black.
            for bname, (_, style) in BOUNDS.items() if col == READS else ():
                per_group = []
                for g in groups:
                    bpts = []
                    for x in xvals:
                        want = dict(zip(others, g), **{x_key: x})
                        vals = [number(r, col, path) for r in bounds if r["policy"] == bname
                                and all(r[k] in ("", want[k]) for k in keys)]
                        if vals:
                            bpts.append((position[x], spread(vals)[0]))
                    per_group.append(bpts)
                shared = all(b == per_group[0] for b in per_group)
                for gi, bpts in enumerate(per_group[:1] if shared else per_group):
                    if bpts:
                        ax.plot([p[0] for p in bpts], [p[1] for p in bpts], linestyle=style, linewidth=1.5, zorder=3,
                                color="black" if shared else COLOURS[gi % len(COLOURS)])
            if col == READS:
                for bname, (blabel, style) in BOUNDS.items():
                    if any(r["policy"] == bname for r in bounds):
                        handles.append(Line2D([], [], color="black", linestyle=style)), labels.append(blabel)
            if numeric:
                lo, hi = min(position.values()), max(position.values())
                if lo > 0 and hi / lo >= 10:
                    powers_of_two = all(float(v).is_integer() and int(float(v)) & (int(float(v)) - 1) == 0
                                        for v in xvals)
                    ax.set_xscale("log", base=2 if powers_of_two else 10)
                ax.set_xticks([position[v] for v in xvals], xvals)
                ax.minorticks_off()
            else:
                ax.set_xticks(range(len(xvals)), xvals, rotation=30, ha="right")
            ax.set_xlabel(axis_label(x_key, units))
            ax.set_ylabel(label)
            ax.set_ylim(bottom=0)
        outside_legend(fig, handles, labels)
    return fig


# --- timeline.csv ------------------------------------------------------------------------------

def timeline_figure(rows, title, path="timeline.csv", notes=()):
    """Per-interval events and host frames over simulated time; `notes` (csv_notes: rows widened)
    under the title."""
    # Each row ends an interval: counts are drawn over the interval they happened in (from the
    # previous row's time, or 0), levels at the interval's end.
    t = [number(r, "time_cycles", path) / 1e6 for r in rows]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
        fig.suptitle("\n".join([f"mmusim timeline: {title}", *notes]))
        handles, labels = [], []
        panels = [("events in the interval (count)", [("swap_ins", "swap-ins"), ("swap_outs", "swap-outs"),
                                                      ("faults", "guest or OS page faults")]),
                  ("host frames at the interval's end (frames)", [("free_frames", "free frames"),
                                                                  ("lru_active_pages", "active LRU pages"),
                                                                  ("lru_inactive_pages", "inactive LRU pages")])]
        ci = 0
        for ax, (label, series) in zip(axes, panels):
            for col, name in series:
                ys = [number(r, col, path) for r in rows]
                if "in the interval" in label:
                    (line,) = ax.plot([0.0] + t, ys[:1] + ys, color=COLOURS[ci % len(COLOURS)], drawstyle="steps-pre")
                else:
                    (line,) = ax.plot(t, ys, color=COLOURS[ci % len(COLOURS)])
                handles.append(line), labels.append(name)
                ci += 1
            ax.set_xlabel("simulated time (million cycles)")
            ax.set_ylabel(label)
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
        outside_legend(fig, handles, labels)
    return fig


# --- files -------------------------------------------------------------------------------------

def save(fig, base):
    """base.png, base.svg and base.pdf; returns their names."""
    written = []
    with plt.rc_context(STYLE):
        for fmt in FORMATS:
            name = f"{base}.{fmt}"
            fig.savefig(name, dpi=PNG_DPI if fmt == "png" else None, bbox_inches="tight",
                        metadata={"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt])
            written.append(name)
    plt.close(fig)
    return written


def draw(folder, mmusim=None):
    """Draws every figure `folder` has data for; returns the files written."""
    if not os.path.isdir(folder):
        raise BadInput(f"{folder}: no such directory")
    written = []
    c = os.path.join(folder, "compare.csv")
    if os.path.isfile(c):
        _, rows = read_csv(c, ["policy", "trace", "status", READS, "vmexits", "sim_seconds"])
        report_failed(c, rows)
        written += save(compare_figure(rows, c), os.path.join(folder, "compare"))
    s = os.path.join(folder, "sweep.csv")
    if os.path.isfile(s):
        header, rows = read_csv(s, ["mode", "policy", "trace", "status", READS, "sim_seconds"])
        report_failed(s, rows)
        written += save(sweep_figure(header, rows, key_units(mmusim), s), os.path.join(folder, "sweep"))
    timelines = [os.path.join(folder, "timeline.csv")] + sorted(
        os.path.join(folder, d, "timeline.csv") for d in os.listdir(folder))
    for t in timelines:
        if os.path.isfile(t):
            _, rows = read_csv(t, ["time_cycles", "swap_ins", "swap_outs", "faults", "free_frames",
                                   "lru_active_pages", "lru_inactive_pages"])
            if rows:
                written += save(timeline_figure(rows, os.path.dirname(t), t, csv_notes(t)),
                                os.path.join(os.path.dirname(t), "timeline"))
    if not written:
        raise BadInput(f"{folder}: holds no compare.csv, sweep.csv or timeline.csv")
    me = os.path.abspath(__file__)
    copy = os.path.join(folder, "plot.py")
    if os.path.abspath(copy) != me:
        shutil.copyfile(me, copy)
        written.append(copy)
    return written


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--mmusim=")]
    mmusim = next((a.split("=", 1)[1] for a in argv[1:] if a.startswith("--mmusim=")), shutil.which("mmusim"))
    if args in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    if len(args) != 1:
        print("usage: mmusim plot DIR", file=sys.stderr)
        return 2
    try:
        for name in draw(args[0], mmusim):
            print(f"wrote {name}")
    except BadInput as e:
        print(f"mmusim plot: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"mmusim plot: {e.filename}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
