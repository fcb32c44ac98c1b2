// The page of `mmusim view` in a real browser (Debian's chromium, driven by playwright-core):
//  - stepped to the end, every running figure (data-figure="COLUMN") equals summary.csv's column
//    for the same records (`mmusim run` over the same trace, or its first records with
//    sim.max_records), in native, shadow and nested mode, under memory pressure;
//  - stepping through traces/teaching/reach.csv natively, the first completed walk lights the
//    path derived by hand below, and the fill after it puts the entry in the set and way the
//    TLB's geometry gives;
//  - no page logs an error.
// With --screenshots DIR it also writes the screenshots docs/ and the tutorial show.
// usage: node view_test.mjs MMUSIM SOURCE_DIR WORK_DIR [--screenshots DIR]
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

const [mmusim, source, work, flag, shots] = process.argv.slice(2);
if (!mmusim || !source || !work || (flag && flag !== "--screenshots")) {
  console.error("usage: node view_test.mjs MMUSIM SOURCE_DIR WORK_DIR [--screenshots DIR]");
  process.exit(2);
}
fs.mkdirSync(work, { recursive: true });
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) ++failures;
};
const sim = args => execFileSync(mmusim, args, { cwd: source, encoding: "utf8", env: { ...process.env, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE: "1" } });

function summary(dir) {
  const [head, row] = fs.readFileSync(path.join(dir, "summary.csv"), "utf8").trim().split("\n");
  const keys = head.split(","), values = row.split(","), s = {};
  keys.forEach((k, i) => (s[k] = values[i]));
  return s;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: process.getuid && process.getuid() === 0 ? ["--no-sandbox"] : [],
});
const errors = [];
async function open(file, width = 1280, height = 900) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("pageerror", e => errors.push(`${path.basename(file)}: ${e}`));
  page.on("console", m => { if (m.type() === "error") errors.push(`${path.basename(file)}: ${m.text()}`); });
  await page.goto("file://" + file);
  return page;
}

// 1. The figures at the end equal summary.csv's for the same records.
const cases = [
  { name: "native", args: ["--config", "configs/teaching.cfg", "--trace", "traces/teaching/reach.csv"] },
  { name: "shadow", args: ["--config", "configs/teaching.cfg", "--trace", "traces/teaching/hotscan.csv", "--set", "sim.mode=shadow"] },
  { name: "shadow-first-2000", args: ["--config", "configs/teaching.cfg", "--trace", "traces/teaching/hotscan.csv", "--set", "sim.mode=shadow"], to: 2000 },
  { name: "nested", args: ["--config", "configs/teaching.cfg", "--trace", "traces/teaching/hotscan.csv", "--set", "sim.mode=nested", "--set", "kvm.aging=young"] },
  // Host huge pages swapped whole (a 4 MiB host, so that one goes within the first 10,000 records):
  // a 2 MiB swap-out counts 512 pages in swap_outs.
  { name: "nested-thp-whole", args: ["--config", "configs/pressure.cfg", "--trace", "traces/synthetic/pressure.csv", "--set", "sim.era=none",
                                     "--set", "sim.mode=nested", "--set", "kvm.aging=young", "--set", "host.thp=always",
                                     "--set", "reclaim.thp_swap=whole", "--set", "host.mem_mb=4"], to: 10000 },
];
for (const c of cases) {
  const html = path.join(work, c.name + ".html"), out = path.join(work, c.name);
  sim(["view", ...c.args, ...(c.to ? ["--to", String(c.to)] : []), "--out", html]);
  sim(["run", "-q", ...c.args, ...(c.to ? ["--set", "sim.max_records=" + c.to] : []), "--out", out]);
  const s = summary(out);
  const page = await open(html);
  await page.click("#last");
  const figs = await page.$$eval("[data-figure]", els => els.map(e => [e.dataset.figure, e.textContent]));
  check(figs.length >= 20, `${c.name}: ${figs.length} running figures shown`);
  for (const [name, value] of figs) {
    if (!(name in s)) { check(false, `${c.name}: ${name} is no column of summary.csv`); continue; }
    check(value === s[name], `${c.name}: ${name} ${value} (summary.csv: ${s[name]})`);
  }
  if (c.name === "shadow") check(Number(s.swap_outs) > 0 && Number(s.pages_scanned) > 0, "shadow: the host reclaimed and swapped");
  if (c.name === "nested-thp-whole") check(Number(s.thp_swpout) > 0, `nested-thp-whole: ${s.thp_swpout} huge pages written whole`);
  await page.close();
}

