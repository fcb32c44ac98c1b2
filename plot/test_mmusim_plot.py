#!/usr/bin/env python3
"""Tests of plot/mmusim_plot.py on small hand-made CSVs (the ctest test `plot`).

Each figure is checked through matplotlib's objects (lines, labels, limits, the legend's place),
not by its pixels; the files by their first bytes.
"""
import io
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmusim_plot as mp  # noqa: E402
from matplotlib.container import BarContainer  # noqa: E402

# swap_ins (major faults) is half of swap_reads (pages read, readahead included) in every row
# below: the figures draw swap_reads, against the bounds' misses.
SUMMARY = "mode,policy,trace,accesses,swap_ins,swap_reads,vmexits,sim_seconds"


def write(folder, name, text):
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def sweep_csv(keys, rows):
    """sweep.csv text: the varied keys, the summary columns above, status."""
    return ",".join(keys) + "," + SUMMARY + ",status\n" + "".join(r + "\n" for r in rows)


def legend_outside(fig):
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    box = fig.legends[0].get_window_extent(r)
    return all(not box.overlaps(ax.get_window_extent(r)) for ax in fig.axes)


def labelled_lines(ax):
    return [c.get_label() for c in ax.containers if not c.get_label().startswith("_")]


class Spread(unittest.TestCase):
    def test_three_values(self):
        # 10, 20, 30: mean 20, sample sd 10, t(2) = 4.303, half-width 4.303 * 10 / sqrt(3) = 24.843.
        m, lo, hi, h = mp.spread([10, 20, 30])
        self.assertEqual((m, lo, hi), (20, 10, 30))
        self.assertAlmostEqual(h, 24.843, places=3)

    def test_one_value_has_no_interval(self):
        self.assertEqual(mp.spread([7]), (7, 7, 7, 0.0))

    def test_t_past_the_table(self):
        self.assertEqual(mp.t95(35), 2.042)  # the entry for 30: a slightly wider interval
        self.assertEqual(mp.t95(500), 1.960)


