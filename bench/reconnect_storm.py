"""A reconnect storm: every subscriber of one web process comes back at once after a restart.

N subscribers (default 5,000 = 50 instructors x 100, anonymous, on `slots:{id}`) spread over a
few load-generator processes on CPU 0, the web process (socketify) on CPU 1. Per run:

1. all subscribe (no `last_id`) and receive 3 events per channel;
2. the web process is stopped (SIGTERM); while it is down, events go on through the real publish
   path (`realtime.publisher.Publisher`, same Redis prefix): 5 per channel, and 250 on a few
   "overflow" channels, more than the kept history (100 here), so their subscribers must be told
   to resync;
3. the web process starts again on the same port; once it answers /ready, every subscriber
   reconnects at once and subscribes with the `last_id` it last received, while events keep
   coming (one per channel per second);
4. a final event per channel, then every subscriber's frames are checked.

Figures: time from the go signal (server ready) to each subscriber's resumption, measured to the
kernel's arrival time (SO_TIMESTAMPNS) of the frame that completes it: the replay's last event
(the last one published while the server was down) or the `resync`; p50 / p99 / max over the
subscribers and the slowest per load generator; the connect (TCP + upgrade) part of it; the web
process's CPU per reconnect. Checks, per subscriber over the whole run: events in id order, none
twice, none missed (a `resync` covers exactly the events up to its `last_id`).
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import json
import os
import select
import socket
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CLIENT_CORE,
    PYTHON,
    SERVER_CORE,
    Services,
    check_cpus,
    free_port,
    loadavg,
    median,
    percentile,
    pin_to,
    raise_fd_limit,
    sched_ns,
    start_server,
)
from _ws import _ANCILLARY, _TIMESPEC, SO_TIMESTAMPNS, _handshake, masked_frame, parse_frames

FIRST_EVENTS = 3
HISTORY = 100  # the publisher's kept history here: 250 events while down overflow it
RETRY_SECONDS = 0.05  # a refused connect is retried after this

# ---- load generator: many sockets, one epoll, no coroutine per socket -------------------------

CONNECTING, UPGRADING, OPEN, CLOSED = range(4)


class Subscriber:
    __slots__ = ("buf", "channel", "connected_ns", "done_ns", "errors", "events", "resyncs", "sock", "state")

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sock: socket.socket | None = None
        self.state = CLOSED
        self.buf = b""
        self.events: list[tuple[str, int]] = []  # (id, seq) in arrival order
        self.resyncs: list[tuple[int, str | None]] = []  # (events received before it, its last_id)
        self.errors: list[str] = []
        self.connected_ns = 0
        self.done_ns = 0

    @property
    def last_id(self) -> str | None:
        return self.events[-1][0] if self.events else None


class Generator:
    def __init__(self, port: int, channels: list[str]) -> None:
        self.port = port
        self.subs = [Subscriber(c) for c in channels]
        self.epoll = select.epoll()
        self.by_fd: dict[int, Subscriber] = {}
        self.retry: list[Subscriber] = []
        self.refused = 0
        self.targets: dict[str, int] = {}  # channel -> seq that completes a resumption

    def start(self, sub: Subscriber) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        code = sock.connect_ex(("127.0.0.1", self.port))
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            self.retry.append(sub)
            return
        sub.sock, sub.state, sub.buf = sock, CONNECTING, b""
        self.by_fd[sock.fileno()] = sub
        self.epoll.register(sock.fileno(), select.EPOLLOUT)

    def drop(self, sub: Subscriber) -> None:
        if sub.sock is not None:
            fd = sub.sock.fileno()
            self.by_fd.pop(fd, None)
            try:
                self.epoll.unregister(fd)
            except (OSError, ValueError):
                pass
            sub.sock.close()
        sub.sock, sub.state = None, CLOSED

    def on_event(self, sub: Subscriber, fd_events: int) -> None:
        sock = sub.sock
        if sub.state == CONNECTING:
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                self.refused += 1
                self.drop(sub)
                self.retry.append(sub)
                return
            sock.send(_handshake(self.port))
            sub.state = UPGRADING
            self.epoll.modify(sock.fileno(), select.EPOLLIN)
            return
        try:
            data, ancillary, _, _ = sock.recvmsg(65536, _ANCILLARY)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data, ancillary = b"", []
        received = time.time_ns()
        for _, _, cdata in ancillary:
            seconds, nanos = _TIMESPEC.unpack_from(cdata)
            received = seconds * 1_000_000_000 + nanos
        if not data:
            self.drop(sub)
            return
        data = sub.buf + data
        if sub.state == UPGRADING:
            if b"\r\n\r\n" not in data:
                sub.buf = data
                return
            head, _, data = data.partition(b"\r\n\r\n")
            if b" 101 " not in head.split(b"\r\n", 1)[0] + b" ":
                sub.errors.append(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                self.drop(sub)
                return
            sub.state, sub.connected_ns = OPEN, received
            subscribe = {"op": "subscribe", "channel": sub.channel, "last_id": sub.last_id}
            sock.send(masked_frame(json.dumps(subscribe).encode()))
        frames, sub.buf = parse_frames(data)
        for opcode, payload in frames:
            if opcode == 1:
                self.on_text(sub, json.loads(payload), received)
            elif opcode == 9:
                sock.send(masked_frame(payload, 0xA))
            elif opcode == 8:
                self.drop(sub)
                return

    def on_text(self, sub: Subscriber, frame: dict, received: int) -> None:
        op = frame.get("op")
        if op == "event":
            seq = frame["data"]["seq"]
            sub.events.append((frame["id"], seq))
            target = self.targets.get(sub.channel)
            if target is not None and not sub.done_ns and seq >= target:
                sub.done_ns = received
        elif op == "resync":
            sub.resyncs.append((len(sub.events), frame.get("last_id")))
            if self.targets and not sub.done_ns:
                sub.done_ns = received
        elif op == "error":
            sub.errors.append(frame.get("detail", ""))
        elif op == "subscribed" and not self.targets:
            sub.done_ns = received

    def poll(self, timeout: float) -> None:
        for fd, fd_events in self.epoll.poll(timeout):
            sub = self.by_fd.get(fd)
            if sub is not None:
                self.on_event(sub, fd_events)


def generator_main(args: argparse.Namespace) -> None:
    pin_to(CLIENT_CORE)
    raise_fd_limit(len(args.channels.split(",")) + 1024)
    gen = Generator(args.port, args.channels.split(","))
    out = sys.stdout
    waiting: tuple[str, object, float] | None = None  # (command, done predicate, deadline)
    retry_at = 0.0

    def reply(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    def summary() -> dict:
        return {
            "subscribers": len(gen.subs),
            "open": sum(s.state == OPEN for s in gen.subs),
            "done": sum(bool(s.done_ns) for s in gen.subs),
            "min_events": min(len(s.events) for s in gen.subs),
            "refused": gen.refused,
        }

    stdin = sys.stdin.fileno()
    os.set_blocking(stdin, False)
    gen.epoll.register(stdin, select.EPOLLIN)
    pending = b""
    deadline = time.monotonic() + args.max_seconds
    while time.monotonic() < deadline:
        for fd, fd_events in gen.epoll.poll(0.02):
            if fd != stdin:
                sub = gen.by_fd.get(fd)
                if sub is not None:
                    gen.on_event(sub, fd_events)
                continue
            chunk = os.read(stdin, 65536)
            if not chunk:
                return
            pending += chunk
            while b"\n" in pending:
                line, _, pending = pending.partition(b"\n")
                command = json.loads(line)
                cmd = command["cmd"]
                limit = time.monotonic() + command.get("seconds", 120)
                if cmd in ("connect", "go"):
                    gen.targets = command.get("targets", {})
                    for sub in gen.subs:
                        sub.done_ns = 0
                        gen.start(sub)
                    waiting = (cmd, lambda: all(s.done_ns for s in gen.subs), limit)
                elif cmd == "expect":
                    count = command["count"]
                    waiting = (cmd, lambda count=count: all(len(s.events) >= count for s in gen.subs), limit)
                elif cmd == "closed":
                    waiting = (cmd, lambda: all(s.state == CLOSED for s in gen.subs), limit)
                elif cmd == "finish":
                    final = command["final"]
                    waiting = (
                        cmd,
                        lambda final=final: all(s.events and s.events[-1][1] >= final[s.channel] for s in gen.subs),
                        limit,
                    )
                elif cmd == "cpu":
                    reply({"cpu_ns": sched_ns()[0]})
        now = time.monotonic()
        if gen.retry and now >= retry_at:
            again, gen.retry = gen.retry, []
            for sub in again:
                gen.start(sub)
            retry_at = now + RETRY_SECONDS
        if waiting is not None:
            cmd, done, limit = waiting
            if done() or now > limit:
                result = {"cmd": cmd, "complete": bool(done()), **summary()}
                if cmd == "finish":
                    result["file"] = dump(gen)
                reply(result)
                waiting = None
                if cmd == "finish":
                    return


def dump(gen: Generator) -> str:
    with tempfile.NamedTemporaryFile("w", prefix="storm-", suffix=".json", delete=False) as f:
        rows = [
            {
                "channel": s.channel,
                "events": s.events,
                "resyncs": s.resyncs,
                "errors": s.errors,
                "connected_ns": s.connected_ns,
                "done_ns": s.done_ns,
            }
            for s in gen.subs
        ]
        json.dump(rows, f)
        return f.name


# ---- orchestration ----------------------------------------------------------------------------


class Client:
    """One load-generator process, driven by JSON lines."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def ask(self, message: dict, seconds: float) -> dict:
        self.process.stdin.write((json.dumps({**message, "seconds": seconds}) + "\n").encode())
        await self.process.stdin.drain()
        line = await asyncio.wait_for(self.process.stdout.readline(), seconds + 30)
        if not line:
            raise RuntimeError("a load generator exited")
        return json.loads(line)

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