// 2. The walk path. traces/teaching/reach.csv's record 0 reads 0x10000000 (vpn 0x10000): its
// first walk finds the PML4 (frame 0, made with the process) empty; the fault maps data frame 1
// and then the PDPT, PD and PT in frames 2, 3 and 4 (do_anonymous_page, then pud/pmd/pte_alloc);
// the retried walk reads entry 0 of the PML4 and of the PDPT, entry 0x10000 >> 9 = 128 of the PD
// and entry 0x10000 mod 512 = 0 of the PT, and ends at frame 1. The teaching dTLB (4 entries,
// 4 ways: 1 set) puts it in set 0, way 0 (the first free one).
{
  const html = path.join(work, "reach-walk.html");
  sim(["view", "--config", "configs/teaching.cfg", "--trace", "traces/teaching/reach.csv", "--out", html]);
  const page = await open(html);
  let now = "";
  for (let i = 0; i < 100 && !now.includes("walk: 4 refs, pte -> frame 0x1"); ++i) {
    await page.click("#step");
    now = await page.textContent("#now");
  }
  check(now.includes("walk: 4 refs, pte -> frame 0x1"), `stepping reaches the completed walk: "${now}"`);
  const lit = await page.$$eval(".node.lit", els => els.map(e => `${e.dataset.level}:${e.dataset.frame}`));
  check(lit.join(" ") === "4:0 3:2 2:3 1:4 0:1", `the walk lights tables 0, 2, 3, 4 and page 1: ${lit.join(" ")}`);
  const entries = await page.$$eval("[data-lit-entry]", els => els.map(e => e.textContent));
  check(entries.join(" ") === "[0] → 0x2 [0] → 0x3 [128] → 0x4 [0] → page 0x1", `the entries read: ${entries.join(" ")}`);
  await page.click("#step");
  const cell = await page.$$eval('td[data-tlb="dTLB"][data-set="0"][data-way="0"]', els => els.map(e => e.textContent));
  check(cell.join() === "0x10000→0x1", `the fill puts vpn 0x10000 in dTLB set 0 way 0: ${cell.join()}`);
  if (shots) await page.screenshot({ path: path.join(shots, "view-walk.png") });
  await page.close();
}

// 3. Screenshots of the teaching traces (docs/tutorial.md shows them): a shadow page fault that
// installs an spte, and kswapd's reclaim decisions.
if (shots) {
  const at = async (file, pred, name, height = 900) => {
    const page = await open(file, 1280, height);
    const n = await page.evaluate(p => EVENTS.findIndex(new Function("e", "return " + p)), pred);
    await page.evaluate(k => window.mmusimSeek(k + 1), n);
    await page.screenshot({ path: path.join(shots, name) });
    await page.close();
  };
  const ptw = path.join(work, "ptwrite.html");
  sim(["view", "--config", "configs/teaching.cfg", "--trace", "traces/teaching/ptwrite.csv", "--set", "sim.mode=shadow", "--out", ptw]);
  await at(ptw, 'e.event === "spte_install" && !e.speculative', "view-shadow-fault.png");
  await at(path.join(work, "shadow.html"), 'e.event === "scan_decision" && e.outcome === "pageout"', "view-reclaim.png", 1300);
}

await browser.close();
check(errors.length === 0, `no page logged an error${errors.length ? ": " + errors.join("; ") : ""}`);
console.log(failures ? `${failures} check(s) failed` : "all checks passed");
process.exit(failures ? 1 : 0);
