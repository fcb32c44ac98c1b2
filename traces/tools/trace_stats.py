#!/usr/bin/env python3
"""Record count and distinct 4 KiB pages of a trace, independently of the C++ readers.

    python3 traces/tools/trace_stats.py traces/*.lackey traces/synthetic/*.csv

For each file: records, records per op, distinct pages touched (every 4 KiB page of
[gva, gva + max(size, 1)), as the simulator translates them), the same per op, and distinct
pages of the first byte only. Lackey: I -> X, L -> R, S -> W, M -> M; other lines skipped.
Pages are counted per address space: (vm, pid, page) for CSV, page for lackey (vm = pid = 0).
"""
import collections
import sys

LACKEY_OPS = {"I  ": "X", " L ": "R", " S ": "W", " M ": "M"}


def records(path):
    with open(path, "r", encoding="latin-1") as f:
        first = ""
        for line in f:
            if line.strip():
                first = line
                break
        f.seek(0)
        if "op" in [t.strip() for t in first.split(",")]:
            header = [t.strip() for t in f.readline().split(",")]
            col = {name: i for i, name in enumerate(header)}
            for line in f:
                if not line.strip():
                    continue
                v = [t.strip() for t in line.split(",")]
                get = lambda name, default: int(v[col[name]]) if name in col else default
                yield (get("vm", 0), get("pid", 0), v[col["op"]].upper(), int(v[col["gva"]], 16), get("size", 1))
        else:
            for line in f:
                op = LACKEY_OPS.get(line[:3])
                if op is None:
                    continue
                addr, size = line[3:].strip().split(",")
                yield (0, 0, op, int(addr, 16), int(size))


def main():
    for path in sys.argv[1:]:
        n = 0
        per_op = collections.Counter()
        pages, first_pages = set(), set()
        op_pages = collections.defaultdict(set)
        for vm, pid, op, gva, size in records(path):
            n += 1
            per_op[op] += 1
            last = gva + max(size, 1) - 1
            first_pages.add((vm, pid, gva >> 12))
            for p in range(gva >> 12, (last >> 12) + 1):
                pages.add((vm, pid, p))
                op_pages[op].add((vm, pid, p))
        ops = " ".join(f"{op}={per_op[op]}" for op in "RWXM" if per_op[op])
        op_p = " ".join(f"{op}={len(op_pages[op])}" for op in "RWXM" if op_pages[op])
        print(f"{path}: records={n} ({ops}) pages={len(pages)} ({op_p}) first_byte_pages={len(first_pages)}")


if __name__ == "__main__":
    main()