async def ask_all(clients: list[Client], message: dict, seconds: float) -> list[dict]:
    return await asyncio.gather(*(c.ask(message, seconds) for c in clients))


async def create_instructors(database_url: str, count: int) -> list[int]:
    import asyncpg

    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "INSERT INTO users (email, password_hash, full_name, role, timezone, created_at) "
            "SELECT 'storm' || n || '@bench.test', 'x', 'Storm ' || n, 'instructor', 'UTC', now() "
            "FROM generate_series(1, $1) AS n RETURNING id",
            count,
        )
    finally:
        await conn.close()
    return [r["id"] for r in rows]


def check(rows: list[dict], seq_of: dict[str, dict[str, int]], final: dict[str, int]) -> dict:
    """Per subscriber: every event after the last one seen arrives in order, once, or a resync covers it."""
    totals = {"missed": 0, "duplicates": 0, "out_of_order": 0, "resynced": 0, "unknown_resync_id": 0, "errors": 0}
    for row in rows:
        expected = 1
        resyncs = {at: last_id for at, last_id in row["resyncs"]}
        totals["resynced"] += bool(row["resyncs"])
        totals["errors"] += len(row["errors"])
        for position, (_, seq) in enumerate([*row["events"], (None, None)]):
            if position in resyncs:
                last_id = resyncs[position]
                known = seq_of[row["channel"]].get(last_id) if last_id else 0
                if known is None:
                    totals["unknown_resync_id"] += 1
                else:
                    expected = max(expected, known + 1)
            if seq is None:
                break
            if seq < expected:
                totals["duplicates" if seq == expected - 1 else "out_of_order"] += 1
                continue
            totals["missed"] += seq - expected
            expected = seq + 1
        totals["missed"] += max(0, final[row["channel"]] + 1 - expected)
    return totals


