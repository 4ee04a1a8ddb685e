"""Save -> event latency through the transactional outbox, beside the direct publish it replaced.

`after` is this tree: a week save records its events as outbox rows in its transaction and the
same process relays them right after the commit (app/core/outbox.py). `before` is the commit
before the outbox (267ebed~1, checked out into a temporary git worktree): the save commits, then
the route publishes straight to Redis. Each runs as one socketify web process from its own tree
on CPU 1, with its own freshly migrated database and Redis prefix; this script (the editor and the
subscriber) runs on CPU 0. PostgreSQL and Redis are left where the scheduler puts them (they are
shared with whatever else runs on the machine).

Per tree: an instructor's websocket, subscribed to `calendar:{id}:{monday}` and `slots:{id}`, and
the same instructor doing K paced `PUT .../availability/weeks/{monday}`. A save causes
`availability.updated` (calendar), `conflict` (live) and then `slots.changed` (slots). Per run the
trees' saves are interleaved one by one (the order rotating), each awaited before the next, so a
burst of noise on this shared machine falls on every tree alike. Receive time = the kernel's
arrival timestamp on the subscriber's socket (SO_TIMESTAMPNS); latency = receive - just before the
PUT was sent, and receive - when its response was read (negative: the event came first). Also the
web process's and its PostgreSQL backends' CPU time per save. Every run is printed, then the
medians and the ratios to `before` (target: <= 1.1 at p50 and p99). `--also NAME=PATH` adds
another checkout (e.g. a variant of app/core/outbox.py) to the same runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CLIENT_CORE,
    ROOT,
    Services,
    check_cpus,
    loadavg,
    median,
    pin_to,
    py_spy,
    ratio,
    sched_ns,
    start_server,
    summary_ms,
)
from _ws import _ANCILLARY, _TIMESPEC, SO_TIMESTAMPNS, _handshake, masked_frame, parse_frames

BASELINE_REF = "267ebed~1"
WARMUP_SAVES = 10
TARGET_RATIO = 1.1


# ---- the subscriber ---------------------------------------------------------------------------


@dataclass
class Subscriber:
    """One websocket, read from the event loop with kernel receive timestamps."""

    sock: socket.socket
    frames: list[tuple[dict, int]] = field(default_factory=list)  # (frame, kernel_ns)
    buf: bytes = b""
    closed: bool = False

    @classmethod
    def connect(cls, port: int, token: str, channels: list[str]) -> Subscriber:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.sendall(_handshake(port).replace(b"GET /ws ", f"GET /ws?token={token} ".encode()))
        response = b""
        while b"\r\n\r\n" not in response:
            data = sock.recv(4096)
            if not data:
                raise RuntimeError("websocket closed during the upgrade")
            response += data
        head, _, rest = response.partition(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0] + b" ":
            raise RuntimeError(head.decode(errors="replace"))
        for channel in channels:
            sock.sendall(masked_frame(json.dumps({"op": "subscribe", "channel": channel, "last_id": None}).encode()))
        sub = cls(sock, buf=rest)
        waiting = set(channels)
        while waiting:
            frames, sub.buf = parse_frames(sub.buf)
            for opcode, payload in frames:
                if opcode == 1:
                    frame = json.loads(payload)
                    if frame.get("op") == "subscribed":
                        waiting.discard(frame["channel"])
                    elif frame.get("op") == "error":
                        raise RuntimeError(f"subscribe refused: {frame}")
            if waiting:
                sub.buf += sock.recv(65536)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        sock.setblocking(False)
        return sub

    def on_readable(self) -> None:
        try:
            data, ancillary, _, _ = self.sock.recvmsg(65536, _ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        received = time.time_ns()
        if not data:
            self.closed = True
            asyncio.get_running_loop().remove_reader(self.sock.fileno())
            return
        for _, _, cdata in ancillary:
            seconds, nanos = _TIMESPEC.unpack_from(cdata)
            received = seconds * 1_000_000_000 + nanos
        frames, self.buf = parse_frames(self.buf + data)
        for opcode, payload in frames:
            if opcode == 1:
                self.frames.append((json.loads(payload), received))
            elif opcode == 9:
                self.sock.send(masked_frame(payload, 0xA))
            elif opcode == 8:
                self.closed = True

    def events(self, type_: str) -> list[tuple[dict, int]]:
        return [(f, t) for f, t in self.frames if f.get("op") == "event" and f.get("type") == type_]


# ---- one tree: its database, web process, editor and subscriber --------------------------------


@dataclass
class Tree:
    name: str
    services: Services
    server: object = None
    http: object = None
    week: str = ""
    auth: dict = field(default_factory=dict)
    etag: str = ""
    monday: str = ""
    subscriber: Subscriber | None = None

    async def prepare(self, monday: str) -> None:
        import httpx

        self.http = httpx.AsyncClient(base_url=self.server.url, timeout=30)
        account = {
            "email": f"outbox-{self.name}-{os.getpid()}@bench.test",
            "password": "bench-password-1",
            "full_name": "Outbox Bench",
            "role": "instructor",
            "timezone": "UTC",
        }
        response = await self.http.post("/api/auth/register", json=account)
        assert response.status_code == 201, response.text
        login = await self.http.post("/api/auth/login", json={k: account[k] for k in ("email", "password")})
        assert login.status_code == 200, login.text
        token, instructor_id = login.json()["token"], login.json()["user"]["id"]
        self.auth = {"Authorization": f"Bearer {token}"}
        self.monday = monday
        self.week = f"/api/instructors/{instructor_id}/availability/weeks/{monday}"
        self.etag = (await self.http.get(self.week, headers=self.auth)).headers["etag"]
        channels = [f"calendar:{instructor_id}:{monday}", f"slots:{instructor_id}"]
        self.subscriber = Subscriber.connect(self.server.port, token, channels)
        asyncio.get_running_loop().add_reader(self.subscriber.sock.fileno(), self.subscriber.on_readable)

    async def save(self, label: str, i: int) -> tuple[int, int]:
        days = {self.monday: [{"start": "09:00", "end": "11:00" if i % 2 else "10:00"}]}
        headers = {**self.auth, "If-Match": self.etag, "X-Client-Id": label}
        sent = time.time_ns()
        put = await self.http.put(self.week, json={"days": days}, headers=headers)
        answered = time.time_ns()
        assert put.status_code == 200, put.text
        self.etag = put.headers["etag"]
        return sent, answered

    async def close(self) -> None:
        if self.subscriber is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self.subscriber.sock.fileno())
            self.subscriber.sock.close()
        if self.http is not None:
            await self.http.aclose()


async def backend_pids(database_url: str, db_names: list[str]) -> dict[str, list[int]]:
    """The PostgreSQL backends serving each tree's database (its web process's pool)."""
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch("SELECT datname, pid FROM pg_stat_activity WHERE datname = ANY($1)", db_names)
    finally:
        await conn.close()
    pids: dict[str, list[int]] = {name: [] for name in db_names}
    for row in rows:
        pids[row["datname"]].append(row["pid"])
    return pids


def cpu_ns_of(pids: list[int]) -> dict[int, int]:
    readings = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            readings[pid] = sched_ns(pid)[0]
    return readings


async def paced(count: int, rate: float, action) -> None:
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await action(i)


async def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.01)
    return True


async def measure(trees: dict[str, Tree], run: int, args: argparse.Namespace) -> list[dict]:
    """One run: the trees' saves interleaved one by one (the order rotating), so that the machine's
    bursts of noise fall on all of them alike."""
    names = list(trees)
    for tree in trees.values():
        tree.subscriber.frames.clear()
        await paced(WARMUP_SAVES, args.rate, lambda i, tree=tree: tree.save(f"warm{run}-{i}", i))
        await wait_for(lambda tree=tree: len(tree.subscriber.events("slots.changed")) >= WARMUP_SAVES, 10)
        tree.subscriber.frames.clear()
    times: dict[str, list[tuple[int, int]]] = {name: [] for name in names}

    async def save(k: int) -> None:
        i, turn = divmod(k, len(names))
        name = names[(turn + i + run) % len(names)]
        times[name].append(await trees[name].save(f"r{run}-{len(times[name])}", i))

    with contextlib.ExitStack() as profiling:
        if args.profile and run == 1:  # the web process of each tree during the first run's saves
            for t in trees.values():
                profiling.enter_context(py_spy(Path(args.profile) / f"{t.name}.txt", t.server.pid, 1000, True))
        any_tree = next(iter(trees.values()))
        pids = await backend_pids(any_tree.services.server_url, [t.services.db_name for t in trees.values()])
        cpu0 = {name: sched_ns(t.server.pid) for name, t in trees.items()}
        pg0 = {name: cpu_ns_of(pids[t.services.db_name]) for name, t in trees.items()}
        await paced(args.saves * len(names), args.rate, save)
        cpu1 = {name: sched_ns(t.server.pid) for name, t in trees.items()}
        pg1 = {name: cpu_ns_of(pids[t.services.db_name]) for name, t in trees.items()}
    results = []
    for name, tree in trees.items():
        sub = tree.subscriber
        await wait_for(lambda sub=sub: len(sub.events("slots.changed")) >= args.saves, 15)
        pg = sum(pg1[name][pid] - pg0[name][pid] for pid in pg1[name] if pid in pg0[name])
        result = latencies(run, times[name], sub, args.saves)
        result.update(
            tree=name,
            server_cpu_ms_per_save=(cpu1[name][0] - cpu0[name][0]) / args.saves / 1e6,
            server_wait_ms_per_save=(cpu1[name][1] - cpu0[name][1]) / args.saves / 1e6,
            postgres_cpu_ms_per_save=pg / args.saves / 1e6,
        )
        results.append(result)
    return results


def latencies(run: int, times: list[tuple[int, int]], sub: Subscriber, saves: int) -> dict:
    calendar = {f["data"]["client_id"]: t for f, t in sub.events("availability.updated")}
    # a tree's saves are sequential and each relays before it answers: the n-th slots.changed is the n-th save's
    slots = [t for _, t in sub.events("slots.changed")]
    lat: dict[str, list[int]] = {k: [] for k in ("calendar", "slots", "calendar_resp", "slots_resp", "put")}
    for i, (sent, answered) in enumerate(times):
        lat["put"].append(answered - sent)
        if (got := calendar.get(f"r{run}-{i}")) is not None:
            lat["calendar"].append(got - sent)
            lat["calendar_resp"].append(got - answered)
        if i < len(slots):
            lat["slots"].append(slots[i] - sent)
            lat["slots_resp"].append(slots[i] - answered)
    # receive - response is negative when the event overtook the response, as it does here
    result = {key: summary_ms(values) for key, values in lat.items()}
    result.update(
        missing_calendar=saves - len(calendar),
        missing_slots=saves - len(slots),
        extra_slots=max(0, len(slots) - saves),
    )
    return result


def _fmt(s: dict) -> str:
    return f"p50 {s['p50']:6.2f}  p99 {s['p99']:6.2f}  max {s['max']:6.2f}"


def print_run(run: int, r: dict) -> None:
    print(
        f"run {run}  {r['tree']:<6}  slots.changed  PUT sent->socket {_fmt(r['slots'])}"
        f"   response->socket p50 {r['slots_resp']['p50']:6.2f} p99 {r['slots_resp']['p99']:6.2f} ms\n"
        f"               availability.updated  sent->socket {_fmt(r['calendar'])}"
        f"   response->socket p50 {r['calendar_resp']['p50']:6.2f} p99 {r['calendar_resp']['p99']:6.2f} ms\n"
        f"               PUT {_fmt(r['put'])} ms;  CPU per save: web {r['server_cpu_ms_per_save']:.2f} ms"
        f" (+{r['server_wait_ms_per_save']:.2f} ms waiting for CPU 1), PostgreSQL "
        f"{r['postgres_cpu_ms_per_save']:.2f} ms;  missing {r['missing_calendar']} + {r['missing_slots']}"
        f", extra {r['extra_slots']}",
        flush=True,
    )


ROWS = (
    ("slots.changed PUT sent->socket", "slots"),
    ("slots.changed response->socket", "slots_resp"),
    ("availability.updated sent->socket", "calendar"),
    ("availability.updated response->socket", "calendar_resp"),
    ("PUT sent->response", "put"),
)


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    def med(tree: str, key: str, q: str | None = None) -> float:
        return median([r[key][q] if q else r[key] for r in runs[tree]])

    names = list(runs)
    print(f"\n## medians over {args.runs} runs, {args.saves} saves at {args.rate:g}/s (ms); ratios are x/before")
    print(f"{'':<40}" + "".join(f"{name + ' p50':>16}{'p99':>8}" for name in names))
    for label, key in ROWS:
        print(f"{label:<40}" + "".join(f"{med(n, key, 'p50'):16.2f}{med(n, key, 'p99'):8.2f}" for n in names))
    for key, label in (
        ("server_cpu_ms_per_save", "web CPU per save"),
        ("postgres_cpu_ms_per_save", "PostgreSQL CPU per save"),
    ):
        print(f"{label:<40}" + "".join(f"{med(n, key):16.2f}{'':8}" for n in names))
    for name in names[1:]:
        parts = [
            f"{label} p50 {ratio(med(name, key, 'p50'), med('before', key, 'p50'))} "
            f"p99 {ratio(med(name, key, 'p99'), med('before', key, 'p99'))}"
            for label, key in (("slots.changed", "slots"), ("availability.updated", "calendar"), ("PUT", "put"))
        ]
        cpu = ratio(med(name, "server_cpu_ms_per_save"), med("before", "server_cpu_ms_per_save"))
        print(f"{name}/before: " + ";  ".join(parts) + f";  web CPU {cpu}")
    missing = sum(r["missing_calendar"] + r["missing_slots"] for rs in runs.values() for r in rs)
    print(f"events missing over all runs and trees: {missing}")
    p50 = med("after", "slots", "p50") / med("before", "slots", "p50")
    p99 = med("after", "slots", "p99") / med("before", "slots", "p99")
    verdict = "met" if p50 <= TARGET_RATIO and p99 <= TARGET_RATIO else "MISSED"
    print(
        f"target outbox/direct save->event <= {TARGET_RATIO} at p50 and p99 (slots.changed, the save's last "
        f"event, after vs before): {verdict} (x{p50:.2f} / x{p99:.2f})"
    )


# ---- orchestration ----------------------------------------------------------------------------


@contextlib.contextmanager
def baseline_tree(ref: str, given: str | None):
    """The baseline's source: `--before-tree`, or a temporary git worktree of `ref` removed after."""
    if given:
        yield Path(given)
        return
    path = Path(tempfile.mkdtemp(prefix="outbox-before-"))
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), ref], cwd=ROOT, check=True, capture_output=True, timeout=60
    )
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True, timeout=60)


