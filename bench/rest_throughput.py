"""REST throughput under uvicorn (uvloop + httptools) and socketify, the same app under each.

Two targets: "probe" (the probe app's GET /json: the servers' own cost shows) and "platform" (the
real app on a seeded throwaway database, GET /api/catalog/categories: two queries through Piccolo
and asyncpg, so the response is written after the task has waited). Two kinds of request:
"minimal" (wrk's own: a Host header only) and "browser" (the ten headers a browser's fetch() with
a bearer token sends; per-header costs show there).

Each server is pinned to CPU 1 and wrk to CPU 0; runs alternate between the servers. Prints
requests/s, p99 latency and the server's CPU time per request for each run, the medians, and
socketify/uvicorn ratios. CPU per request is the figure to trust on a busy machine: other
processes sharing CPU 1 lower requests/s and raise p99 but barely change it.

    .venv/bin/python bench/rest_throughput.py [--target probe|platform] [--runs 5] [--seconds 5]
                                              [--connections 64] [--requests minimal browser]

Needs `wrk` and `taskset` (Debian/Ubuntu: `apt-get install -y wrk util-linux`) and two CPUs.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import select
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CLIENT_CORE,
    ROOT,
    SERVER_CORE,
    Services,
    check_cpus,
    cpu_seconds,
    free_port,
    services_pinned_to,
    start_server,
)

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
    parser.add_argument("--target", choices=("probe", "platform"), default="probe")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--requests", nargs="+", choices=sorted(REQUESTS), default=["minimal", "browser"])
    args = parser.parse_args()
    for tool in ("wrk", "taskset"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y wrk util-linux")
    check_cpus()

    start = _probe_servers if args.target == "probe" else _platform_servers
    results: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    with start() as servers:
        for pid, url in servers.values():
            _wrk(pid, url, 2, args.connections, ())  # warm up
        for run in range(1, args.runs + 1):
            for request in args.requests:
                for kind, (pid, url) in servers.items():
                    result = _wrk(pid, url, args.seconds, args.connections, REQUESTS[request])
                    results.setdefault((request, kind), []).append(result)
                    print(f"run {run}  {request:<8} {kind:<10} {_format(*result)}", flush=True)

    print()
    for request in args.requests:
        medians = {kind: _medians(results[request, kind]) for kind in SERVERS}
        for kind, result in medians.items():
            print(f"median {request:<8} {kind:<10} {_format(*result)}")
        uv, sf = medians["uvicorn"], medians["socketify"]
        print(
            f"{args.target} {request}: socketify/uvicorn throughput x{sf[0] / uv[0]:.2f}, p99 x{sf[1] / uv[1]:.2f}, "
            f"CPU per request x{sf[2] / uv[2]:.2f}"
        )


@contextlib.contextmanager
def _probe_servers() -> Iterator[dict[str, tuple[int, str]]]:
    """The probe app under each server: {kind: (pid, url to load)}."""
    processes: dict[str, tuple[subprocess.Popen[bytes], int]] = {}
    try:
        for kind in SERVERS:
            processes[kind] = _start_probe(kind)
        yield {kind: (process.pid, f"http://127.0.0.1:{port}/json") for kind, (process, port) in processes.items()}
    finally:
        for process, _ in processes.values():
            process.terminate()
            process.wait(timeout=20)


@contextlib.contextmanager
def _platform_servers() -> Iterator[dict[str, tuple[int, str]]]:
    """The platform (`python -m app serve`) under each server on one seeded throwaway database.

    PostgreSQL and Redis are pinned to wrk's CPU for the run: left free to run on the server's
    CPU, they took its time in proportion to the requests it served, so the faster server's p99
    paid for its throughput (socketify p99 x1.13-x1.21 unpinned, x0.75 pinned, same commit)."""
    with Services(seed=True) as services, services_pinned_to(CLIENT_CORE), contextlib.ExitStack() as stack:
        servers = {}
        for kind in SERVERS:
            server = start_server(kind, services)
            stack.callback(server.stop)
            servers[kind] = (server.pid, f"{server.url}/api/catalog/categories")
        yield servers


def _start_probe(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        ["taskset", "-c", str(SERVER_CORE), sys.executable, "-m", "tests.server.asgi_probe_app", kind, str(port)],
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


def _wrk(pid: int, url: str, seconds: int, connections: int, headers: tuple[str, ...]) -> tuple[float, float, float]:
    """requests/s, p99 latency in ms, server CPU microseconds per request."""
    cpu_before = cpu_seconds(pid)
    output = subprocess.run(
        [
            "taskset",
            "-c",
            str(CLIENT_CORE),
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            *(argument for header in headers for argument in ("-H", header)),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors:\n{output}")
    cpu = cpu_seconds(pid) - cpu_before
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", output).groups()
    return rps, float(value) * _UNITS[unit], cpu / requests * 1e6


def _medians(runs: list[tuple[float, float, float]]) -> tuple[float, ...]:
    return tuple(statistics.median(column) for column in zip(*runs, strict=True))


def _format(rps: float, p99: float, cpu_us: float) -> str:
    return f"{rps:>9.0f} req/s  p99 {p99:6.2f} ms  {cpu_us:5.1f} us CPU/request"


if __name__ == "__main__":
    main()