async def orchestrate(args: argparse.Namespace, services: Services, port: int) -> list[dict]:
    from realtime.publisher import Publisher

    ids = await create_instructors(services.database_url, args.instructors)
    channels = [f"slots:{i}" for i in ids]
    overflow = set(channels[: args.overflow_channels])
    publisher = Publisher.connect(services.redis_url, services.prefix, HISTORY)
    seqs = dict.fromkeys(channels, 0)  # per run: the n-th event of a channel in this run

    async def publish(channel: str) -> None:
        seqs[channel] += 1
        await publisher.publish(channel, "slots.changed", {"seq": seqs[channel], "sent_at": time.time_ns()})

    async def publish_round(count_of) -> None:
        for channel in channels:
            for _ in range(count_of(channel)):
                await publish(channel)

    assignment = [channels[i % len(channels)] for i in range(args.subscribers)]
    clients: list[Client] = []
    server = None
    results = []
    try:
        for run in range(1, args.runs + 1):
            seqs.update(dict.fromkeys(channels, 0))
            clients = await spawn(args, assignment, port)
            server = start_server("socketify", services, port=port)
            connected = await ask_all(clients, {"cmd": "connect"}, 180)
            assert all(c["complete"] for c in connected), connected
            await publish_round(lambda c: FIRST_EVENTS)
            reached = await ask_all(clients, {"cmd": "expect", "count": FIRST_EVENTS}, 60)
            assert all(r["complete"] for r in reached), reached
            stopped_at = time.monotonic()
            server.stop()
            await ask_all(clients, {"cmd": "closed"}, 60)
            await publish_round(lambda c: args.overflow_events if c in overflow else args.down_events)
            targets = dict(seqs)
            server = start_server("socketify", services, port=port)
            down_s = time.monotonic() - stopped_at
            cpu0 = sched_ns(server.pid)[0]
            go_ns = time.time_ns()
            storm = asyncio.gather(*(c.ask({"cmd": "go", "targets": targets}, 120) for c in clients))
            live = Live(channels, publish, args.live_rate)
            live_task = asyncio.create_task(live.run())
            answers = await storm
            storm_cpu_s = (sched_ns(server.pid)[0] - cpu0) / 1e9
            await asyncio.sleep(0.5)
            live.stopping = True
            await live_task
            await publish_round(lambda c: 1)
            final = dict(seqs)
            finished = await ask_all(clients, {"cmd": "finish", "final": final}, 60)
            rows = read_rows([answer["file"] for answer in finished])
            seq_of = await ids_to_seqs(services, channels, rows)
            result = summarize(run, rows, go_ns, answers, finished, seq_of, final, storm_cpu_s, down_s, overflow)
            result["live_events"] = live.sent
            results.append(result)
            print_run(result)
            server.stop()
            server = None
            for client in clients:
                await asyncio.wait_for(client.process.wait(), 30)
    finally:
        for client in clients:
            client.kill()
        if server is not None:
            server.stop()
        await publisher.aclose()
    return results


