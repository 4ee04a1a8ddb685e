"""Search at scale (issue 13): N live instructors across the city, each with weekly hours (the template
governs the next 8 weeks and on), and `GET /api/search` p50 / p99 for ~20 natural-language queries, one
at a time and 16 at once, against one socketify web process; beside it the same searches without the
next-slots work, measured in-process.

Set-up through the API only (the project's rule: live instructors through the real onboarding flow):
tests/support/accounts.py `Accounts.instructor()` (profile, piano, identity and payouts on the Stripe
stand-in's hosted pages, a background-check PDF on the S3 stand-in approved by an admin, go live), run
`--setup-concurrency` at a time; then each gets a place (a zip or neighbourhood from app/places' data,
spread over the five boroughs) and radius, one catalog service (varied rate, age groups, online for
some; piano dropped when another was chosen) and weekly hours by `PUT .../availability/template`.

Measured, web process on CPU 1, this script on CPU 0:
- `http`: `GET /api/search?q=...` for every query, `--rounds` times, one at a time; then the same
  requests 16 at a time (16 keep-alive connections). Next slots included (the API has no switch).
- `in-process`: a child process on CPU 1 (the web process idle) opens the app's services as a worker
  does and times, per query, `app.search.service.search` (the API's work minus HTTP) and the same
  search without next slots: filters, `candidates` for one page, `results_of` with no slots (with a
  time window the real search keeps only candidates with an open slot inside it, chunk by chunk; the
  variant without slots takes the first page of candidates, so it shows what the window costs too).
  The time spent computing slots inside the real search is summed beside it (`slots_of_many`: the
  slots alone, each instructor's availability is read with its candidates).
- CPU per search, what the two cores' throughput hangs on (wall times move with the machine's load):
  over each HTTP run (schedstat, warm-up included) per request, the web process's on-CPU time,
  PostgreSQL's backends' and this script's (the load generator's); and the child's own CPU time
  (process_time) around each search, one at a time.

    .venv/bin/python bench/search_at_scale.py [--instructors 10000] [--rounds 10] [--setup-concurrency 32]
        [--keep-database NAME [--setup-only]]   # set up once (long at 10,000), measure again later
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CHEAP_PASSWORDS,
    CLIENT_CORE,
    PYTHON,
    ROOT,
    SERVER_CORE,
    Services,
    check_cpus,
    forget_arq_jobs,
    loadavg,
    pin_to,
    py_spy,
    raise_fd_limit,
    ratio,
    s3_standin,
    sched_ns,
    sched_ns_of_named,
    sched_ns_with_children,
    start_server,
    stripe_standin,
    summary_ms,
)

WEBHOOK_SECRET = "whsec_bench"
CONCURRENT = 16
QUERIES = (
    "piano lessons for my 8 year old in Park Slope under $80 this weekend",
    "guitar in Astoria",
    "spanish tutor online",
    "piano 11215",
    "pianno lessons in Brooklyn",
    "voice lessons in Harlem",
    "math tutor for my teen in the Bronx under 60 dollars",
    "chess for kids in Staten Island",
    "violin Upper West Side tomorrow evening",
    "drums Williamsburg after 6pm on weekdays",
    "swimming lessons for kids in Queens",
    "yoga in Manhattan under $100",
    "guitar lessons 10025",
    "spanish in Flushing this weekend",
    "piano near 10301",
    "singing for adults online",
    "pilates in Forest Hills",
    "coding for my 12 year old online",
    "drawing classes in Bushwick",
    "french tutor in Manhattan",
)
# Weekly hours, varied: (weekdays, start, end) in the instructor's zone.
HOURS = (
    (("mon", "tue", "wed", "thu", "fri"), "09:00", "17:00"),
    (("mon", "wed", "fri"), "16:00", "21:00"),
    (("sat", "sun"), "10:00", "18:00"),
    (("tue", "thu", "sat"), "08:00", "12:00"),
    (("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "07:00", "22:00"),
)
AGE_CHOICES = (["kids"], ["kids", "teens"], ["teens", "adults"], ["adults"], ["kids", "teens", "adults"])


def places() -> list[dict]:
    """Profile locations spread over the five boroughs: every neighbourhood of the gazetteer, its zip."""
    data = json.loads((ROOT / "app/places/data/nyc_neighborhoods.json").read_text())
    found = []
    for n in data["neighborhoods"]:
        found.append({"neighborhood": n["name"]})
        if n.get("zip"):
            found.append({"zip": n["zip"]})
    return found


def instructor_plan(i: int, rng: random.Random, locations: list[dict], services: list[int]) -> dict:
    service_id = services[i % len(services)]
    online = rng.random() < 0.3
    offer = {
        "hourly_rate_cents": rng.randrange(3000, 15001, 500),
        "durations_minutes": rng.choice(([30, 60], [60], [45, 90], [30])),
        "age_groups": rng.choice(AGE_CHOICES),
        "locations": ["online", "student_home"] if online else rng.choice((["student_home"], ["instructor_studio"])),
    }
    days, start, end = rng.choice(HOURS)
    weekdays = {d: ([{"start": start, "end": end}] if d in days else []) for d in HOURS[4][0]}
    profile = {
        "headline": f"Teacher number {i}",
        "location": rng.choice(locations),
        "service_radius_miles": rng.choice((2, 3, 5, 8, 10)),
    }
    return {"service_id": service_id, "offer": offer, "weekdays": weekdays, "profile": profile}


async def make_instructor(accounts, http, plan: dict, piano_id: int) -> None:
    who = await accounts.instructor()
    await accounts.call("PUT", "/api/instructors/me/profile", who, 200, json=plan["profile"])
    await accounts.call("PUT", f"/api/instructors/me/services/{plan['service_id']}", who, 200, json=plan["offer"])
    if plan["service_id"] != piano_id:
        await accounts.call("DELETE", f"/api/instructors/me/services/{piano_id}", who, 204)
    path = f"/api/instructors/{who.id}/availability/template"
    etag = (await http.get(path, headers=who.headers)).headers["etag"]
    response = await http.put(path, json={"weekdays": plan["weekdays"]}, headers={**who.headers, "If-Match": etag})
    assert response.status_code == 200, response.text


async def set_up(http, services: Services, standin, count: int, concurrency: int, seed: int) -> float:
    from tests.support.accounts import Accounts

    accounts = Accounts(
        http, database_url=services.database_url, stripe_api_base=standin.base_url, webhook_secret=WEBHOOK_SECRET
    )
    await accounts.admin()  # made once, before the concurrent onboarding
    categories = (await http.get("/api/catalog/categories")).json()
    catalog = sorted({s["id"] for c in categories for s in c["services"]})
    piano_id = next(s["id"] for c in categories for s in c["services"] if s["slug"] == "piano")
    rng, locations = random.Random(seed), places()
    plans = [instructor_plan(i, rng, locations, catalog) for i in range(count)]
    gate, done, started = asyncio.Semaphore(concurrency), 0, time.monotonic()

    async def one(plan: dict) -> None:
        nonlocal done
        async with gate:
            await make_instructor(accounts, http, plan, piano_id)
        done += 1
        if done % 250 == 0 or done == count:
            spent = time.monotonic() - started
            print(f"#   {done} live instructors in {spent:.0f} s ({done / spent:.1f}/s)", flush=True)

    await asyncio.gather(*(one(plan) for plan in plans))
    return count / (time.monotonic() - started)


async def measure_http(base_url: str, rounds: int, concurrency: int) -> dict:
    """Latency of every query `rounds` times, `concurrency` requests in flight; per query and overall."""
    import aiohttp

    work = [q for _ in range(rounds) for q in QUERIES]
    per_query: dict[str, list[int]] = {q: [] for q in QUERIES}
    counts: dict[str, int] = {}
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        # Warm-up: every query once, `concurrency` at a time (caches, prepared statements, and as many
        # pooled connections as the measurement holds: a new one costs a cold start once, not per search).
        async def warm(q: str) -> None:
            async with session.get(f"{base_url}/api/search?{urlencode({'q': q})}") as response:
                counts[q] = len((await response.json()).get("results", []))

        await asyncio.gather(*(warm(q) for q in QUERIES))
        queue = list(reversed(work))
        started = time.perf_counter()

        async def worker() -> None:
            while queue:
                q = queue.pop()
                at = time.perf_counter_ns()
                async with session.get(f"{base_url}/api/search?{urlencode({'q': q})}") as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                per_query[q].append(time.perf_counter_ns() - at)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    every = [ns for values in per_query.values() for ns in values]
    return {
        "all": summary_ms(every),
        "per_query": {q: summary_ms(v) for q, v in per_query.items()},
        "results": counts,
        "statuses": statuses,
        "per_second": len(work) / elapsed,
    }


def measure_in_process(services: Services, rounds: int) -> dict:
    """The child on CPU 1 (see `_child`); its JSON on stdout."""
    done = subprocess.run(
        ["taskset", "-c", str(SERVER_CORE), PYTHON, str(Path(__file__).resolve()), "--child", str(rounds)],
        env=services.env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode:
        raise RuntimeError(f"in-process measurement failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


async def _child(rounds: int) -> None:
    """In-process: the real search, and the same search without next slots, alternating per query."""
    from app.cli import resolved_settings
    from app.core.db import one_connection
    from app.core.heap import freeze_startup_heap
    from app.search import service as search_service
    from app.search.cursor import search_fingerprint
    from app.search.filters import SearchAsk, resolve
    from app.search.query import candidates
    from app.services import open_services
    from realtime.publisher import Publisher

    settings = resolved_settings()
    publisher = Publisher.connect(settings.redis_url or "", settings.redis_prefix, settings.channel_history)
    services = await open_services(settings, publisher, pool_size=20, search_pool_size=8)
    freeze_startup_heap()  # as `python -m app serve` does before it serves
    slots_ns = [0]
    real_slots_of_many = search_service.slots_of_many

    def timed_slots_of_many(*args, **kw):
        at = time.perf_counter_ns()
        try:
            return real_slots_of_many(*args, **kw)
        finally:
            slots_ns[0] += time.perf_counter_ns() - at

    search_service.slots_of_many = timed_slots_of_many  # a timer around the batch, the batch unchanged

    async def with_slots(q: str) -> None:
        await search_service.search(services, SearchAsk(q=q), None)

    async def without_slots(q: str) -> None:
        ask = SearchAsk(q=q)
        async with one_connection(services.engine, services.search_pool):  # as the search reads
            filters, heard = await resolve(ask, None)
            search_fingerprint({**ask.fingerprint_parts(), "tz": str(filters.tz)})
            rows = await candidates(filters, None, ask.limit + 1)
        await search_service.results_of(services, rows[: ask.limit], {})
        search_service.understood_out(heard)

    async def timed(fn, q: str, cpu: list[int] | None = None) -> int:
        at, cpu_at = time.perf_counter_ns(), time.process_time_ns()
        await fn(q)
        if cpu is not None:
            cpu.append(time.process_time_ns() - cpu_at)
        return time.perf_counter_ns() - at

    out: dict = {"with": [], "without": [], "with_16": [], "without_16": [], "cpu_with": [], "cpu_without": []}
    try:
        for q in QUERIES:  # warm-up
            await with_slots(q)
            await without_slots(q)
        slots_ns[0] = 0
        for r in range(rounds):
            for q in QUERIES:
                pair = ((with_slots, "with"), (without_slots, "without"))
                for fn, key in pair if r % 2 == 0 else tuple(reversed(pair)):
                    out[key].append(await timed(fn, q, out[f"cpu_{key}"]))
        out["slots_ns_one_at_a_time"] = slots_ns[0]
        await asyncio.gather(*(with_slots(q) for q in QUERIES[:CONCURRENT]))  # the pool at 16, as over HTTP
        for fn, key in ((with_slots, "with_16"), (without_slots, "without_16")):
            queue = [q for _ in range(rounds) for q in QUERIES]

            async def worker(fn=fn, key=key, queue=queue) -> None:
                while queue:
                    out[key].append(await timed(fn, queue.pop()))

            await asyncio.gather(*(worker() for _ in range(CONCURRENT)))
    finally:
        await services.aclose()
        await publisher.aclose()
    print(json.dumps({k: (summary_ms(v) if isinstance(v, list) else v) for k, v in out.items()}))


def show(title: str, s: dict) -> str:
    return f"{title}: p50 {s['p50']:.1f} / p99 {s['p99']:.1f} / max {s['max']:.1f} ms (n={s['n']})"


async def orchestrate(args, services: Services, server, standin) -> None:
    import httpx

    limits = httpx.Limits(max_connections=args.setup_concurrency * 2)
    async with httpx.AsyncClient(base_url=server.url, timeout=300, limits=limits) as http:
        if services.reused:
            print(f"# set up: database {services.db_name} as a previous run left it", flush=True)
        else:
            rate = await set_up(http, services, standin, args.instructors, args.setup_concurrency, args.seed)
            print(f"# set up: {args.instructors} live instructors at {rate:.1f}/s; load {loadavg()}", flush=True)
    if args.setup_only:
        return

    def cpu_ns() -> tuple[int, int, int, int]:
        """Around each HTTP run: the web process's (with `--web-processes`, its workers' too) on CPU and
        waiting for it, PostgreSQL's backends' and this process's (the load generator's) on CPU."""
        web_run, web_wait = sched_ns_with_children(server.pid)
        return web_run, web_wait, sched_ns_of_named(("postgres",)), sched_ns()[0]

    readings = [cpu_ns()]
    one = await measure_http(server.url, args.rounds, 1)
    readings.append(cpu_ns())
    with py_spy(args.profile, server.pid):
        many = await measure_http(server.url, args.rounds, CONCURRENT)
    readings.append(cpu_ns())
    asked = (args.rounds + 1) * len(QUERIES)  # with the warm-up round
    # per request, [one at a time, 16 at once] of: web on CPU, web waiting, PostgreSQL, load generator
    web_run, web_wait, pg_ms, client_ms = (
        [(readings[i + 1][k] - readings[i][k]) / 1e6 / asked for i in (0, 1)] for k in range(4)
    )
    print("\n## per query, HTTP (results on the first page; p50 / p99 ms one at a time | 16 at once)")
    for q in QUERIES:
        a, b = one["per_query"][q], many["per_query"][q]
        print(f"  {one['results'][q]:>2}  {a['p50']:6.1f} / {a['p99']:6.1f} | {b['p50']:6.1f} / {b['p99']:6.1f}  {q}")
    print(f"  statuses: one at a time {one['statuses']}, 16 at once {many['statuses']}")
    inproc = measure_in_process(services, args.rounds)
    w, wo, w16, wo16 = inproc["with"], inproc["without"], inproc["with_16"], inproc["without_16"]
    slots_ms = inproc["slots_ns_one_at_a_time"] / 1e6 / max(1, w["n"])
    print(f"\n## {args.instructors} live instructors, {len(QUERIES)} queries x {args.rounds} rounds; load {loadavg()}")
    print(show("HTTP GET /api/search, one at a time     ", one["all"]) + f"  {one['per_second']:.0f} req/s")
    print(show("HTTP GET /api/search, 16 at once        ", many["all"]) + f"  {many['per_second']:.0f} req/s")
    print(show("in-process search, one at a time        ", w))
    print(show("in-process without next slots, one      ", wo) + f"  with/without p50 {ratio(w['p50'], wo['p50'])} "
          f"p99 {ratio(w['p99'], wo['p99'])}")  # fmt: skip
    print(f"web process CPU per HTTP search: {web_run[0]:.2f} ms one at a time, {web_run[1]:.2f} ms 16 at once "
          f"(waiting for CPU {SERVER_CORE}: {web_wait[0]:.2f} / {web_wait[1]:.2f} ms)")  # fmt: skip
    print(f"PostgreSQL CPU per HTTP search: {pg_ms[0]:.2f} ms one at a time, {pg_ms[1]:.2f} ms 16 at once; "
          f"load generator (this process) {client_ms[0]:.2f} / {client_ms[1]:.2f} ms")  # fmt: skip
    cw, cwo = inproc["cpu_with"], inproc["cpu_without"]
    print(f"in-process CPU per search, one at a time: p50 {cw['p50']:.2f} / p99 {cw['p99']:.2f} ms; without next "
          f"slots p50 {cwo['p50']:.2f} / p99 {cwo['p99']:.2f} ms")  # fmt: skip
    print(show("in-process search, 16 at once           ", w16))
    print(show("in-process without next slots, 16       ", wo16) + f"  with/without p50 "
          f"{ratio(w16['p50'], wo16['p50'])} p99 {ratio(w16['p99'], wo16['p99'])}")  # fmt: skip
    print(f"slots batch inside the real search, one at a time: {slots_ms:.2f} ms per search on average "
          f"({slots_ms / w['p50']:.0%} of its p50)" if w["p50"] == w["p50"] else "")  # fmt: skip
    verdicts = [f"{label} {'met' if run['all']['p99'] <= 50 else 'MISSED'} ({run['all']['p99']:.1f} ms)"
                for label, run in (("one at a time", one), ("16 at once", many))]  # fmt: skip
    print(f"target p99 <= 50 ms with next slots (HTTP): {'; '.join(verdicts)}")


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        import uvloop

        uvloop.run(_child(int(sys.argv[2])))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instructors", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=10, help="times each query is asked per measurement")
    parser.add_argument("--setup-concurrency", type=int, default=32)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--keep-database", metavar="NAME",
        help="set up into database NAME and keep it; a later run with the same NAME measures it without set-up",
    )  # fmt: skip
    parser.add_argument("--setup-only", action="store_true", help="with --keep-database: set up, measure nothing")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the web process during the HTTP 16 at once")
    parser.add_argument(
        "--web-processes", type=int, default=1,
        help="HTTP against this many socketify workers on one port, not pinned (as `serve --workers N` on this "
        "machine); the in-process figures are one process's",
    )  # fmt: skip
    args = parser.parse_args()
    check_cpus()
    pin_to(CLIENT_CORE)
    raise_fd_limit(4096)
    import uvloop

    web = (
        f"{args.web_processes} socketify workers on both CPUs" if args.web_processes > 1
        else f"one socketify process on CPU {SERVER_CORE}"
    )  # fmt: skip
    print(
        f"# search at scale: {args.instructors} live instructors, {len(QUERIES)} queries x {args.rounds}; {web}, "
        f"client and stand-ins on CPU {CLIENT_CORE}; loadavg {loadavg()}",
        flush=True,
    )
    os.environ.update(CHEAP_PASSWORDS, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    os.environ.pop("STRIPE_SECRET_KEY", None)
    kept = {"db_name": args.keep_database, "keep": True} if args.keep_database else {}
    with stripe_standin(CLIENT_CORE, WEBHOOK_SECRET) as standin, s3_standin(), Services(seed=True, **kept) as services:
        os.environ["STRIPE_API_BASE"] = standin.base_url
        if args.web_processes > 1:  # the web workers on both cores, beside the client and PostgreSQL
            server = start_server("socketify", services, f"{CLIENT_CORE},{SERVER_CORE}", workers=args.web_processes)
        else:
            server = start_server("socketify", services)
        try:
            standin.configure(webhook_url=f"{server.url}/api/payments/webhook")
            uvloop.run(orchestrate(args, services, server, standin))
        finally:
            server.stop()
            forget_arq_jobs(services)


if __name__ == "__main__":
    main()
