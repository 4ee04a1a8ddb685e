"""C concurrent checkouts against one socketify web process while Stripe answers every call after 300 ms:
does waiting on Stripe stall the event loop, and does an unrelated GET feel it?

Set-up through the API (Stripe stand-in at no latency): 20 instructors (UTC) offer piano and open
their calendar around the clock; C students each save `pm_card_visa` (`POST /api/me/payment-methods`).
Per run and latency (`--latencies 300,0`: 300 judged, 0 a control with the same CPU work and no
waiting): the stand-in's `latency_ms` switch is set; for `--baseline-seconds` an unrelated
`GET /api/catalog/categories` and a `GET /health` go out open-loop at `--probe-rate` each per second
(the "without" figures); then C `POST /api/bookings` (one per student, 30 min, less than 24 h ahead,
so each is authorized at Stripe before its 201) leave one aiohttp session at once while the same
probes keep going (the "with" figures). The web process's event-loop lag is read from its own
`instainstru_event_loop_lag_seconds` histogram (app/core/loop_lag.py: how late a 20 ms timer
fired) before and after each phase; the `GET /health` latency is the same thing seen from outside.
Webhooks go from the stand-in to the same web process, as Stripe's would.

Pinning: the web process on CPU 1; this script (load generator) and the stand-in on CPU 0.
PostgreSQL and Redis are left where they are (shared with other engineers' tests).

    .venv/bin/python bench/checkout_under_stripe_latency.py [--checkouts 200] [--latency-ms 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CHEAP_PASSWORDS,
    CLIENT_CORE,
    SERVER_CORE,
    Services,
    bounded_gather,
    check_cpus,
    forget_arq_jobs,
    histogram_buckets,
    histogram_quantile,
    histogram_share_at_most,
    loadavg,
    median,
    open_instructor,
    pin_to,
    py_spy,
    raise_fd_limit,
    ratio,
    s3_standin,
    sched_ns,
    start_server,
    stripe_standin,
    student_with_card,
    summary_ms,
)

INSTRUCTORS = 40
LESSON = timedelta(minutes=30)
LAG = "instainstru_event_loop_lag_seconds"
WEBHOOK_SECRET = "whsec_bench"


def first_start(now: datetime) -> datetime:
    """Past the default 2 h minimum notice, on a half hour."""
    at = now + timedelta(minutes=150)
    return at.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30 * math.ceil(at.minute / 30))


async def set_up(http, database_url: str, checkouts: int, bursts: int) -> dict:
    now = datetime.now(UTC)
    start = first_start(now)
    per_instructor = math.ceil(checkouts / INSTRUCTORS)
    last = start + LESSON * (per_instructor * bursts)
    if last > now + timedelta(hours=23):
        sys.exit(f"{checkouts} checkouts x {bursts} bursts do not fit in the next 24 h at {INSTRUCTORS} instructors")
    mondays = sorted({(d - timedelta(days=d.weekday())) for d in (start.date(), last.date())})
    instructors = await bounded_gather(
        10, [open_instructor(http, f"instructor-{i}@bench.test", mondays, database_url) for i in range(INSTRUCTORS)]
    )
    students = await bounded_gather(20, [student_with_card(http, f"student-{i}@bench.test") for i in range(checkouts)])
    return {"start": start, "per_instructor": per_instructor, "instructors": instructors, "students": students}


def checkout_body(setup: dict, burst: int, i: int) -> dict:
    instructor_id, service_id = setup["instructors"][i % INSTRUCTORS]
    at = setup["start"] + LESSON * (burst * setup["per_instructor"] + i // INSTRUCTORS)
    return {"instructor_id": instructor_id, "service_id": service_id, "start": at.isoformat(), "duration_minutes": 30}


class Probes:
    """Open-loop GETs at a fixed rate each (a late answer never delays the next request)."""

    PATHS = ("/api/catalog/categories", "/health")

    def __init__(self, sessions: dict, base_url: str, rate: float) -> None:
        self.sessions, self.base_url, self.rate = sessions, base_url, rate
        self.latencies: dict[str, list[int]] = {path: [] for path in self.PATHS}
        self.failed = 0
        self.in_flight: set[asyncio.Task] = set()

    async def _one(self, path: str) -> None:
        started = time.perf_counter_ns()
        try:
            async with self.sessions[path].get(self.base_url + path) as response:
                await response.read()
                ok = response.status == 200
        except Exception:
            ok = False
        if ok:
            self.latencies[path].append(time.perf_counter_ns() - started)
        else:
            self.failed += 1

    async def run_until(self, stop: asyncio.Event) -> None:
        period = 1 / self.rate
        next_at = time.perf_counter()
        n = 0
        while not stop.is_set():
            for path in self.PATHS:
                if len(self.in_flight) < 200:  # bounded: a stalled server is not flooded
                    task = asyncio.ensure_future(self._one(path))
                    self.in_flight.add(task)
                    task.add_done_callback(self.in_flight.discard)
            n += 1
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
        if self.in_flight:
            await asyncio.wait(list(self.in_flight), timeout=60)


async def lag_histogram(session, base_url: str) -> dict[float, float]:
    async with session.get(f"{base_url}/metrics") as response:
        return histogram_buckets(await response.text(), LAG)


def lag_figures(before: dict, after: dict) -> dict:
    inf = float("inf")
    return {
        "p50": histogram_quantile(before, after, 0.50) * 1e3,
        "p99": histogram_quantile(before, after, 0.99) * 1e3,
        # the histogram is cumulative: the worst sample is in the first bucket that holds them all
        "max_bucket": min(le for le in after if after[le] - before.get(le, 0) >= after[inf] - before.get(inf, 0)),
        "le5": histogram_share_at_most(before, after, 0.005),
        "samples": after[float("inf")] - before.get(float("inf"), 0),
    }


async def one_run(args, burst: int, latency_ms: int, setup: dict, server, standin, services: Services) -> dict:
    import aiohttp
    import asyncpg

    standin.control("POST", "webhooks/flush", timeout_seconds=30)
    standin.configure(latency_ms=latency_ms)
    await asyncio.sleep(2)  # whatever the set-up or the previous run left (relays, webhooks) settles
    timeout = aiohttp.ClientTimeout(total=120)
    # One session per probed path, connections unbounded (the probes bound themselves): a GET stuck
    # on the server never makes the other wait for a client connection.
    probe_connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    health_connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    checkout_connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    async with (
        aiohttp.ClientSession(connector=probe_connector, timeout=timeout) as probe_session,
        aiohttp.ClientSession(connector=health_connector, timeout=timeout) as health_session,
        aiohttp.ClientSession(connector=checkout_connector, timeout=timeout) as session,
    ):

        async def warm(s) -> None:
            async with s.get(f"{server.url}/health") as response:
                await response.read()

        await asyncio.gather(
            *(warm(session) for _ in range(args.checkouts)),
            *(warm(probe_session) for _ in range(32)),
            *(warm(health_session) for _ in range(32)),
        )

        # without the checkouts
        before = await lag_histogram(probe_session, server.url)
        alone = Probes(
            {"/api/catalog/categories": probe_session, "/health": health_session}, server.url, args.probe_rate
        )
        stop = asyncio.Event()
        probing = asyncio.ensure_future(alone.run_until(stop))
        await asyncio.sleep(args.baseline_seconds)
        stop.set()
        await probing
        lag_alone = lag_figures(before, await lag_histogram(probe_session, server.url))

        # with them
        go = asyncio.Event()
        statuses: list[int] = []
        latencies: list[int] = []
        others: list[str] = []

        async def checkout(i: int) -> None:
            body = checkout_body(setup, burst, i)
            await go.wait()
            started = time.perf_counter_ns()
            async with session.post(f"{server.url}/api/bookings", json=body, headers=setup["students"][i]) as response:
                text = await response.text()
            latencies.append(time.perf_counter_ns() - started)
            statuses.append(response.status)
            if response.status not in (201, 402) and len(others) < 3:
                others.append(f"{response.status} {text[:200]}")

        tasks = [asyncio.ensure_future(checkout(i)) for i in range(args.checkouts)]
        await asyncio.sleep(0.2)
        before = await lag_histogram(probe_session, server.url)
        during = Probes(
            {"/api/catalog/categories": probe_session, "/health": health_session}, server.url, args.probe_rate
        )
        stop = asyncio.Event()
        probing = asyncio.ensure_future(during.run_until(stop))
        await asyncio.sleep(0.1)
        with py_spy(args.profile if burst == 0 else None, server.pid):
            cpu0 = sched_ns(server.pid)
            started = time.perf_counter()
            go.set()
            await asyncio.gather(*tasks)
            wall = time.perf_counter() - started
        cpu_run, cpu_wait = (a - b for a, b in zip(sched_ns(server.pid), cpu0, strict=True))
        stop.set()
        await probing
        lag_during = lag_figures(before, await lag_histogram(probe_session, server.url))
    standin.configure(latency_ms=0)
    conn = await asyncpg.connect(services.database_url)
    try:
        authorized = await conn.fetchval("SELECT count(*) FROM payments WHERE status = 'authorized'")
        statuses_now = await conn.fetch("SELECT status, count(*) AS n FROM payments GROUP BY status")
    finally:
        await conn.close()
    return {
        "wall": wall,
        "per_second": args.checkouts / wall,
        "201": statuses.count(201),
        "402": statuses.count(402),
        "other": len(statuses) - statuses.count(201) - statuses.count(402),
        "others": others,
        "checkout": summary_ms(latencies),
        "cpu_ms": cpu_run / 1e6,
        "wait_ms": cpu_wait / 1e6,
        "lag_alone": lag_alone,
        "lag_during": lag_during,
        "get_alone": summary_ms(alone.latencies["/api/catalog/categories"]),
        "get_during": summary_ms(during.latencies["/api/catalog/categories"]),
        "health_alone": summary_ms(alone.latencies["/health"]),
        "health_during": summary_ms(during.latencies["/health"]),
        "probe_failures": alone.failed + during.failed,
        "authorized_total": authorized,
        "payment_statuses": {row["status"]: row["n"] for row in statuses_now},
        "standin_authorizations": len(standin.state().get("authorizations", [])),
        "load": loadavg(),
    }


def show(run: int, latency_ms: int, r: dict) -> None:
    g0, g1, h0, h1, la, ld = (
        r["get_alone"],
        r["get_during"],
        r["health_alone"],
        r["health_during"],
        r["lag_alone"],
        r["lag_during"],
    )
    print(
        f"run {run}, Stripe at {latency_ms} ms: {r['201']} x 201, {r['402']} x 402, {r['other']} other "
        f"in {r['wall']:.2f} s "
        f"({r['per_second']:.0f} checkouts/s; checkout p50 {r['checkout']['p50']:.0f} "
        f"/ p99 {r['checkout']['p99']:.0f} ms); "
        f"payments so far {r['payment_statuses']} in PostgreSQL, {r['standin_authorizations']} authorizations "
        f"at the stand-in; "
        f"web CPU {r['cpu_ms']:.0f} ms on, {r['wait_ms']:.0f} ms waiting for CPU {SERVER_CORE}; load {r['load']}",
        flush=True,
    )
    print(
        f"    loop lag (histogram) p50 / p99: without {la['p50']:.2f} / {la['p99']:.2f} ms "
        f"({la['samples']:.0f} samples, {la['le5']:.1%} <= 5 ms), with {ld['p50']:.2f} / {ld['p99']:.2f} ms "
        f"({ld['samples']:.0f} samples, {ld['le5']:.1%} <= 5 ms, worst bucket <= {ld['max_bucket'] * 1e3:g} ms)\n"
        f"    GET /health p50 / p99: without {h0['p50']:.2f} / {h0['p99']:.2f}, "
        f"with {h1['p50']:.2f} / {h1['p99']:.2f} (max {h1['max']:.0f}) ms\n"
        f"    GET /api/catalog/categories p50 / p99: without {g0['p50']:.2f} / {g0['p99']:.2f} ms (n={g0['n']}), "
        f"with {g1['p50']:.2f} / {g1['p99']:.2f} ms (n={g1['n']}): p99 with/without {ratio(g1['p99'], g0['p99'])}"
        + (f"; probe failures {r['probe_failures']}" if r["probe_failures"] else ""),
        flush=True,
    )
    for sample in r["others"]:
        print(f"    other: {sample}")


def summarize(args, latency_ms: int, results: list[dict], judged: bool) -> None:
    def med(key: str, sub: str | None = None) -> float:
        return median([r[key][sub] if sub else r[key] for r in results])

    lag_p99, get_ratio = med("lag_during", "p99"), med("get_during", "p99") / med("get_alone", "p99")
    per_run = ", ".join(ratio(r["get_during"]["p99"], r["get_alone"]["p99"]) for r in results)
    print(
        f"\n## medians over {len(results)} runs: {args.checkouts} concurrent checkouts, "
        f"Stripe at {latency_ms} ms, one socketify process on CPU {SERVER_CORE}"
    )
    print(
        f"checkouts/s {med('per_second'):.0f}   201 {med('201'):.0f}   402 {med('402'):.0f}   "
        f"other {med('other'):.0f}   checkout p50 {med('checkout', 'p50'):.0f} / p99 {med('checkout', 'p99'):.0f} ms   "
        f"web CPU per checkout {med('cpu_ms') / args.checkouts:.1f} ms"
    )
    print(
        f"event-loop lag p50 / p99: with {med('lag_during', 'p50'):.2f} / {lag_p99:.2f} ms, "
        f"without {med('lag_alone', 'p50'):.2f} / {med('lag_alone', 'p99'):.2f} ms "
        f"(<= 5 ms: {med('lag_during', 'le5'):.1%} of samples with, {med('lag_alone', 'le5'):.1%} without; "
        f"worst sample <= {med('lag_during', 'max_bucket') * 1e3:g} ms)"
    )
    print(
        f"GET /health p50 / p99: with {med('health_during', 'p50'):.2f} / {med('health_during', 'p99'):.2f}, "
        f"without {med('health_alone', 'p50'):.2f} / {med('health_alone', 'p99'):.2f} ms"
    )
    print(
        f"GET /api/catalog/categories p50 / p99: with {med('get_during', 'p50'):.2f} / {med('get_during', 'p99'):.2f}, "
        f"without {med('get_alone', 'p50'):.2f} / {med('get_alone', 'p99'):.2f} ms; "
        f"with/without p50 {ratio(med('get_during', 'p50'), med('get_alone', 'p50'))} "
        f"p99 x{get_ratio:.2f} (per run: {per_run})"
    )
    if judged:
        print(
            f"targets: loop lag p99 <= 5 ms: {'met' if lag_p99 <= 5 else 'MISSED'} ({lag_p99:.2f} ms); "
            f"unrelated GET p99 within x1.2: {'met' if get_ratio <= 1.2 else 'MISSED'} (x{get_ratio:.2f})"
        )


async def orchestrate(args, services: Services, server, standin) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        setup = await set_up(http, services.database_url, args.checkouts, args.runs * len(args.latencies))
    print(
        f"# set up: {INSTRUCTORS} instructors, {args.checkouts} students with a saved card; load {loadavg()}",
        flush=True,
    )
    results: dict[int, list[dict]] = {latency: [] for latency in args.latencies}
    burst = 0
    for run in range(args.runs):
        for latency in args.latencies if run % 2 == 0 else tuple(reversed(args.latencies)):
            results[latency].append(await one_run(args, burst, latency, setup, server, standin, services))
            burst += 1
            show(run + 1, latency, results[latency][-1])
    for n, (latency, rs) in enumerate(results.items()):
        summarize(args, latency, rs, judged=n == 0)
    print(f"# loadavg at the end {loadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=200)
    parser.add_argument(
        "--latencies", default="300,0", help="ms, comma-separated; the first is judged, the others are controls"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe-rate", type=float, default=100, help="per second, for each of the two GETs")
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--profile", metavar="FILE", help="py-spy the web process during run 1's checkouts")
    args = parser.parse_args()
    args.latencies = tuple(int(x) for x in args.latencies.split(",") if x)
    check_cpus()
    pin_to(CLIENT_CORE)
    raise_fd_limit(args.checkouts * 4 + 1024)
    import uvloop

    print(
        f"# {args.checkouts} concurrent checkouts (POST /api/bookings < 24 h ahead, card authorized before the 201), "
        f"Stripe stand-in at {'/'.join(map(str, args.latencies))} ms; one socketify process on CPU {SERVER_CORE}, "
        f"client and stand-in "
        f"on CPU {CLIENT_CORE}; {args.runs} runs; loadavg {loadavg()}",
        flush=True,
    )
    os.environ.update(CHEAP_PASSWORDS, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    os.environ.pop("STRIPE_SECRET_KEY", None)
    with stripe_standin(CLIENT_CORE, WEBHOOK_SECRET) as standin, s3_standin(), Services(seed=True) as services:
        os.environ["STRIPE_API_BASE"] = standin.base_url
        server = start_server("socketify", services)
        try:
            standin.configure(webhook_url=f"{server.url}/api/payments/webhook")
            uvloop.run(orchestrate(args, services, server, standin))
        finally:
            server.stop()
            forget_arq_jobs(services)


if __name__ == "__main__":
    main()