class SweepFigure(unittest.TestCase):
    # The bug of issue 23: a second varied key that is not numeric (kvm.aging) drew one line of four.
    ROWS = [f"{mem},{pol},shadow,{pol},t.csv,100,{si / 2},{si},0,{cy},ok"
            for mem, base in (("6", 300), ("8", 100))
            for pol, si, cy in (("notifier", base + 50, 9000), ("spte-lru", base + 30, 8000),
                                ("young", base, 5000), ("access-track", base + 1, 5100))]
    BOUNDS = ["6,,shadow,opt,t.csv,100,40,40,0,0,bound", "8,,shadow,opt,t.csv,100,10,10,0,0,bound",
              "6,,shadow,lru-exact,t.csv,100,200,200,0,0,bound", "8,,shadow,lru-exact,t.csv,100,60,60,0,0,bound"]

    def figure(self, keys, rows, units=None):
        text = sweep_csv(keys, rows)
        header = text.split("\n")[0].split(",")
        rows = [dict(zip(header, line.split(",")), _line=i + 2) for i, line in enumerate(text.split("\n")[1:]) if line]
        return mp.sweep_figure(header, rows, units or {})

    def test_one_line_per_categorical_value(self):
        fig = self.figure(["host.mem_mb", "kvm.aging"], self.ROWS + self.BOUNDS, {"host.mem_mb": "MiB"})
        swap, cycles = fig.axes
        self.assertEqual(labelled_lines(swap), ["kvm.aging = notifier", "kvm.aging = spte-lru", "kvm.aging = young",
                                                "kvm.aging = access-track"])
        self.assertEqual(len(labelled_lines(cycles)), 4)
        young = swap.containers[2].lines[0]
        self.assertEqual(list(young.get_xdata()), [6.0, 8.0])
        self.assertEqual(list(young.get_ydata()), [300.0, 100.0])
        # The bounds depend on host memory alone, the same for every line: drawn once, in black;
        # OPT at 40 then 10 swap-ins, exact LRU at 200 then 60.
        dashed = [l for l in swap.get_lines() if l.get_linestyle() in (":", "--") and l.get_label().startswith("_")]
        self.assertEqual(len(dashed), 2)
        self.assertEqual(list(dashed[0].get_ydata()), [40.0, 10.0])
        self.assertEqual(list(dashed[1].get_ydata()), [200.0, 60.0])
        self.assertEqual(dashed[0].get_color(), "black")
        self.assertEqual(swap.get_xlabel(), "host.mem_mb (MiB)")
        self.assertEqual(swap.get_ylabel(), "pages read from swap (pages)")
        self.assertEqual(cycles.get_ylabel(), "simulated time (ms)")
        self.assertEqual(swap.get_ylim()[0], 0)
        self.assertEqual(cycles.get_ylim()[0], 0)
        self.assertEqual(swap.get_xscale(), "linear")  # 6 to 8: less than a decade
        texts = [t.get_text() for t in fig.legends[0].get_texts()]
        self.assertIn("OPT bound", texts)
        self.assertIn("exact-LRU bound", texts)
        self.assertTrue(legend_outside(fig))

    def test_categorical_first_key_in_csv_order(self):
        rows = [",".join(r.split(",")[1::-1]) + "," + ",".join(r.split(",")[2:]) for r in self.ROWS]
        bounds = [",".join(b.split(",")[1::-1]) + "," + ",".join(b.split(",")[2:]) for b in self.BOUNDS]
        fig = self.figure(["kvm.aging", "host.mem_mb"], rows + bounds)
        swap = fig.axes[0]
        # Here each line (a host size) has its own bounds, across the policies, in its colour.
        dashed = [l for l in swap.get_lines() if l.get_linestyle() in (":", "--") and l.get_label().startswith("_")]
        self.assertEqual([list(l.get_ydata()) for l in dashed],
                         [[40.0] * 4, [10.0] * 4, [200.0] * 4, [60.0] * 4])
        self.assertEqual(dashed[0].get_color(), mp.COLOURS[0])
        self.assertEqual(dashed[1].get_color(), mp.COLOURS[1])
        self.assertEqual([t.get_text() for t in swap.get_xticklabels()], ["notifier", "spte-lru", "young", "access-track"])
        self.assertEqual(labelled_lines(swap), ["host.mem_mb = 6", "host.mem_mb = 8"])
        self.assertEqual(list(swap.containers[0].lines[0].get_ydata()), [350.0, 330.0, 300.0, 301.0])

    def test_a_key_spanning_decades_is_log(self):
        rows = [f"{x},shadow,spte-lru,t.csv,1,{si / 2},{si},0,10,ok" for x, si in (("1", 1429), ("4", 2010), ("16", 2063), ("64", 2069))]
        fig = self.figure(["kvm.spte_lru_drop_every"], rows)
        swap = fig.axes[0]
        self.assertEqual(swap.get_xscale(), "log")
        self.assertEqual(swap.xaxis.get_transform().base, 2)  # every value a power of two
        self.assertEqual(labelled_lines(swap), ["runs"])

    def test_several_traces_give_error_bars(self):
        # Three traces at x = 1: swap-ins 10, 20, 30 -> mean 20, half-width 24.843 (Spread above).
        rows = [f"1,shadow,young,t{i}.csv,1,{si / 2},{si},0,10,ok" for i, si in enumerate((10, 20, 30))]
        fig = self.figure(["host.mem_mb"], rows)
        bar = fig.axes[0].containers[0]
        (segment,) = bar.lines[2][0].get_segments()
        self.assertAlmostEqual(segment[0][1], 20 - 24.843, places=3)
        self.assertAlmostEqual(segment[1][1], 20 + 24.843, places=3)
        self.assertIn("mean of 3 traces", fig._suptitle.get_text())

    def test_failed_runs_are_left_out(self):
        rows = ["6,shadow,young,t.csv,1,2,5,0,10,ok", "8,shadow,young,t.csv,,,,,,failed (exit 2): no"]
        fig = self.figure(["host.mem_mb"], rows)
        self.assertEqual(list(fig.axes[0].containers[0].lines[0].get_xdata()), [6.0])