async def orchestrate(args: argparse.Namespace, trees: dict[str, Tree]) -> None:
    from datetime import UTC, datetime, timedelta

    day = datetime.now(UTC).date() + timedelta(days=7)
    monday = (day + timedelta(days=(7 - day.weekday()) % 7)).isoformat()
    try:
        for tree in trees.values():
            await tree.prepare(monday)
        names = list(trees)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for run in range(1, args.runs + 1):
            for result in await measure(trees, run, args):
                runs[result["tree"]].append(result)
                print_run(run, result)
        print(f"load average at the end {loadavg()}")
        report(args, runs)
    finally:
        for tree in trees.values():
            await tree.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=200, help="measured saves per run and tree")
    parser.add_argument("--rate", type=float, default=20.0, help="saves per second, all trees together")
    parser.add_argument("--runs", type=int, default=4)
    parser.add_argument("--before-ref", default=BASELINE_REF, help="the commit measured as the baseline")
    parser.add_argument("--before-tree", help="an existing checkout of the baseline (else a temporary worktree)")
    parser.add_argument("--after-tree", help="the outbox code measured as `after` (default: this checkout)")
    parser.add_argument(
        "--also",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="another checkout measured in the same runs (e.g. a variant of app/core/outbox.py)",
    )
    parser.add_argument("--profile", metavar="DIR", help="py-spy both web processes in run 1 (DIR/<tree>.txt)")
    args = parser.parse_args()
    check_cpus()
    pin_to(CLIENT_CORE)
    import uvloop

    pid = os.getpid()
    with baseline_tree(args.before_ref, args.before_tree) as before_root, contextlib.ExitStack() as stack:
        roots = {"before": before_root, "after": Path(args.after_tree or ROOT)}
        roots.update((name, Path(path)) for name, _, path in (also.partition("=") for also in args.also))
        trees = {
            name: Tree(
                name, stack.enter_context(Services(root=root, prefix=f"bench{pid}{i}:", db_name=f"bench_{pid}_{i}"))
            )
            for i, (name, root) in enumerate(roots.items())
        }
        try:
            for tree in trees.values():
                tree.server = start_server("socketify", tree.services)
            print(
                f"before = {args.before_ref} (direct publish after commit); "
                + "; ".join(f"{name} = {root}" for name, root in roots.items())
                + "; "
                f"socketify web processes on CPU 1, this script on CPU 0; "
                f"load average {loadavg()}",
                flush=True,
            )
            uvloop.run(orchestrate(args, trees))
        finally:
            for tree in trees.values():
                if tree.server is not None:
                    tree.server.stop()


if __name__ == "__main__":
    main()
