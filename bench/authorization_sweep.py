"""One arq worker clears N payments due for authorization at once, with the Stripe calls overlapping,
against the same worker made to run them one at a time.

Per run and mode, a fresh throwaway database, Redis prefix and Stripe stand-in, and one socketify web
process with TEST_CLOCK=1 (CPU 1). Set-up through the API (stand-in at no latency): 50 instructors
(UTC, piano, open around the clock), 100 students each saving `pm_card_visa`, and N bookings of
30 min, 10 per student, all starting in one 10 h band about 49 h ahead (so each is `scheduled`,
authorize_at = start - 24 h, and none is near its failure deadline when the clock moves); an admin
from `python -m app create-admin`. Then the stand-in's `latency_ms` goes to `--latency-ms`, one
worker starts on CPU 1, and the admin moves the clock (`POST /api/test/clock`) past the last
authorize_at: every payment is due at once. The clock starts there; it stops when PostgreSQL counts
N payments `authorized` (polled every 50 ms; the stand-in's count of authorizations is checked too).

Modes: `overlapping` is `python -m app worker` as shipped (the cron sweep, tasks/payments.py
`sweep_payments_due` -> app/payments/authorization.py `sweep_authorizations`); `one_at_a_time` is
the same worker with the sweep's concurrency (`SWEEP_CONCURRENCY`) set to 1 and arq's `max_jobs` to
1, so cron runs cannot overlap either. `one_batch` (a what-if, not shipped) is the shipped worker
with `SWEEP_BATCH` (200 per cron tick, every 3 s) raised so that one sweep takes everything due.
The arq triggers deferred to each authorize_at stay asleep (arq waits on the wall clock, not on the
test clock): the sweep clears everything, as after a Redis loss. Modes alternate order run by run;
medians and the ratios to one_at_a_time at the end.

    .venv/bin/python bench/authorization_sweep.py [--payments 1000] [--latency-ms 50] [--runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CHEAP_PASSWORDS,
    CLIENT_CORE,
    PYTHON,
    SERVER_CORE,
    Services,
    bounded_gather,
    check_cpus,
    forget_arq_jobs,
    loadavg,
    median,
    open_instructor,
    pin_to,
    s3_standin,
    sched_ns,
    start_server,
    start_worker,
    stripe_standin,
    student_with_card,
)

INSTRUCTORS = 50
STUDENTS = 100
LESSON = timedelta(minutes=30)
WEBHOOK_SECRET = "whsec_bench"
ADMIN = {"email": "admin@bench.test", "password": "bench-admin-password-1"}
ONE_AT_A_TIME = (
    "import app.payments.authorization as authorization, tasks.worker as worker\n"
    "authorization.SWEEP_CONCURRENCY = 1\n"
    "shipped = worker.worker_settings\n"
    "worker.worker_settings = lambda settings: {**shipped(settings), 'max_jobs': 1}\n"
    "from app.cli import main\n"
    "main(['worker'])\n"
)
# What the sweep would do if one run took everything due, not SWEEP_BATCH (200) per 3 s cron tick.
ONE_BATCH = (
    "import app.payments.authorization as authorization\n"
    "authorization.authorizations_due.__defaults__ = (100_000,)  # its limit, SWEEP_BATCH by default\n"
    "from app.cli import main\n"
    "main(['worker'])\n"
)
MODES = {
    "overlapping": ("-m", "app", "worker"),
    "one_at_a_time": ("-c", ONE_AT_A_TIME),
    "one_batch": ("-c", ONE_BATCH),
}


def band_start(now: datetime) -> datetime:
    at = now + timedelta(hours=49)
    return at.replace(minute=0, second=0, microsecond=0) + timedelta(minutes=30 * math.ceil(at.minute / 30))


async def set_up(services: Services, http, payments: int) -> dict:
    per_instructor = math.ceil(payments / INSTRUCTORS)
    start = band_start(datetime.now(UTC))
    last = start + LESSON * (per_instructor - 1)
    if last - start > timedelta(hours=11):
        sys.exit(f"{payments} payments do not fit in an 11 h band at {INSTRUCTORS} instructors")
    mondays = sorted({(d - timedelta(days=d.weekday())) for d in (start.date(), last.date())})
    instructors = await bounded_gather(
        10,
        [
            open_instructor(http, f"instructor-{i}@bench.test", mondays, services.database_url)
            for i in range(INSTRUCTORS)
        ],
    )
    students = await bounded_gather(20, [student_with_card(http, f"student-{i}@bench.test") for i in range(STUDENTS)])

    async def book(k: int) -> None:
        # slot k // INSTRUCTORS of instructor k % INSTRUCTORS: the students of one slot are all different
        instructor_id, service_id = instructors[k % INSTRUCTORS]
        at = start + LESSON * (k // INSTRUCTORS)
        body = {"instructor_id": instructor_id, "service_id": service_id, "start": at.isoformat()}
        response = await http.post(
            "/api/bookings", json={**body, "duration_minutes": 30}, headers=students[k % STUDENTS]
        )
        assert response.status_code == 201, response.text
        assert response.json()["payment"]["status"] == "scheduled", response.text

    await bounded_gather(16, [book(k) for k in range(payments)])
    done = await asyncio.to_thread(
        subprocess.run,
        [PYTHON, "-m", "app", "create-admin", "--email", ADMIN["email"], "--password", ADMIN["password"]],
        env=services.env(),
        cwd=services.root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode:
        raise RuntimeError(f"create-admin failed:\n{done.stdout}\n{done.stderr}")
    login = await http.post("/api/auth/login", json=ADMIN)
    assert login.status_code == 200, login.text
    return {
        "last_authorize_at": last - timedelta(hours=24),
        "admin": {"Authorization": f"Bearer {login.json()['token']}"},
    }


async def worker_ready(services: Services, worker, within: float = 60) -> None:
    """arq writes its health-check key once its loop runs."""
    from redis.asyncio import Redis

    from app.services import arq_queue_name

    key = arq_queue_name(services.settings()) + ":health-check"
    redis = Redis.from_url(services.redis_url)
    try:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                raise RuntimeError(f"the worker exited with {worker.process.returncode}:\n{worker.log_tail()}")
            if await redis.exists(key):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the worker did not start in {within} s:\n{worker.log_tail()}")
    finally:
        await redis.aclose()


async def clear(args, mode: str, services: Services, server, standin) -> dict:
    import asyncpg
    import httpx

    async with httpx.AsyncClient(base_url=server.url, timeout=120) as http:
        setup = await set_up(services, http, args.payments)
        standin.configure(latency_ms=args.latency_ms)
        worker = start_worker(services, SERVER_CORE, MODES[mode])
        conn = await asyncpg.connect(services.database_url)
        try:
            await worker_ready(services, worker)
            await asyncio.sleep(1)  # its start-up sweep has found nothing due
            minutes = math.ceil((setup["last_authorize_at"] - datetime.now(UTC)).total_seconds() / 60) + 1
            cpu0 = sched_ns(worker.pid)
            load = loadavg()
            started = time.perf_counter()
            response = await http.post("/api/test/clock", json={"advance_minutes": minutes}, headers=setup["admin"])
            assert response.status_code == 200, response.text
            deadline = started + args.deadline
            authorized = 0
            while time.perf_counter() < deadline:
                authorized = await conn.fetchval("SELECT count(*) FROM payments WHERE status = 'authorized'")
                if authorized >= args.payments:
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            cpu_run, cpu_wait = (a - b for a, b in zip(sched_ns(worker.pid), cpu0, strict=True))
            statuses = {
                row["status"]: row["n"]
                for row in await conn.fetch("SELECT status, count(*) AS n FROM payments GROUP BY status")
            }
        finally:
            await conn.close()
            worker.stop()
    state = standin.state()
    return {
        "seconds": elapsed,
        "cleared": authorized >= args.payments,
        "per_second": authorized / elapsed,
        "in_flight": authorized / elapsed * args.latency_ms / 1000,  # Little's law: calls at Stripe at once
        "statuses": statuses,
        "standin": len(state.get("authorizations", [])),
        "intents": len(state.get("payment_intents", [])),
        "cpu_ms": cpu_run / 1e6,
        "wait_ms": cpu_wait / 1e6,
        "load": load,
    }


def one(args, mode: str) -> dict:
    import uvloop

    os.environ.update(CHEAP_PASSWORDS, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, TEST_CLOCK="1")
    os.environ.pop("STRIPE_SECRET_KEY", None)
    with stripe_standin(CLIENT_CORE, WEBHOOK_SECRET) as standin, s3_standin(), Services(seed=True) as services:
        os.environ["STRIPE_API_BASE"] = standin.base_url
        server = start_server("socketify", services)
        try:
            standin.configure(webhook_url=f"{server.url}/api/payments/webhook")
            return uvloop.run(clear(args, mode, services, server, standin))
        finally:
            server.stop()
            forget_arq_jobs(services)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--deadline", type=float, default=600, help="seconds to wait for one clearing")
    args = parser.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    check_cpus()
    pin_to(CLIENT_CORE)
    print(
        f"# {args.payments} payments due for authorization at once, one arq worker on CPU {SERVER_CORE} "
        f"(web process there too), Stripe stand-in at {args.latency_ms} ms on CPU {CLIENT_CORE}; modes {modes}; "
        f"{args.runs} runs; loadavg {loadavg()}",
        flush=True,
    )
    results: dict[str, list[dict]] = {mode: [] for mode in modes}
    for run in range(1, args.runs + 1):
        for mode in modes if run % 2 else list(reversed(modes)):
            r = one(args, mode)
            results[mode].append(r)
            print(
                f"run {run}  {mode:<13}  {'cleared' if r['cleared'] else 'NOT cleared'} in {r['seconds']:.2f} s "
                f"({r['per_second']:.1f} authorizations/s, ~{r['in_flight']:.1f} calls at Stripe at once); "
                f"payments {r['statuses']}; stand-in: {r['standin']} authorizations, {r['intents']} PaymentIntents; "
                f"worker CPU {r['cpu_ms']:.0f} ms on, {r['wait_ms']:.0f} ms waiting; load at the move {r['load']}",
                flush=True,
            )
    print(f"\n## medians over {args.runs} runs, {args.payments} payments, Stripe at {args.latency_ms} ms")
    for mode, rs in results.items():
        print(
            f"{mode:<13}  {median([r['seconds'] for r in rs]):7.2f} s to clear all   "
            f"{median([r['per_second'] for r in rs]):6.1f} authorizations/s   "
            f"worker CPU per authorization {median([r['cpu_ms'] for r in rs]) / args.payments:.2f} ms"
        )
    if "one_at_a_time" in results:
        serial = median([r["seconds"] for r in results["one_at_a_time"]])
        for mode in (m for m in results if m != "one_at_a_time"):
            per_run = ", ".join(
                f"x{b['seconds'] / a['seconds']:.2f}"
                for a, b in zip(results[mode], results["one_at_a_time"], strict=False)
            )
            print(
                f"one_at_a_time / {mode}: x{serial / median([r['seconds'] for r in results[mode]]):.2f} "
                f"(per run: {per_run})"
            )
    print(f"# loadavg at the end {loadavg()}")


if __name__ == "__main__":
    main()
