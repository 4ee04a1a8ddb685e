"""C concurrent bookings of one open slot from C distinct students, across 2 web processes per kind.

Set-up through the API: an instructor registers and logs in, offers a service (`PUT
/api/instructors/me/services/{id}` with the piano id from `GET /api/catalog/categories`) and saves
open weeks. The C students are inserted straight into `users` (one argon2 hash shared by all:
hashing C passwords through /api/auth/register + login costs ~1 s of CPU each on this machine),
get real tokens signed with the servers' SECRET_KEY, and save a test card through the API (booking
needs one; at a Stripe stand-in the bench starts unless STRIPE_API_BASE is set). Then, per run and server kind, C `POST
/api/bookings` for the same slot (a new slot per run) leave one process (aiohttp, CPU 0) at once,
half to each web process (CPU 1). Prints 201 / 409 / other counts, latency p50 / p99 / max, the
wall time of the burst, server CPU per request, and checks that exactly one booking row exists
for the slot. Kinds alternate order run by run; medians and socketify/uvicorn ratios at the end.

    .venv/bin/python bench/booking_race.py [--concurrency 200] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
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
    s3_standin,
    sched_ns,
    servers,
    summary_ms,
)

KINDS = ("uvicorn", "socketify")
OFFER = {"hourly_rate_cents": 6000, "durations_minutes": [30, 60], "age_groups": ["adults"], "locations": ["online"]}


def first_monday(days_ahead: int = 8) -> date:
    day = datetime.now(UTC).date() + timedelta(days=days_ahead)
    return day + timedelta(days=(7 - day.weekday()) % 7)


async def set_up(services: Services, base_url: str, runs: int, concurrency: int) -> dict:
    import asyncpg
    import httpx
    from argon2 import PasswordHasher

    from app.core.auth import Tokens

    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        # Only live instructors are bookable: onboarded through the API and the stand-ins.
        from tests.support.accounts import Accounts

        made = await Accounts(http, database_url=services.database_url).instructor(timezone="UTC")
        instructor_id, auth = made.id, made.headers
        categories = (await http.get("/api/catalog/categories")).json()
        service_id = next(s["id"] for c in categories for s in c["services"] if s["slug"] == "piano")
        response = await http.put(f"/api/instructors/me/services/{service_id}", json=OFFER, headers=auth)
        assert response.status_code == 200, response.text
        # one slot per run: day k of week k // 7, 10:00-11:00 UTC, inside 09:00-17:00 open every day
        slots = []
        monday = first_monday()
        for week in range((runs + 6) // 7):
            week_start = monday + timedelta(weeks=week)
            path = f"/api/instructors/{instructor_id}/availability/weeks/{week_start.isoformat()}"
            etag = (await http.get(path, headers=auth)).headers["etag"]
            days = {
                (week_start + timedelta(days=d)).isoformat(): [{"start": "09:00", "end": "17:00"}] for d in range(7)
            }
            response = await http.put(path, json={"days": days}, headers={**auth, "If-Match": etag})
            assert response.status_code == 200, response.text
            slots += [week_start + timedelta(days=d) for d in range(7)]

    password_hash = PasswordHasher().hash("bench-student-password")
    conn = await asyncpg.connect(services.database_url)
    try:
        emails = [f"race-student-{i}@bench.test" for i in range(concurrency)]
        rows = await conn.fetch(
            "INSERT INTO users (email, password_hash, full_name, role, timezone, created_at) "
            "SELECT e, $2, 'Race Student', 'student', 'UTC', now() FROM unnest($1::text[]) AS e RETURNING id",
            emails,
            password_hash,
        )
    finally:
        await conn.close()
    tokens = Tokens(services.secret_key, 3600)
    students = [tokens.issue(row["id"])[0] for row in rows]
    # Booking needs a saved card: each student saves the stand-in's test Visa through the API.
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as http:
        gate = asyncio.Semaphore(20)

        async def save_card(token: str) -> None:
            async with gate:
                response = await http.post(
                    "/api/me/payment-methods",
                    json={"payment_method_id": "pm_card_visa"},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 201, response.text

        await asyncio.gather(*(save_card(token) for token in students))
    return {"instructor_id": instructor_id, "service_id": service_id, "slots": slots[:runs], "students": students}


async def race(kind: str, group: list, setup: dict, slot_day: date, concurrency: int, services: Services) -> dict:
    import aiohttp
    import asyncpg

    start_iso = f"{slot_day.isoformat()}T10:00:00+00:00"
    body = {
        "instructor_id": setup["instructor_id"],
        "service_id": setup["service_id"],
        "start": start_iso,
        "duration_minutes": 60,
    }
    urls = [f"{server.url}/api/bookings" for server in group]
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        # open the connections first, so the burst measures bookings rather than TCP handshakes
        async def warm(i: int) -> None:
            async with session.get(f"{group[i % len(group)].url}/health") as response:
                await response.read()

        await asyncio.gather(*(warm(i) for i in range(concurrency)))
        go = asyncio.Event()
        latencies: list[int] = []
        statuses: list[int] = []
        others: list[str] = []

        async def attempt(i: int) -> None:
            headers = {"Authorization": f"Bearer {setup['students'][i]}"}
            await go.wait()
            started = time.perf_counter_ns()
            async with session.post(urls[i % len(urls)], json=body, headers=headers) as response:
                text = await response.text()
                latencies.append(time.perf_counter_ns() - started)
                statuses.append(response.status)
                if response.status not in (201, 409) and len(others) < 3:
                    others.append(f"{response.status} {text[:200]}")

        tasks = [asyncio.ensure_future(attempt(i)) for i in range(concurrency)]
        await asyncio.sleep(0.2)  # every task is parked on the event
        cpu0 = sum(sched_ns(s.pid)[0] for s in group)
        burst_started = time.perf_counter_ns()
        go.set()
        await asyncio.gather(*tasks)
        wall_ms = (time.perf_counter_ns() - burst_started) / 1e6
        cpu = (sum(sched_ns(s.pid)[0] for s in group) - cpu0) / 1e9
    conn = await asyncpg.connect(services.database_url)
    try:
        rows = await conn.fetchval(
            "SELECT count(*) FROM bookings WHERE instructor = $1 AND start_at = $2",
            setup["instructor_id"],
            datetime.fromisoformat(start_iso),
        )
    finally:
        await conn.close()
    return {
        "kind": kind,
        "201": statuses.count(201),
        "409": statuses.count(409),
        "other": len(statuses) - statuses.count(201) - statuses.count(409),
        "other_samples": others,
        "latency": summary_ms(latencies),
        "wall_ms": wall_ms,
        "cpu_ms_per_request": cpu / concurrency * 1e3,
        "rows": rows,
    }


async def orchestrate(args: argparse.Namespace, services: Services, started: dict) -> None:
    first = next(iter(started.values()))[0]
    setup = await set_up(services, first.url, args.runs * len(args.kinds), args.concurrency)
    slots = iter(setup["slots"])
    results: dict[str, list[dict]] = {kind: [] for kind in args.kinds}
    failures = 0
    for run in range(1, args.runs + 1):
        for kind in args.kinds if run % 2 else tuple(reversed(args.kinds)):
            r = await race(kind, started[kind], setup, next(slots), args.concurrency, services)
            results[kind].append(r)
            ok = r["rows"] == 1 and r["201"] == 1
            failures += not ok
            lat = r["latency"]
            print(
                f"run {run}  {kind:<9}  201: {r['201']}  409: {r['409']}  other: {r['other']}  "
                f"booking rows for the slot: {r['rows']} ({'ok' if ok else 'WRONG'})   latency p50 {lat['p50']:7.1f}"
                f"  p99 {lat['p99']:7.1f}  max {lat['max']:7.1f} ms   burst {r['wall_ms']:7.1f} ms   "
                f"server CPU {r['cpu_ms_per_request']:.2f} ms/request",
                flush=True,
            )
            for sample in r["other_samples"]:
                print(f"    other: {sample}")
    print(
        f"\n## medians over {args.runs} runs, {args.concurrency} concurrent bookings of one slot "
        f"over 2 web processes per kind"
    )
    med = {
        kind: {
            "p50": median([r["latency"]["p50"] for r in rs]),
            "p99": median([r["latency"]["p99"] for r in rs]),
            "max": median([r["latency"]["max"] for r in rs]),
            "wall": median([r["wall_ms"] for r in rs]),
            "cpu": median([r["cpu_ms_per_request"] for r in rs]),
        }
        for kind, rs in results.items()
    }
    for kind, m in med.items():
        print(
            f"{kind:<9}  latency p50 {m['p50']:7.1f}  p99 {m['p99']:7.1f}  max {m['max']:7.1f} ms   "
            f"burst {m['wall']:7.1f} ms   server CPU {m['cpu']:.2f} ms/request"
        )
    if {"socketify", "uvicorn"} <= set(args.kinds):
        s, u = med["socketify"], med["uvicorn"]
        print(
            f"socketify/uvicorn  p50 {ratio(s['p50'], u['p50'])}  p99 {ratio(s['p99'], u['p99'])}  "
            f"burst {ratio(s['wall'], u['wall'])}  CPU/request {ratio(s['cpu'], u['cpu'])}"
        )
    print(
        f"exactly one booking per slot in {sum(len(rs) for rs in results.values()) - failures} of "
        f"{sum(len(rs) for rs in results.values())} runs"
    )
    print(f"# loadavg at the end {loadavg()}")
    if failures:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    args.kinds = tuple(k for k in args.kinds.split(",") if k)
    check_cpus()
    pin_to(CLIENT_CORE)
    raise_fd_limit(args.concurrency * 2 + 1024)
    import uvloop

    print(
        f"# {args.concurrency} concurrent POST /api/bookings for one slot, 2 web processes per kind on CPU "
        f"{SERVER_CORE}, client on CPU {CLIENT_CORE}; {args.runs} runs; loadavg {loadavg()}",
        flush=True,
    )
    with ExitStack() as stack:
        if not os.environ.get("STRIPE_API_BASE") and not os.environ.get("STRIPE_SECRET_KEY"):
            # The web processes save cards at the local Stripe stand-in (they read STRIPE_API_BASE).
            from standins.stripe.launch import start_stripe_standin

            standin = stack.enter_context(start_stripe_standin(Path(tempfile.mkdtemp(prefix="bench-stripe-"))))
            os.environ["STRIPE_API_BASE"] = standin.base_url
        # The factory signs the onboarding webhooks it delivers as the servers verify them.
        os.environ.setdefault("STRIPE_WEBHOOK_SECRET", "whsec_bench")
        stack.enter_context(s3_standin())
        services = stack.enter_context(Services(seed=True))
        started = stack.enter_context(servers([(kind, 2) for kind in args.kinds], services))
        uvloop.run(orchestrate(args, services, started))


if __name__ == "__main__":
    main()
