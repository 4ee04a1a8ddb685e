"""REST throughput: the probe app's GET /json under uvicorn (uvloop + httptools) and socketify.

Each server is pinned to CPU 1 and wrk to CPU 0; runs alternate between the servers. Two kinds of
request: "minimal" (wrk's own: a Host header only) and "browser" (the ten headers a browser's
fetch() with a bearer token sends; per-header costs show here). Prints requests/s, p99 latency
and the server's CPU time per request for each run, the medians, and socketify/uvicorn ratios.
CPU per request is the figure to trust on a busy machine: other processes sharing CPU 1 lower
requests/s and raise p99 but barely change it.

    .venv/bin/python bench/rest_throughput.py [--runs 5] [--seconds 5] [--connections 64]
                                              [--requests minimal browser]

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
BROWSER_HEADERS = (
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
    "Accept: application/json, text/plain, */*",
    "Accept-Language: en-US,en;q=0.9",
    "Accept-Encoding: gzip, deflate, br, zstd",
    "Referer: http://127.0.0.1:8000/instructor/week",
    "Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImV4cCI6MTc5NjA4MDAwMH0.c2lnbmF0dXJl",
    "Cookie: theme=dark; tz=Europe%2FBerlin",
    "Sec-Fetch-Mode: cors",
    "Sec-Fetch-Site: same-origin",
)
REQUESTS = {"minimal": (), "browser": BROWSER_HEADERS}
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", nargs="+", choices=sorted(REQUESTS), default=["minimal", "browser"])
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk util-linux")
    if len(os.sched_getaffinity(0)) < 2:
        sys.exit("needs two CPUs: the server on CPU 1, wrk on CPU 0")

    servers = {kind: _start(kind) for kind in SERVERS}
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    try:
        for process, port in servers.values():
            _wrk(process, port, 2, args.connections, ())  # warm up
        for run in range(1, args.runs + 1):
            for request in args.requests:
                for kind, (process, port) in servers.items():
                    result = _wrk(process, port, args.seconds, args.connections, REQUESTS[request])
                    results.setdefault((request, kind), []).append(result)
                    print(f"run {run}  {request:<8} {kind:<10} {_format(*result)}", flush=True)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=20)

    print()
    for request in args.requests:
        medians = {kind: _medians(results[request, kind]) for kind in SERVERS}
        for kind, result in medians.items():
            print(f"median {request:<8} {kind:<10} {_format(*result)}")
        uv, sf = medians["uvicorn"], medians["socketify"]
        print(
            f"{request}: socketify/uvicorn throughput x{sf[0] / uv[0]:.2f}, p99 x{sf[1] / uv[1]:.2f}, "
            f"CPU per request x{sf[2] / uv[2]:.2f}"
        )


def _medians(runs: list[tuple[float, float, float]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*runs, strict=True))


def _format(rps: float, p99: float, cpu_us: float) -> str:
    return f"{rps:>9.0f} req/s  p99 {p99:6.2f} ms  {cpu_us:5.1f} us CPU/request"


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


def _wrk(
    process: subprocess.Popen[bytes], port: int, seconds: int, connections: int, headers: tuple[str, ...]
) -> tuple[float, float, float]:
    """requests/s, p99 latency in ms, server CPU microseconds per request."""
    cpu_before = _cpu_seconds(process.pid)
    output = subprocess.run(
        [
            "taskset",
            "-c",
            "0",
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *(argument for header in headers for argument in ("-H", header)),
            f"http://127.0.0.1:{port}/json",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors:\n{output}")
    cpu = _cpu_seconds(process.pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    return rps, float(value) * _UNITS[unit], cpu / requests * 1e6


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (taskset execs the server, so this is the server)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":
    main()