class CompareFigure(unittest.TestCase):
    def test_bars_bounds_and_error_bars(self):
        # Policy young on three traces: 10, 20, 30 pages read from swap (5, 10, 15 swap-ins);
        # notifier 50, 50, 50; OPT 4, 5, 6 (mean 5), exact LRU 8 on each.
        rows = []
        for i, (y, o) in enumerate(((10, 4), (20, 5), (30, 6))):
            t = f"t{i}.csv"
            rows += [dict(policy="notifier", trace=t, status="ok", swap_ins="25", swap_reads="50", vmexits="7",
                          sim_seconds="0.1"),
                     dict(policy="young", trace=t, status="ok", swap_ins=str(y // 2), swap_reads=str(y), vmexits="9",
                          sim_seconds="0.08"),
                     dict(policy="pinned", trace=t, status="failed (exit 2): out of memory", swap_ins="0",
                          swap_reads="0", vmexits="0", sim_seconds="0"),
                     dict(policy="opt", trace=t, status="bound", swap_ins=str(o), swap_reads=str(o), vmexits="0",
                          sim_seconds="0"),
                     dict(policy="lru-exact", trace=t, status="bound", swap_ins="8", swap_reads="8", vmexits="0",
                          sim_seconds="0")]
        for n, r in enumerate(rows):
            r["_line"] = n + 2
        fig = mp.compare_figure(rows)
        swap, exits, cycles = fig.axes
        self.assertEqual([t.get_text() for t in swap.get_xticklabels()], ["notifier", "young", "pinned"])
        bars = next(c for c in swap.containers if isinstance(c, BarContainer))
        self.assertEqual([b.get_height() for b in bars.patches], [50, 20, 0])
        segments = bars.errorbar.lines[2][0].get_segments()
        self.assertAlmostEqual(segments[1][1][1] - 20, 24.843, places=3)
        self.assertEqual(segments[0][0][1], segments[0][1][1])  # notifier: no spread
        hlines = {l.get_linestyle(): l.get_ydata()[0] for l in swap.get_lines() if l.get_linestyle() != "None"}
        self.assertEqual(hlines, {":": 5.0, "--": 8.0})
        self.assertIn("failed", [t.get_text() for t in swap.texts])
        self.assertEqual([b.get_height() for b in next(c for c in cycles.containers if isinstance(c, BarContainer))],
                         [100.0, 80.0, 0])  # 0.1 s = 100 ms
        for ax, unit in ((swap, "pages"), (exits, "exits"), (cycles, "ms")):
            self.assertIn(unit, ax.get_ylabel())
            self.assertEqual(ax.get_ylim()[0], 0)
        self.assertTrue(legend_outside(fig))


    def test_modes_side_by_side(self):
        # compare --modes native,shadow,nested under notifier: one bar per mode and policy, and the
        # walk references beside the times and exits.
        rows = [dict(mode="native", policy="none", trace="t", status="ok", swap_reads="0", vmexits="0", walk_refs="10",
                     sim_seconds="0.001"),
                dict(mode="shadow", policy="notifier", trace="t", status="ok", swap_reads="0", vmexits="20", walk_refs="12",
                     sim_seconds="0.004"),
                dict(mode="nested", policy="notifier", trace="t", status="ok", swap_reads="0", vmexits="8", walk_refs="60",
                     sim_seconds="0.003"),
                dict(mode="any", policy="opt", trace="t", status="bound", swap_reads="0", vmexits="0", walk_refs="0",
                     sim_seconds="0")]
        for n, r in enumerate(rows):
            r["_line"] = n + 2
        fig = mp.compare_figure(rows)
        time, refs, exits, swap = fig.axes
        self.assertEqual([t.get_text() for t in refs.get_xticklabels()],
                         ["native / none", "shadow / notifier", "nested / notifier"])
        heights = lambda ax: [b.get_height() for b in next(c for c in ax.containers if isinstance(c, BarContainer))]
        self.assertEqual(heights(refs), [10, 12, 60])
        self.assertEqual(heights(exits), [0, 20, 8])
        self.assertEqual(heights(time), [1.0, 4.0, 3.0])
        self.assertIn("entries", refs.get_ylabel())
        self.assertEqual(refs.get_xlabel(), "sim.mode / kvm.aging")


class TimelineFigure(unittest.TestCase):
    def test_counts_over_their_interval_levels_at_its_end(self):
        # Rows at 1 and 3 million cycles: 4 swap-ins in (0, 1], 6 in (1, 3]; 200 then 150 free frames.
        header = ["time_cycles", "swap_ins", "swap_outs", "faults", "free_frames", "lru_active_pages",
                  "lru_inactive_pages"]
        rows = [dict(zip(header, v), _line=i + 2) for i, v in
                enumerate([["1000000", "4", "0", "9", "200", "5", "1"], ["3000000", "6", "2", "3", "150", "7", "2"]])]
        fig = mp.timeline_figure(rows, "t")
        events, frames = fig.axes
        swap_ins = events.get_lines()[0]
        self.assertEqual(swap_ins.get_drawstyle(), "steps-pre")
        self.assertEqual(list(swap_ins.get_xdata()), [0.0, 1.0, 3.0])
        self.assertEqual(list(swap_ins.get_ydata()), [4.0, 4.0, 6.0])
        self.assertEqual(list(frames.get_lines()[0].get_ydata()), [200.0, 150.0])
        self.assertEqual(events.get_xlabel(), "simulated time (million cycles)")
        self.assertEqual(frames.get_ylabel(), "host frames at the interval's end (frames)")
        self.assertEqual((events.get_xlim()[0], events.get_ylim()[0]), (0, 0))


class Files(unittest.TestCase):
    def test_a_timeline_of_widened_rows_is_read_past_its_note_which_the_title_shows(self):
        # mmusim writes this first line when rows merged past 20,000 (sim/stats/timeline.cc).
        note = "rows every 400 cycles (4 x sim.timeline_interval_cycles = 100), to stay within 20000 rows"
        head = f"# {note}\ntime_cycles,swap_ins,swap_outs,faults,free_frames,lru_active_pages,lru_inactive_pages\n"
        with tempfile.TemporaryDirectory() as d:
            t = write(d, "timeline.csv", head + "400,4,0,9,200,5,1\n800,x,2,3,150,7,2\n")
            err = io.StringIO()
            with redirect_stderr(err):
                self.assertEqual(mp.main(["plot", d]), 2)
            self.assertEqual(err.getvalue(), f"mmusim plot: {t}:4: swap_ins: 'x' is not a number\n")  # the note counts
            write(d, "timeline.csv", head + "400,4,0,9,200,5,1\n800,6,2,3,150,7,2\n")
            self.assertEqual(mp.csv_notes(t), [note])
            header, rows = mp.read_csv(t, ["time_cycles", "swap_ins"])
            self.assertEqual((header[0], [r["_line"] for r in rows]), ("time_cycles", [3, 4]))
            fig = mp.timeline_figure(rows, "t", t, mp.csv_notes(t))
            self.assertEqual(fig._suptitle.get_text(), f"mmusim timeline: t\n{note}")
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(mp.main(["plot", d]), 0)
            self.assertIn(f"wrote {d}/timeline.png", out.getvalue())

    def test_draw_writes_png_svg_pdf_and_the_script(self):
        with tempfile.TemporaryDirectory() as d:
            write(d, "sweep.csv", sweep_csv(["host.mem_mb", "kvm.aging"], SweepFigure.ROWS))
            write(d, "run0/timeline.csv", "time_cycles,accesses,swap_ins,swap_outs,faults,vmexits,kswapd_cycles,"
                  "pages_scanned,free_frames,lru_active_pages,lru_inactive_pages,shadow_pages\n"
                  "100,5,0,0,5,3,0,0,200,5,0,1\n200,5,2,3,1,3,10,8,199,4,2,1\n")
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(mp.main(["plot", d]), 0)
            names = sorted(os.path.relpath(p, d) for p in mp.FORMATS and
                           [l[len("wrote "):] for l in out.getvalue().splitlines()])
            self.assertEqual(names, ["plot.py", "run0/timeline.pdf", "run0/timeline.png", "run0/timeline.svg",
                                     "sweep.pdf", "sweep.png", "sweep.svg"])
            magic = {"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}
            for n in names:
                ext = n.rsplit(".", 1)[1]
                if ext in magic:
                    with open(os.path.join(d, n), "rb") as f:
                        self.assertEqual(f.read(len(magic[ext])), magic[ext], n)
            # The copy redraws the figures by itself.
            with open(os.path.join(d, "sweep.svg"), "rb") as f:
                first = f.read()
            os.remove(os.path.join(d, "sweep.svg"))
            import subprocess
            subprocess.run([sys.executable, os.path.join(d, "plot.py"), d], check=True, stdout=subprocess.DEVNULL)
            with open(os.path.join(d, "sweep.svg"), "rb") as f:
                self.assertEqual(f.read(), first)  # and an SVG is the same file each time

    def test_bad_input_exit_2_with_one_message(self):
        with tempfile.TemporaryDirectory() as d:
            cases = [(os.path.join(d, "none"), f"mmusim plot: {d}/none: no such directory\n"),
                     (d, f"mmusim plot: {d}: holds no compare.csv, sweep.csv or timeline.csv\n")]
            for folder, message in cases:
                err = io.StringIO()
                with redirect_stderr(err):
                    self.assertEqual(mp.main(["plot", folder]), 2)
                self.assertEqual(err.getvalue(), message)
            write(d, "compare.csv", "policy,trace,status,vmexits,sim_seconds\nyoung,t.csv,ok,1,2\n")
            err = io.StringIO()
            with redirect_stderr(err):
                self.assertEqual(mp.main(["plot", d]), 2)
            self.assertEqual(err.getvalue(), f"mmusim plot: {d}/compare.csv:1: no column 'swap_reads'\n")
            write(d, "compare.csv", "policy,trace,status,swap_reads,vmexits,sim_seconds\nyoung,t.csv,ok,many,1,2\n")
            err = io.StringIO()
            with redirect_stderr(err):
                self.assertEqual(mp.main(["plot", d]), 2)
            self.assertEqual(err.getvalue(), f"mmusim plot: {d}/compare.csv:2: swap_reads: 'many' is not a number\n")


if __name__ == "__main__":
    unittest.main()
