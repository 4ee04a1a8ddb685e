"""REST throughput: the probe app's GET /json under uvicorn (uvloop + httptools) and socketify.

Each server is pinned to CPU 1 and wrk to CPU 0; runs alternate between the servers. Prints
requests/s and p99 latency per run, the medians, and socketify/uvicorn ratios.

    .venv/bin/python bench/rest_throughput.py [--runs 5] [--seconds 5] [--connections 64]

Needs `wrk` and `taskset` (Debian/Ubuntu: `apt-get install -y wrk util-linux`) and two CPUs.
"""

from __future__ import annotations

import argparse
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVERS = ("uvicorn", "socketify")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk util-linux")
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs two CPUs: the server on CPU 1, wrk on CPU 0")

    servers = {kind: _start(kind) for kind in SERVERS}
    try:
        for kind, (_, port) in servers.items():
            _wrk(port, 2, args.connections)  # warm up
        results: dict[str, list[tuple[float, float]]] = {kind: [] for kind in SERVERS}
        for run in range(1, args.runs + 1):
            for kind, (_, port) in servers.items():
                rps, p99 = _wrk(port, args.seconds, args.connections)
                results[kind].append((rps, p99))
                print(f"run {run}  {kind:<10} {rps:>9.0f} req/s  p99 {p99:6.2f} ms", flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=20)

    medians = {
        kind: (statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs))
        for kind, runs in results.items()
    }
    print()
    for kind, (rps, p99) in medians.items():
        print(f"median {kind:<10} {rps:>9.0f} req/s  p99 {p99:6.2f} ms")
    (uv_rps, uv_p99), (sf_rps, sf_p99) = medians["uvicorn"], medians["socketify"]
    print(f"socketify/uvicorn: throughput x{sf_rps / uv_rps:.2f}, p99 x{sf_p99 / uv_p99:.2f}")


def _start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    process = subprocess.Popen(
        ["taskset", "-c", "1", sys.executable, "-m", "tests.server.asgi_probe_app", kind, str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        readable, _, _ = select.select([process.stdout], [], [], deadline - time.monotonic())
        if readable and process.stdout.readline().strip() == b"ready":
            return process, port
    process.kill()
    sys.exit(f"{kind} did not start")


def _wrk(port: int, seconds: int, connections: int) -> tuple[float, float]:
    output = subprocess.run(
        ["taskset", "-c", "0", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
         f"http://127.0.0.1:{port}/json"],
        capture_output=True, text=True, check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    return rps, float(value) * _UNITS[unit]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