def read_rows(files: list[str]) -> list[dict]:
    """The subscribers' records, in load-generator order (the files are removed)."""
    rows = []
    for name in files:
        rows.extend(json.loads(Path(name).read_text()))
        os.unlink(name)
    return rows


async def spawn(args: argparse.Namespace, assignment: list[str], port: int) -> list[Client]:
    """Fresh load generators, each with a contiguous share of the subscribers."""
    share = -(-len(assignment) // args.generators)
    clients = []
    for g in range(args.generators):
        mine = assignment[g * share : (g + 1) * share]
        argv = [PYTHON, __file__, "--role", "generator", "--port", str(port), "--channels", ",".join(mine)]
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=2**20
        )
        clients.append(Client(process))
    return clients


class Live:
    """One event per channel every 1/rate seconds, round robin, until told to stop (at most 5 minutes).
    Stopped by a flag, never cancelled: a publish cut off half-way would look like a missed event."""

    def __init__(self, channels: list[str], publish, rate_per_channel: float) -> None:
        self.channels, self.publish = channels, publish
        self.interval = 1 / (rate_per_channel * len(channels))
        self.stopping = False
        self.sent = 0

    async def run(self) -> None:
        start = time.monotonic()
        while not self.stopping and time.monotonic() - start < 300:
            delay = start + self.sent * self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.publish(self.channels[self.sent % len(self.channels)])
            self.sent += 1


async def ids_to_seqs(services: Services, channels: list[str], rows: list[dict]) -> dict[str, dict[str, int]]:
    """Event id -> seq per channel: from what subscribers received and from the kept stream."""
    import redis.asyncio as aredis

    seq_of: dict[str, dict[str, int]] = {c: {} for c in channels}
    for row in rows:
        seq_of[row["channel"]].update((event_id, seq) for event_id, seq in row["events"])
    redis = aredis.Redis.from_url(services.redis_url)
    try:
        for channel in channels:
            for raw_id, fields in await redis.xrange(f"{services.prefix}stream:{channel}"):
                if fields.get(b"t"):
                    seq_of[channel][raw_id.decode()] = json.loads(fields[b"d"])["seq"]
    finally:
        await redis.aclose()
    return seq_of


def summarize(run, rows, go_ns, answers, finished, seq_of, final, storm_cpu_s, down_s, overflow) -> dict:
    done = sorted(r["done_ns"] - go_ns for r in rows if r["done_ns"])
    connected = sorted(r["connected_ns"] - go_ns for r in rows if r["connected_ns"])
    per_generator = []
    for generator_rows in _split(rows, [a["subscribers"] for a in finished]):
        times = [r["done_ns"] - go_ns for r in generator_rows if r["done_ns"]]
        per_generator.append(max(times) / 1e6 if times else float("nan"))
    checks = check(rows, seq_of, final)
    return {
        "run": run,
        "subscribers": len(rows),
        "resumed_or_resynced": len(done),
        "all_in_time": all(a["complete"] for a in answers),
        "refused_connects": sum(a["refused"] for a in answers),
        "done_ms": {q: percentile(done, q) / 1e6 for q in (50, 99, 100)},
        "connected_ms": {q: percentile(connected, q) / 1e6 for q in (50, 99, 100)},
        "per_generator_max_ms": per_generator,
        "server_cpu_us_per_reconnect": storm_cpu_s * 1e6 / max(1, len(rows)),
        "down_s": down_s,
        "expected_resync": sum(r["channel"] in overflow for r in rows),
        **checks,
    }


