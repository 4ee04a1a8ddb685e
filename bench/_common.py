"""Shared plumbing for the benchmarks: throwaway database and Redis prefix, pinned web processes,
percentiles, and per-process CPU / memory readings from /proc.

Not a benchmark itself. Every helper here is bounded: waits have deadlines, servers are stopped
(SIGTERM, then SIGKILL) and the database is dropped when the `Services` context exits. A bench told to
stop (SIGTERM, SIGHUP) exits as after Ctrl-C, through those exits, so its servers and stand-ins (each
in a session of its own) stop with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# pgserver -> platformdirs warns when XDG_RUNTIME_DIR is unset; it changes nothing here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

PYTHON = sys.executable
SERVER_CORE = 1
CLIENT_CORE = 0


def _exit_through_cleanups(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


for _stop in (signal.SIGTERM, signal.SIGHUP):
    signal.signal(_stop, _exit_through_cleanups)


def pin_to(core: int) -> None:
    """Pin this process (and the children it starts without taskset) to one CPU."""
    if len(os.sched_getaffinity(0)) < 2 and core not in os.sched_getaffinity(0):
        return
    os.sched_setaffinity(0, {core})


@contextlib.contextmanager
def services_pinned_to(core: int, names: tuple[str, ...] = ("postgres", "redis-server")) -> Iterator[list[int]]:
    """Pin every running process named in `names` (PostgreSQL's postmaster and backends, Redis) to
    one CPU, every thread of them, for the duration; their affinity is restored after. PostgreSQL
    forks later backends from the postmaster, so they inherit it. Left as they are where this
    process may not change them. Yields the pids pinned."""
    from tests.support.processes import pids_named

    saved: dict[int, set[int]] = {}
    for pid in pids_named(names):
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{pid}/task").iterdir():
                tid = int(task.name)
                previous = os.sched_getaffinity(tid)
                os.sched_setaffinity(tid, {core})
                saved[tid] = previous
    try:
        yield sorted(saved)
    finally:
        for tid, previous in saved.items():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(tid, previous)


def check_cpus() -> None:
    if os.cpu_count() is None or os.cpu_count() < 2:
        sys.exit("needs two CPUs: the servers on CPU 1, the load generators on CPU 0")


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards `wanted` (at most the hard limit); return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- statistics -------------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values) - 1e-9))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_ms(values_ns: list[int]) -> dict[str, float]:
    """p50 / p99 / max (ms) of nanosecond latencies."""
    if not values_ns:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    values = sorted(values_ns)
    return {
        "n": len(values),
        "p50": percentile(values, 50) / 1e6,
        "p99": percentile(values, 99) / 1e6,
        "max": values[-1] / 1e6,
    }


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> str:
    if not (a == a and b == b) or b == 0:
        return "n/a"
    return f"x{a / b:.2f}"


# ---- /proc readings ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_split(pid: int) -> tuple[float, float]:
    """(user, system) CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def sched_ns(pid: int | str = "self") -> tuple[int, int]:
    """(on-CPU, waiting-on-a-run-queue) nanoseconds summed over a process's threads (/proc/.../schedstat)."""
    run = wait = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:
            continue
        run += int(fields[0])
        wait += int(fields[1])
    return run, wait


def sched_ns_with_children(pid: int) -> tuple[int, int]:
    """`sched_ns` of a process and its children together (a supervisor and its web workers)."""
    from tests.support.processes import children_of

    readings = [sched_ns(p) for p in [pid, *children_of(pid)]]
    return sum(r for r, _ in readings), sum(w for _, w in readings)


def sched_ns_of_named(names: tuple[str, ...]) -> int:
    """On-CPU nanoseconds so far of every running process named in `names` (PostgreSQL's backends:
    a backend gone meanwhile takes its share with it, so read across runs that keep their connections)."""
    from tests.support.processes import pids_named

    total = 0
    for pid in pids_named(names):
        with contextlib.suppress(OSError):  # gone while read
            total += sched_ns(pid)[0]
    return total


def softirq_seconds(cpu: int) -> float:
    """Softirq time of one CPU so far (/proc/stat). On loopback the receiver's TCP work runs there,
    in softirq context, and is not in the sending process's own CPU time."""
    for line in Path("/proc/stat").read_text().splitlines():
        fields = line.split()
        if fields[0] == f"cpu{cpu}":
            return int(fields[7]) / os.sysconf("SC_CLK_TCK")
    raise ValueError(f"no cpu{cpu} in /proc/stat")


@contextlib.contextmanager
def py_spy(path: str | Path | None, pid: int, rate: int = 200, nonblocking: bool = False) -> Iterator[None]:
    """py-spy samples process `pid` (`rate` a second; `nonblocking`: without pausing it) while the block
    runs: collapsed stacks (`--format raw`) to `path`, for a flame graph or a count of frames. Nothing
    when `path` is None. py-spy is no dependency of the project: `pip install py-spy==0.4.3` beside the
    interpreter (or anywhere on PATH)."""
    if path is None:
        yield
        return
    beside = Path(sys.executable).parent / "py-spy"
    program = str(beside) if beside.exists() else "py-spy"
    argv = [program, "record", "--pid", str(pid), "--rate", str(rate), "--format", "raw", "-o", str(path)]
    argv += ["--nonblocking"] if nonblocking else []
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except FileNotFoundError:
        sys.exit("--profile needs py-spy: pip install py-spy==0.4.3")
    time.sleep(1)  # py-spy attaches
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        spy.wait(30)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# ---- services: database, Redis prefix ---------------------------------------------------------


@dataclass
class Services:
    """A throwaway database (migrated, optionally seeded) and a unique Redis prefix for one run."""

    seed: bool = False
    # The source tree whose migrations make the database (another commit's worktree, for a baseline).
    root: Path = ROOT
    database_url: str = ""
    redis_url: str = ""
    server_url: str = ""
    prefix: str = field(default_factory=lambda: f"bench{os.getpid()}:")
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    db_name: str = field(default_factory=lambda: f"bench_{os.getpid()}")
    # Keep the database after the run, and take it as it is when it already exists (a long set-up
    # done once, measured again later); `reused` tells which.
    keep: bool = False
    reused: bool = False

    def __enter__(self) -> Services:
        from app.core.embedded import resolve_urls

        self.server_url, self.redis_url = resolve_urls(
            os.environ.get("DATABASE_URL") or None, os.environ.get("REDIS_URL") or None, ROOT / ".data"
        )
        parts = urlsplit(self.server_url)
        self.database_url = urlunsplit(parts._replace(path=f"/{self.db_name}"))
        self.reused = self.keep and asyncio.run(self._exists())
        if self.reused:  # kept from an earlier run: brought up to this tree's migrations
            self._app_commands(["migrate"])
            return self
        asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}"', f'CREATE DATABASE "{self.db_name}"'))
        try:
            self._app_commands(["migrate", "seed"] if self.seed else ["migrate"])
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _app_commands(self, commands: list[str]) -> None:
        env = {**os.environ, "DATABASE_URL": self.database_url, "REDIS_URL": self.redis_url, "LOG_LEVEL": "WARNING"}
        for command in commands:
            done = subprocess.run(
                [PYTHON, "-m", "app", command], env=env, cwd=self.root, capture_output=True, text=True, timeout=300
            )
            if done.returncode:
                raise RuntimeError(f"python -m app {command} failed:\n{done.stdout}\n{done.stderr}")

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            with contextlib.suppress(Exception):
                asyncio.run(self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=1000))
            for i in range(0, len(keys), 500):
                client.delete(*keys[i : i + 500])
            client.close()

    async def _exists(self) -> bool:
        import asyncpg

        conn = await asyncpg.connect(self.server_url, timeout=30)
        try:
            return bool(await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", self.db_name))
        finally:
            await conn.close()

    async def _admin(self, *statements: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(self.server_url, timeout=30)
        try:
            for statement in statements:
                await conn.execute(statement)
        finally:
            await conn.close()

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": self.prefix,
            "SECRET_KEY": self.secret_key,
            "LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE": "100000",
            "LOG_LEVEL": "WARNING",
            **extra,
        }

    def settings(self):
        from app.settings import Settings

        return Settings(
            database_url=self.database_url,
            redis_url=self.redis_url,
            redis_prefix=self.prefix,
            secret_key=self.secret_key,
        )


# ---- web processes ----------------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid  # taskset execs the server: same pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, timeout: float = 20) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        with contextlib.suppress(OSError):
            self.log_path.unlink()

    def log_tail(self, lines: int = 20) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start_server(
    kind: str,
    services: Services,
    core: int | str = SERVER_CORE,
    timeout: float = 60,
    port: int | None = None,
    workers: int = 1,
) -> Server:
    """A web process of `services.root`'s code (its `app` package comes first on the path); with
    `workers`, a supervisor of that many sharing the port (`core`: a CPU list for taskset, "0,1")."""
    port = port or free_port()
    log = tempfile.NamedTemporaryFile(prefix=f"bench-{kind}-", suffix=".log", delete=False)
    serve = ["serve", "--server", kind, "--port", str(port), *(["--workers", str(workers)] if workers > 1 else [])]
    process = subprocess.Popen(
        ["taskset", "-c", str(core), PYTHON, "-m", "app", *serve],
        env=services.env(),
        cwd=services.root,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    server = Server(kind, port, process, Path(log.name))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise RuntimeError(f"{kind} server exited with {process.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{server.url}/ready", timeout=2) as response:
                if response.status == 200:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{kind} server did not become ready in {timeout}s")


@contextlib.contextmanager
def servers(kinds_and_counts: list[tuple[str, int]], services: Services) -> Iterator[dict[str, list[Server]]]:
    started: dict[str, list[Server]] = {}
    try:
        for kind, count in kinds_and_counts:
            started[kind] = [start_server(kind, services) for _ in range(count)]
        yield started
    finally:
        for group in started.values():
            for server in group:
                server.stop()


# ---- payments: the Stripe stand-in, an arq worker, Prometheus histograms -----------------------


@contextlib.contextmanager
def stripe_standin(core: int = CLIENT_CORE, webhook_secret: str = "whsec_bench") -> Iterator[Any]:
    """The local Stripe stand-in (standins/stripe) on a free port with a throwaway data dir, pinned to
    `core` (it stands in for an outside service: it runs beside the load generator, not the server).
    Yields its RunningStandin (`base_url`, `configure(latency_ms=...)`, `state()`)."""
    import shutil

    from standins.stripe.launch import start_stripe_standin

    data_dir = Path(tempfile.mkdtemp(prefix="bench-stripe-"))
    standin = start_stripe_standin(data_dir, webhook_secret=webhook_secret)
    try:
        for task in Path(f"/proc/{standin.process.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                os.sched_setaffinity(int(task.name), {core})
        yield standin
    finally:
        standin.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def s3_standin() -> Iterator[Any]:
    """The local S3 stand-in (moto's server mode, in memory) for the web processes started inside,
    unless S3_ENDPOINT_URL names one: onboarding stores background-check documents there."""
    if os.environ.get("S3_ENDPOINT_URL"):
        yield None
        return
    from standins.s3.launch import start_s3_standin

    names = ("S3_ENDPOINT_URL", "S3_SECRET_KEY")
    saved = {name: os.environ.get(name) for name in names}
    with start_s3_standin(secret_key="bench-s3-secret") as standin:
        os.environ.update(S3_ENDPOINT_URL=standin.endpoint_url, S3_SECRET_KEY="bench-s3-secret")
        try:
            yield standin
        finally:
            for name, value in saved.items():
                os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)


def start_worker(services: Services, core: int = SERVER_CORE, argv: Sequence[str] = ("-m", "app", "worker")) -> Server:
    """One arq worker of `services.root`'s code pinned to `core` (a Server with no port: `stop()` and
    `log_tail()` work). `argv`: the interpreter's arguments, for a variant started through `-c`."""
    log = tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False)
    process = subprocess.Popen(
        ["taskset", "-c", str(core), PYTHON, *argv],
        env=services.env(),
        cwd=services.root,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    log.close()
    return Server("worker", 0, process, Path(log.name))


def histogram_buckets(metrics_text: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts {le: count} of one Prometheus histogram in a /metrics page."""
    buckets: dict[float, float] = {}
    prefix = f'{name}_bucket{{le="'
    for line in metrics_text.splitlines():
        if line.startswith(prefix):
            le, count = line[len(prefix) :].split('"}', 1)
            buckets[float(le)] = float(count)
    return buckets


def histogram_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float:
    """The q-quantile (0..1) of what was observed between two readings of a histogram, interpolated
    linearly inside its bucket as Prometheus' histogram_quantile() does (seconds)."""
    edges = sorted(after)
    counts = [after[le] - before.get(le, 0.0) for le in edges]
    total = counts[-1] if counts else 0.0
    if total <= 0:
        return float("nan")
    rank = q * total
    lower, below = 0.0, 0.0
    for le, cumulative in zip(edges, counts, strict=True):
        if cumulative >= rank:
            if le == float("inf"):
                return lower
            inside = cumulative - below
            return lower + (le - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = le, cumulative
    return lower


def histogram_share_at_most(before: dict[float, float], after: dict[float, float], le: float) -> float:
    """Share of the observations between two readings that were at most `le` (a bucket edge)."""
    total = after[float("inf")] - before.get(float("inf"), 0.0)
    return (after[le] - before.get(le, 0.0)) / total if total else float("nan")


# Argon2 at the test suite's cost for the benchmark's own accounts: registration and login are set-up
# here, never what is measured (at the default cost each costs ~1 s of the one server core).
CHEAP_PASSWORDS = {"PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_KIB": "8192"}
PIANO_OFFER = {
    "hourly_rate_cents": 6000,
    "durations_minutes": [30, 60],
    "age_groups": ["adults"],
    "locations": ["online"],
}


async def account(http: Any, email: str, role: str) -> tuple[int, dict[str, str]]:
    """Registers and logs in through the API: (user id, Authorization header)."""
    body = {
        "email": email,
        "password": "bench-password-1",
        "full_name": "Bench Person",
        "role": role,
        "timezone": "UTC",
    }
    response = await http.post("/api/auth/register", json=body)
    assert response.status_code == 201, response.text
    login = await http.post("/api/auth/login", json={"email": email, "password": body["password"]})
    assert login.status_code == 200, login.text
    return login.json()["user"]["id"], {"Authorization": f"Bearer {login.json()['token']}"}


async def open_instructor(http: Any, email: str, mondays: Sequence[Any], database_url: str) -> tuple[int, int]:
    """A live instructor (UTC) offering piano (30 or 60 min), open 00:00-24:00 every day of the weeks
    starting on `mondays`: (instructor id, piano's service id). Onboarded through the API and the
    stand-ins by tests/support/accounts.py (the Stripe stand-in of STRIPE_API_BASE and
    STRIPE_WEBHOOK_SECRET, the S3 stand-in of s3_standin(); its admin made in `database_url`)."""
    from tests.support.accounts import Accounts

    made = await Accounts(http, database_url=database_url).instructor(timezone="UTC", name="Bench Person")
    instructor_id, auth = made.id, made.headers
    categories = (await http.get("/api/catalog/categories")).json()
    service_id = next(s["id"] for c in categories for s in c["services"] if s["slug"] == "piano")
    response = await http.put(f"/api/instructors/me/services/{service_id}", json=PIANO_OFFER, headers=auth)
    assert response.status_code == 200, response.text
    for monday in mondays:
        path = f"/api/instructors/{instructor_id}/availability/weeks/{monday.isoformat()}"
        etag = (await http.get(path, headers=auth)).headers["etag"]
        days = {(monday + timedelta(days=d)).isoformat(): [{"start": "00:00", "end": "24:00"}] for d in range(7)}
        response = await http.put(path, json={"days": days}, headers={**auth, "If-Match": etag})
        assert response.status_code == 200, response.text
    return instructor_id, service_id


async def student_with_card(http: Any, email: str, card: str = "pm_card_visa") -> dict[str, str]:
    """A student whose default card is saved through `POST /api/me/payment-methods`."""
    _, auth = await account(http, email, "student")
    response = await http.post("/api/me/payment-methods", json={"payment_method_id": card}, headers=auth)
    assert response.status_code == 201, response.text
    return auth


async def bounded_gather(limit: int, coroutines: Sequence[Any]) -> list[Any]:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


def forget_arq_jobs(services: Services) -> None:
    """arq keeps its job and result keys outside our prefix (`arq:job:<our job id>`, and cron runs'
    `arq:job:cron:...`): delete this run's, which `Services` leaves behind. Only for a Redis database
    of the benchmark's own (cron keys carry no prefix)."""
    import redis

    client = redis.Redis.from_url(services.redis_url)
    try:
        for pattern in (
            f"arq:job:{services.prefix}*",
            f"arq:result:{services.prefix}*",
            "arq:job:cron:*",
            "arq:in-progress:cron:*",
        ):
            keys = list(client.scan_iter(match=pattern, count=1000))
            for i in range(0, len(keys), 500):
                client.delete(*keys[i : i + 500])
    finally:
        client.close()
