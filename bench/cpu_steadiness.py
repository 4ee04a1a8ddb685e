"""How steady this machine's CPUs are: the floor under every latency tail the other benchmarks print.

One busy loop per CPU, all at once (as under a benchmark's load), each counting its iterations per
5 ms window. A window under half the median count means the vCPU ran at less than half speed for
those 5 ms (host contention, a busy sibling thread, frequency changes): no process of ours can be
faster than that. Prints, per CPU, the median count, the share of slow windows and the longest runs
of consecutive slow windows.

    .venv/bin/python bench/cpu_steadiness.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

WINDOW = 0.005


def windows(cpu: int, seconds: float) -> list[int]:
    os.sched_setaffinity(0, {cpu})
    counts: list[int] = []
    end = time.perf_counter() + seconds
    boundary = time.perf_counter() + WINDOW
    n = 0
    while True:
        n += 1
        if n & 255 == 0:
            now = time.perf_counter()
            if now >= boundary:
                counts.append(n)
                n, boundary = 0, now + WINDOW
                if now > end:
                    return counts


def slow_stretches(counts: list[int], median: int) -> list[int]:
    stretches, current = [], 0
    for count in counts:
        if count < median / 2:
            current += 1
        elif current:
            stretches.append(current)
            current = 0
    return sorted(stretches + ([current] if current else []), reverse=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    with multiprocessing.Pool(len(cpus)) as pool:
        results = pool.starmap(windows, [(cpu, args.seconds) for cpu in cpus])
    print(f"# one busy loop per CPU for {args.seconds:.0f} s, iterations per {WINDOW * 1000:.0f} ms window")
    for cpu, counts in zip(cpus, results, strict=True):
        median = sorted(counts)[len(counts) // 2]
        slow = sum(1 for c in counts if c < median / 2)
        longest = [f"{n * WINDOW * 1000:.0f}" for n in slow_stretches(counts, median)[:5]]
        print(
            f"cpu {cpu}: median {median} per window; under half speed in {slow} of {len(counts)} windows "
            f"({slow / len(counts):.1%}); longest slow stretches (ms): {', '.join(longest) or 'none'}"
        )


if __name__ == "__main__":
    main()
