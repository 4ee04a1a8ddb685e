"""Memory per idle websocket: K anonymous sockets against ONE web process per server kind.

Each run starts a fresh web process (pinned to CPU 1), opens and closes 100 warm-up sockets, reads
the server's VmRSS (/proc/<pid>/status), opens K websockets from this process (pinned to CPU 0; raw
sockets, bench/_ws.py), each subscribed to a `slots:` channel (or only connected), lets them idle
for a few seconds (answering pings), reads VmRSS again and prints (after - before) / K. Socket
buffers live in the kernel and are not in RSS. Kinds alternate order run by run; medians and the
socketify/uvicorn ratio at the end. Target: <= 2 KB per idle socket for socketify at 10,000.

    .venv/bin/python bench/idle_sockets.py [--sockets 10000] [--runs 3] [--subscribe one|distinct|none]

`one`: every socket reads the same channel; `distinct`: each socket reads a channel of its own (one
instructor row each, inserted first); `none`: connected only.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CLIENT_CORE,
    SERVER_CORE,
    Services,
    check_cpus,
    loadavg,
    median,
    pin_to,
    raise_fd_limit,
    ratio,
    rss_kb,
    start_server,
)
from _ws import Swarm

KINDS = ("uvicorn", "socketify")
TARGET_KB = 2.0
WARMUP = 100


def steady_rss(pid: int, swarm: Swarm | None, seconds: float) -> int:
    """VmRSS after `seconds` of idling (pings answered), as the median of three readings 0.25 s apart."""
    if swarm is not None and swarm.socks:
        swarm.run(lambda *a: None, until=lambda: False, deadline=time.monotonic() + seconds)
    else:
        time.sleep(seconds)
    readings = []
    for _ in range(3):
        readings.append(rss_kb(pid))
        time.sleep(0.25)
    return int(median(readings))


def channel_for(mode: str, i: int, instructors: list[int]) -> str | None:
    if mode == "none":
        return None
    return f"slots:{instructors[0]}" if mode == "one" else f"slots:{instructors[i % len(instructors)]}"


async def make_instructors(database_url: str, count: int) -> list[int]:
    """Rows straight into `users`: a `slots:` channel of somebody who is not an instructor is unknown."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "INSERT INTO users (email, password_hash, full_name, role, timezone, created_at) "
            "SELECT 'idle-' || g || '@bench.test', '', 'Idle Instructor', 'instructor', 'UTC', now() "
            "FROM generate_series(1, $1) AS g RETURNING id",
            count,
        )
    finally:
        await conn.close()
    return [row["id"] for row in rows]


def one_run(kind: str, services: Services, args: argparse.Namespace, instructors: list[int]) -> dict:
    server = start_server(kind, services)
    try:
        warm = Swarm()
        # Warm-up sockets read channels the measured ones do not (in distinct mode).
        warm.open([(server.port, channel_for(args.subscribe, -1 - i, instructors)) for i in range(WARMUP)])
        warm.close()
        before = steady_rss(server.pid, None, 1.0)
        swarm = Swarm()
        try:
            targets = [(server.port, channel_for(args.subscribe, i, instructors)) for i in range(args.sockets)]
            connect_s = swarm.open(targets, timeout=600)
            after = steady_rss(server.pid, swarm, args.idle)
            alive = len(swarm.by_fd)
            if server.process.poll() is not None:
                raise RuntimeError(f"{kind} exited during the run:\n{server.log_tail()}")
        finally:
            swarm.close()
    finally:
        server.stop()
    return {
        "before_kb": before,
        "after_kb": after,
        "kb_per_socket": (after - before) / args.sockets,
        "connect_s": connect_s,
        "alive": alive,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sockets", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--subscribe", choices=["one", "distinct", "none"], default="one")
    parser.add_argument("--idle", type=float, default=3.0, help="seconds of idling before the second reading")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    kinds = tuple(k for k in args.kinds.split(",") if k)
    check_cpus()
    pin_to(CLIENT_CORE)
    limit = raise_fd_limit(args.sockets + WARMUP + 1024)  # children (the servers) inherit it
    if limit < args.sockets + WARMUP + 64:
        sys.exit(f"RLIMIT_NOFILE is {limit}: too low for {args.sockets} sockets (raise the hard limit)")

    results: dict[str, list[dict]] = {kind: [] for kind in kinds}
    print(
        f"# {args.sockets} idle websockets ({args.subscribe} channel subscription) against one web process "
        f"per kind on CPU {SERVER_CORE}, client on CPU {CLIENT_CORE}; {args.runs} runs; loadavg {loadavg()}",
        flush=True,
    )
    with Services() as services:
        wanted = args.sockets + WARMUP if args.subscribe == "distinct" else 1
        instructors = asyncio.run(make_instructors(services.database_url, wanted))
        for run in range(1, args.runs + 1):
            for kind in kinds if run % 2 else tuple(reversed(kinds)):
                r = one_run(kind, services, args, instructors)
                results[kind].append(r)
                print(
                    f"run {run}  {kind:<9}  RSS {r['before_kb'] / 1024:7.1f} MB -> {r['after_kb'] / 1024:7.1f} MB"
                    f"  = {r['kb_per_socket']:6.2f} KB per socket   ({r['alive']} open, connected in "
                    f"{r['connect_s']:.1f} s)",
                    flush=True,
                )

    print(f"\n## medians over {args.runs} runs, {args.sockets} sockets")
    medians = {kind: median([r["kb_per_socket"] for r in results[kind]]) for kind in kinds}
    for kind in kinds:
        rate = median([args.sockets / r["connect_s"] for r in results[kind]])
        print(f"{kind:<9}  {medians[kind]:6.2f} KB per idle socket   (opened at {rate:.0f} sockets/s)")
    if {"socketify", "uvicorn"} <= set(kinds):
        print(f"socketify/uvicorn  {ratio(medians['socketify'], medians['uvicorn'])}")
    if "socketify" in kinds:
        verdict = "met" if medians["socketify"] <= TARGET_KB else "MISSED"
        print(
            f"target socketify <= {TARGET_KB:.0f} KB per idle socket at {args.sockets}: {verdict} "
            f"({medians['socketify']:.2f} KB)"
        )


if __name__ == "__main__":
    main()