def _split(rows: list, sizes: list[int]) -> list[list]:
    out, start = [], 0
    for size in sizes:
        out.append(rows[start : start + size])
        start += size
    return out


def print_run(r: dict) -> None:
    d, c = r["done_ms"], r["connected_ms"]
    print(
        f"run {r['run']}  {r['resumed_or_resynced']}/{r['subscribers']} resumed or resynced "
        f"(all in time: {r['all_in_time']}); server down {r['down_s']:.1f} s\n"
        f"    go -> resumed  p50 {d[50]:8.1f}  p99 {d[99]:8.1f}  max {d[100]:8.1f} ms;  "
        f"go -> upgraded p50 {c[50]:8.1f}  p99 {c[99]:8.1f}  max {c[100]:8.1f} ms\n"
        f"    slowest per load generator: {', '.join(f'{v:.0f}' for v in r['per_generator_max_ms'])} ms;  "
        f"refused connects (retried after {RETRY_SECONDS * 1000:.0f} ms): {r['refused_connects']};  "
        f"web CPU {r['server_cpu_us_per_reconnect']:.0f} us per reconnect\n"
        f"    resynced {r['resynced']} (expected {r['expected_resync']}), missed {r['missed']}, "
        f"duplicates {r['duplicates']}, out of order {r['out_of_order']}, "
        f"resync ids not found {r['unknown_resync_id']}, errors {r['errors']}; "
        f"{r['live_events']} events published during the storm",
        flush=True,
    )


def report(args: argparse.Namespace, results: list[dict]) -> None:
    def med(key: str, q: int | None = None) -> float:
        return median([r[key][q] if q is not None else r[key] for r in results])

    print(f"\n## medians over {len(results)} runs, {args.subscribers} subscribers on {args.instructors} channels")
    print(
        f"go -> resumed or resynced  p50 {med('done_ms', 50):.1f}  p99 {med('done_ms', 99):.1f}  "
        f"max {med('done_ms', 100):.1f} ms  (go -> upgraded p50 {med('connected_ms', 50):.1f}  "
        f"p99 {med('connected_ms', 99):.1f}  max {med('connected_ms', 100):.1f} ms)"
    )
    print(f"web CPU per reconnect {med('server_cpu_us_per_reconnect'):.0f} us")
    bad = {k: sum(r[k] for r in results) for k in ("missed", "duplicates", "out_of_order", "unknown_resync_id")}
    all_back = all(r["resumed_or_resynced"] == r["subscribers"] for r in results)
    verdict = "met" if all_back and not any(bad.values()) else "MISSED"
    print(
        f"target every subscriber resumed or resynced, 0 missed: {verdict} "
        f"(over all runs: {', '.join(f'{k} {v}' for k, v in bad.items())}; "
        f"resynced {sum(r['resynced'] for r in results)}, expected {sum(r['expected_resync'] for r in results)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--role", choices=["main", "generator"], default="main", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--channels", help=argparse.SUPPRESS)
    parser.add_argument("--max-seconds", type=float, default=900, help=argparse.SUPPRESS)
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--instructors", type=int, default=50, help="slots: channels, subscribers spread evenly")
    parser.add_argument("--generators", type=int, default=4, help="load-generator processes (all on CPU 0)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--down-events", type=int, default=5, help="events per channel while the server is down")
    parser.add_argument("--overflow-channels", type=int, default=5, help=f"channels past the history ({HISTORY})")
    parser.add_argument("--overflow-events", type=int, default=250)
    parser.add_argument("--live-rate", type=float, default=1.0, help="events per channel per second during the storm")
    args = parser.parse_args()
    if args.role == "generator":
        generator_main(args)
        return
    check_cpus()
    pin_to(CLIENT_CORE)
    raise_fd_limit(args.subscribers + 4096)
    import uvloop

    with Services() as services:
        port = free_port()
        print(
            f"{args.subscribers} subscribers over {args.generators} load generators (CPU {CLIENT_CORE}), one socketify "
            f"web process (CPU {SERVER_CORE}) on port {port}; load average {loadavg()}",
            flush=True,
        )
        results = uvloop.run(orchestrate(args, services, port))
        print(f"load average at the end {loadavg()}")
        report(args, results)


if __name__ == "__main__":
    main()
