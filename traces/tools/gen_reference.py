#!/usr/bin/env python3
"""Independent reference implementation of `mmusim gen` (sim/trace/generator.cc).

Writes the same bytes as `mmusim gen` for the same options, slowly. Used to check the C++
generator (tests/sim/test_trace_generator.cc cites golden values from it) and the bundled
synthetic traces:

    python3 traces/tools/gen_reference.py --pattern hotcold --accesses 30000 --seed 1 | cmp - traces/synthetic/hotcold-small.csv
"""
import argparse
import math
import sys

M = (1 << 64) - 1


def splitmix64(state):
    """One splitmix64 step: returns (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & M
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
    return state, z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & M


class Xoshiro256ss:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x, v = splitmix64(x)
            self.s.append(v)

    def next(self):
        s = self.s
        result = (rotl((s[1] * 5) & M, 7) * 9) & M
        t = (s[1] << 17) & M
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def below(self, n):
        return (self.next() * n) >> 64


def bernoulli(p):
    if p >= 1.0:
        return lambda rng: True
    if not p > 0.0:
        return lambda rng: False
    threshold = int(math.ldexp(p, 64))
    return lambda rng: rng.next() < threshold


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pattern", default="uniform")
    ap.add_argument("--accesses", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--footprint-pages", type=int, default=4096)
    ap.add_argument("--hot-pages", type=int, default=32)
    ap.add_argument("--hot-fraction", type=float, default=0.9)
    ap.add_argument("--stride-bytes", type=int, default=4096)
    ap.add_argument("--write-fraction", type=float, default=0.25)
    ap.add_argument("--pids", type=int, default=1)
    ap.add_argument("--vcpus", type=int, default=1)
    ap.add_argument("--vms", type=int, default=1)
    ap.add_argument("--slice", type=int, default=0)
    ap.add_argument("--gap", type=int, default=0)
    ap.add_argument("--base", type=lambda v: int(v, 0), default=0x10000000)
    a = ap.parse_args()

    seed = a.seed
    seed, s1 = splitmix64(seed)
    seed, s2 = splitmix64(seed)
    addr_rng, op_rng = Xoshiro256ss(s1), Xoshiro256ss(s2)
    is_write, is_hot = bernoulli(a.write_fraction), bernoulli(a.hot_fraction)
    fp = a.footprint_pages * 4096
    contexts = a.vms * a.vcpus
    per_vcpu = -(-a.accesses // contexts)
    slice_ = a.slice or max(1, -(-per_vcpu // a.pids))
    cold_pages = a.footprint_pages - a.hot_pages if a.footprint_pages > a.hot_pages else 1
    count, offset, cold = {}, {}, {}

    out = ["vm,vcpu,pid,op,gva,size,gap\n"]
    for i in range(a.accesses):
        k = i % contexts
        vm, vcpu, rnd = k // a.vcpus, k % a.vcpus, i // contexts
        pid = (vcpu + rnd // slice_) % a.pids
        key = (vm, pid)
        c = count.get(key, 0)
        if a.pattern == "seq":
            off = (c * 8) % fp
        elif a.pattern == "uniform":
            off = addr_rng.below(a.footprint_pages) * 4096
            off += addr_rng.below(512) * 8
        elif a.pattern == "hotcold":
            if is_hot(addr_rng):
                page = addr_rng.below(a.hot_pages)
            else:
                page = a.hot_pages + cold.get(key, 0)
                cold[key] = (cold.get(key, 0) + 1) % cold_pages
            off = page * 4096 + addr_rng.below(512) * 8
        elif a.pattern == "stride":
            off = offset.get(key, 0)
            offset[key] = (off + a.stride_bytes % fp) % fp
        elif a.pattern == "tlbhit":
            off = (c % a.hot_pages) * 4096 + ((c // a.hot_pages) % 64) * 64
        else:
            sys.exit("unknown pattern " + a.pattern)
        count[key] = c + 1
        op = "W" if is_write(op_rng) else "R"
        out.append(f"{vm},{vcpu},{pid},{op},0x{a.base + off:x},8,{a.gap}\n")
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
