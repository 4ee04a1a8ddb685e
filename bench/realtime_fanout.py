"""Save -> event latency to N `slots:{id}` subscribers spread over 2 web processes, per server kind.

For each server kind (uvicorn is the baseline, socketify the production server) two web processes
share one PostgreSQL and one Redis, pinned to CPU 1. A load-generator process pinned to CPU 0 opens
N anonymous websockets (half on each process, raw sockets + one epoll, see bench/_ws.py) and
subscribes them all to one instructor's `slots:{id}` channel. Then, per run:

  hub   M events through the real publish path (`realtime.publisher.Publisher`, which
        `Hub.publish` delegates to: Lua script -> stream -> PUBLISH), each carrying
        `sent_at` = time.time_ns() taken just before `publish`;
  rest  K real saves, `PUT /api/instructors/{id}/availability/weeks/{monday}` (alternating between
        the two processes), each publishing `slots.changed`; sent time = just before the PUT.

Latency = receive time - sent time, per (event, client). Two receive times are kept: `kernel`,
when the frame reached the client socket (SO_TIMESTAMPNS: the server's delivery, with none of the
client's own queueing), and `read`, when the load generator read it. The Redis floor is measured
the same way by a redis-py subscriber pinned to CPU 1 (where the web processes read pub/sub):
plain PUBLISH with an embedded timestamp, and the hub's Lua publish path.

Kinds alternate order run by run; figures are per run, then medians over the runs.

    .venv/bin/python bench/realtime_fanout.py [--clients 1000] [--runs 3] [--events 200 --rate 50]
                                              [--rest-saves 100 --rest-rate 20] [--kinds uvicorn,socketify,raw]

A third kind, `raw`, is a reference rather than a product: two minimal uvloop processes (CPU 1) that
relay the channel's Redis pub/sub messages with one write() per socket and nothing else. What it
costs per frame is what loopback TCP costs on this machine; socketify cannot do much better.

Defaults scale with --clients so the load generator keeps up (--clients 5000: 60 events at 10/s,
30 saves at 10/s).
"""

from __future__ import annotations

import argparse
import array
import asyncio
import json
import os
import resource
import select
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    CLIENT_CORE,
    PYTHON,
    ROOT,
    SERVER_CORE,
    Services,
    check_cpus,
    cpu_split,
    free_port,
    loadavg,
    median,
    pin_to,
    raise_fd_limit,
    ratio,
    sched_ns,
    servers,
    softirq_seconds,
    summary_ms,
)

KINDS = ("uvicorn", "socketify", "raw")
APP_KINDS = ("uvicorn", "socketify")
WARMUP_EVENTS = 5
TARGETS_MS = {1000: 10.0, 5000: 50.0}


# =============================================================================================
# load generator (subprocess, CPU 0)
# =============================================================================================


def client_main(args: argparse.Namespace) -> None:
    from _ws import Swarm

    raise_fd_limit(args.clients + 1024)
    ports = [int(p) for p in args.ports.split(",")]
    swarm = Swarm()
    targets = [(ports[i % len(ports)], args.channel) for i in range(args.clients)]
    connect_s = swarm.open(targets, timestamps=True, timeout=300)
    out = sys.stdout

    rec_event = array.array("q")
    rec_client = array.array("q")
    rec_kernel = array.array("q")
    rec_user = array.array("q")
    seen: dict[bytes, int] = {}
    payloads: list[bytes] = []
    state = {"target": None, "last_ns": time.time_ns(), "done": False, "finish": None, "stdin": b"", "cpu": None}

    def on_text(index: int, payload: bytes, kernel_ns: int, user_ns: int) -> None:
        event = seen.get(payload)
        if event is None:
            event = seen[payload] = len(payloads)
            payloads.append(payload)
        rec_event.append(event)
        rec_client.append(index)
        rec_kernel.append(kernel_ns)
        rec_user.append(user_ns)
        state["last_ns"] = user_ns

    def reply(message: dict) -> None:
        out.write(json.dumps(message) + "\n")
        out.flush()

    def on_stdin() -> None:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            state["done"] = True
            return
        state["stdin"] += chunk
        while b"\n" in state["stdin"]:
            line, _, state["stdin"] = state["stdin"].partition(b"\n")
            command = json.loads(line)
            if command["cmd"] == "expect":
                state["target"] = (command["count"], time.time_ns(), command.get("quiet", 5.0))
            elif command["cmd"] == "cpu":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                reply({"cpu": usage.ru_utime + usage.ru_stime, "wait_ns": sched_ns()[1]})
            elif command["cmd"] == "finish":
                state["finish"] = command
                state["done"] = True

    def tick() -> None:
        target = state["target"]
        if target is None:
            return
        count, since, quiet = target
        now = time.time_ns()
        quiet_ns = quiet * 1e9
        if len(rec_event) >= count or (now - max(state["last_ns"], since) > quiet_ns):
            state["target"] = None
            reply({"reached": len(rec_event) >= count, "count": len(rec_event)})

    reply({"ready": True, "connect_s": connect_s, "clients": len(swarm.socks)})
    swarm.run(
        on_text,
        until=lambda: state["done"],
        deadline=time.monotonic() + args.max_seconds,
        extra_fd=0,
        on_extra=on_stdin,
        tick=tick,
    )
    lag = [u - k for k, u in zip(rec_kernel, rec_user, strict=True)]
    closed, pings = swarm.closed, swarm.pings
    swarm.close()
    finish = state["finish"] or {"rest_sent": []}
    reply(
        _client_results(args.clients, payloads, rec_event, rec_client, rec_kernel, rec_user, finish)
        | {"lag": summary_ms(lag), "closed": closed, "pings": pings, "connect_s": connect_s}
    )


def _client_results(clients, payloads, rec_event, rec_client, rec_kernel, rec_user, finish) -> dict:
    """Per phase: latencies (kernel arrival and read), frames received, expected, duplicates."""
    rest_sent = finish.get("rest_sent", [])
    sent: list[int | None] = []
    phase_of: list[str] = []
    rest_ids = []
    for index, payload in enumerate(payloads):
        frame = json.loads(payload)
        data = frame.get("data") or {}
        if frame.get("op") != "event":
            sent.append(None)
            phase_of.append("other")
        elif "phase" in data:
            sent.append(int(data["sent_at"]))
            phase_of.append(data["phase"])
        else:
            sent.append(None)
            phase_of.append("rest")
            ms, _, seq = frame["id"].partition("-")
            rest_ids.append(((int(ms), int(seq)), index))
    rest_ids.sort()
    rest_mapped = len(rest_ids) == len(rest_sent)
    for k, (_, index) in enumerate(rest_ids):
        if k < len(rest_sent):
            sent[index] = rest_sent[k]
    results: dict = {"rest_mapped": rest_mapped, "rest_events_seen": len(rest_ids)}
    seen_pairs = bytearray(len(payloads) * clients)
    per_phase: dict[str, tuple[list[int], list[int], list[int]]] = {}
    # Per event: the earliest and latest kernel arrival, to tell a late hop from a long fan-out.
    first_arrival: dict[int, int] = {}
    last_arrival: dict[int, int] = {}
    duplicates = 0
    for event, client, kernel, user in zip(rec_event, rec_client, rec_kernel, rec_user, strict=True):
        slot = event * clients + client
        if seen_pairs[slot]:
            duplicates += 1
            continue
        seen_pairs[slot] = 1
        phase = phase_of[event]
        lists = per_phase.setdefault(phase, ([], [], []))
        lists[2].append(1)
        start = sent[event]
        if start is not None:
            lists[0].append(kernel - start)
            lists[1].append(user - start)
            first_arrival[event] = min(first_arrival.get(event, kernel), kernel)
            last_arrival[event] = max(last_arrival.get(event, kernel), kernel)
    events_per_phase: dict[str, int] = {}
    for phase in phase_of:
        events_per_phase[phase] = events_per_phase.get(phase, 0) + 1
    for phase, (kernel, user, got) in per_phase.items():
        events = [e for e in first_arrival if phase_of[e] == phase]
        results[phase] = {
            "kernel": summary_ms(kernel),
            "read": summary_ms(user),
            "received": len(got),
            "events": events_per_phase.get(phase, 0),
            "first_frame": summary_ms([first_arrival[e] - sent[e] for e in events]),
            "span": summary_ms([last_arrival[e] - first_arrival[e] for e in events]),
        }
    results["duplicates"] = duplicates
    return results


# =============================================================================================
# Redis floor subscriber (subprocess, CPU 1: where the web processes read pub/sub)
# =============================================================================================


def floor_main(args: argparse.Namespace) -> None:
    import uvloop

    uvloop.run(_floor(args))


async def _floor(args: argparse.Namespace) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(args.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(args.raw_channel, args.hub_channel)
    raw_channel, hub_channel = args.raw_channel.encode(), args.hub_channel.encode()
    got: dict[str, list[int]] = {"raw": [], "hub": []}
    expected = {"raw": 0, "hub": 0}
    finished = asyncio.Event()

    async def listen() -> None:
        async for message in pubsub.listen():
            now = time.time_ns()
            if message["type"] != "message":
                continue
            if message["channel"] == raw_channel:
                got["raw"].append(now - int(message["data"]))
            elif message["channel"] == hub_channel:
                frame = json.loads(message["data"].partition(b"\n")[2])
                if frame["data"].get("phase") == "floor":
                    got["hub"].append(now - int(frame["data"]["sent_at"]))

    async def commands() -> None:
        loop = asyncio.get_running_loop()
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                finished.set()
                return
            command = json.loads(line)
            if command["cmd"] == "finish":
                expected.update(command["expected"])
                finished.set()
                return

    listener = asyncio.ensure_future(listen())
    reader = asyncio.ensure_future(commands())
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.wait_for(finished.wait(), args.max_seconds)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(len(got[k]) < expected[k] for k in got):  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    listener.cancel()
    reader.cancel()
    print(json.dumps({k: summary_ms(v) for k, v in got.items()}), flush=True)
    await pubsub.aclose()
    await redis.aclose()
    os._exit(0)  # the stdin reader thread may still be blocked in readline


# =============================================================================================
# the floor: a minimal fan-out server (subprocess, CPU 1), uvloop + one write() per socket
# =============================================================================================

_SWITCHING = (
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Accept: not-checked-by-the-bench-client\r\n\r\n"
)


def _server_frame(payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes([0x81, size]) + payload
    if size < 65536:
        return bytes([0x81, 126]) + size.to_bytes(2, "big") + payload
    return bytes([0x81, 127]) + size.to_bytes(8, "big") + payload


def rawserver_main(args: argparse.Namespace) -> None:
    """What any server must pay to fan a frame out over loopback TCP from one core, and little more:
    no hub, no protocol beyond the upgrade and one `subscribed` reply, one write() per socket for
    each message of the channel's Redis pub/sub key (the same messages the hub's processes get)."""
    import uvloop

    uvloop.run(_rawserver(args))


async def _rawserver(args: argparse.Namespace) -> None:
    from redis.asyncio import Redis

    members: set[asyncio.Transport] = set()
    subscribed = _server_frame(json.dumps({"op": "subscribed", "channel": args.channel, "last_id": None}).encode())

    class Peer(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            self.transport, self.buf, self.state = transport, b"", 0
            transport.get_extra_info("socket").setsockopt(6, 1, 1)  # TCP_NODELAY, like uWS

        def data_received(self, data: bytes) -> None:
            if self.state == 2:
                return  # pongs and the like: nothing to do
            self.buf += data
            if self.state == 0 and b"\r\n\r\n" in self.buf:
                self.buf = self.buf.partition(b"\r\n\r\n")[2]
                self.transport.write(_SWITCHING)
                self.state = 1
            if self.state == 1 and len(self.buf) >= 2:
                size, head = self.buf[1] & 0x7F, 2
                if size == 126:
                    size, head = (int.from_bytes(self.buf[2:4], "big") if len(self.buf) >= 4 else 1 << 30), 4
                if len(self.buf) >= head + 4 + size:  # the subscribe frame (masked); its content is known
                    self.transport.write(subscribed)
                    members.add(self.transport)
                    self.state, self.buf = 2, b""

        def connection_lost(self, exc) -> None:
            members.discard(self.transport)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(Peer, "127.0.0.1", args.port, backlog=4096)
    redis = Redis.from_url(args.redis_url)
    pubsub = redis.pubsub()
    await pubsub.subscribe(args.hub_channel)
    print(json.dumps({"ready": True}), flush=True)

    async def relay() -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                frame = _server_frame(message["data"].partition(b"\n")[2])
                for transport in list(members):
                    transport.write(frame)

    relaying = asyncio.ensure_future(relay())
    stop = loop.create_future()
    loop.add_signal_handler(15, stop.set_result, None)
    await asyncio.wait_for(stop, args.max_seconds)
    relaying.cancel()
    server.close()
    os._exit(0)


@dataclass
class RawServer:
    port: int
    process: subprocess.Popen

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def start_raw_servers(count: int, redis_url: str, pubsub_key: str, channel: str, max_seconds: float) -> list:
    started = []
    try:
        for _ in range(count):
            port = free_port()
            process = subprocess.Popen(
                [
                    "taskset",
                    "-c",
                    str(SERVER_CORE),
                    PYTHON,
                    __file__,
                    "--role",
                    "rawserver",
                    "--port",
                    str(port),
                    "--redis-url",
                    redis_url,
                    "--hub-channel",
                    pubsub_key,
                    "--channel",
                    channel,
                    "--max-seconds",
                    str(max_seconds),
                ],
                stdout=subprocess.PIPE,
                cwd=ROOT,
            )
            started.append(RawServer(port, process))
            ready, _, _ = select.select([process.stdout], [], [], 30)
            if not ready or b"ready" not in process.stdout.readline():
                raise RuntimeError("the raw fan-out server did not start")
        return started
    except BaseException:
        for server in started:
            server.stop()
        raise


# =============================================================================================
# orchestrator (CPU 0)
# =============================================================================================


class LoadGenerator:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, argv: list[str], seconds: float) -> tuple[LoadGenerator, dict]:
        process = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT, limit=1 << 24
        )
        generator = cls(process)
        try:
            ready = await generator.read(seconds)
        except BaseException:
            generator.kill()
            raise
        return generator, ready

    async def send(self, message: dict) -> None:
        self.process.stdin.write((json.dumps(message) + "\n").encode())
        await self.process.stdin.drain()

    async def read(self, seconds: float) -> dict:
        line = await asyncio.wait_for(self.process.stdout.readline(), seconds)
        if not line:
            raise RuntimeError(f"load generator exited ({await self.process.wait()})")
        return json.loads(line)

    async def ask(self, message: dict, seconds: float) -> dict:
        await self.send(message)
        return await self.read(seconds)

    async def finish(self, message: dict, seconds: float) -> dict:
        result = await self.ask(message, seconds)
        await asyncio.wait_for(self.process.wait(), 30)
        return result

    def kill(self) -> None:
        if self.process.returncode is None:
            self.process.kill()


def week_monday() -> datetime:
    today = datetime.now(UTC).date() + timedelta(days=7)
    return today + timedelta(days=(7 - today.weekday()) % 7)


async def orchestrate(args: argparse.Namespace, services: Services, started: dict) -> None:
    import httpx
    import redis.asyncio as aredis

    from realtime.publisher import Publisher

    first = next(iter(started.values()))[0]
    rest_group = started.get("socketify") or next(iter(started.values()))
    http = {s.port: httpx.AsyncClient(base_url=s.url, timeout=60) for group in started.values() for s in group}
    account = {
        "email": f"fanout{os.getpid()}@bench.test",
        "password": "bench-password-1",
        "full_name": "Fanout",
        "role": "instructor",
        "timezone": "UTC",
    }
    response = await http[first.port].post("/api/auth/register", json=account)
    assert response.status_code == 201, response.text
    login = await http[first.port].post("/api/auth/login", json={k: account[k] for k in ("email", "password")})
    assert login.status_code == 200, login.text
    token, instructor_id = login.json()["token"], login.json()["user"]["id"]
    auth = {"Authorization": f"Bearer {token}"}
    monday = week_monday().isoformat()
    week = f"/api/instructors/{instructor_id}/availability/weeks/{monday}"
    etag = (await http[first.port].get(week, headers=auth)).headers["etag"]
    channel = f"slots:{instructor_id}"

    # the publish path of the web and worker processes (Hub.publish delegates to it)
    hub = Publisher.connect(services.redis_url, services.prefix, 1000)
    raw_redis = aredis.Redis.from_url(services.redis_url)

    def event_data(phase: str, seq: int) -> dict:
        return {"start": monday, "end": monday, "sent_at": time.time_ns(), "seq": seq, "phase": phase}

    async def paced(count: int, rate: float, action) -> None:
        start = time.monotonic()
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await action(i)

    async def run_kind(kind: str) -> dict:
        if kind != "raw":
            return await measure_kind(kind, started[kind])
        # Started per run and stopped after it: subscribed to the channel during another kind's run,
        # they would wake on the same core for every event and delay that kind's first frame.
        raw = start_raw_servers(2, services.redis_url, hub.streams.pubsub_key(channel), channel, args.max_seconds)
        try:
            return await measure_kind(kind, raw)
        finally:
            for server in raw:
                server.stop()

    async def measure_kind(kind: str, group: list) -> dict:
        nonlocal etag
        ports = ",".join(str(s.port) for s in group)
        argv = [
            PYTHON,
            __file__,
            "--role",
            "client",
            "--ports",
            ports,
            "--channel",
            channel,
            "--clients",
            str(args.clients),
            "--max-seconds",
            str(args.max_seconds),
        ]
        n = args.clients
        generator, ready = await LoadGenerator.start(argv, seconds=300)
        try:
            await paced(WARMUP_EVENTS, 20, lambda i: hub.publish(channel, "slots.changed", event_data("warm", i)))
            await generator.ask({"cmd": "expect", "count": n * WARMUP_EVENTS}, 120)
            cpu0, sched0, softirq0 = group_cpu(group), group_sched(group), softirq_seconds(SERVER_CORE)
            client0 = await generator.ask({"cmd": "cpu"}, 30)
            await paced(args.events, args.rate, lambda i: hub.publish(channel, "slots.changed", event_data("hub", i)))
            reached_hub = await generator.ask({"cmd": "expect", "count": n * (WARMUP_EVENTS + args.events)}, 300)
            cpu1, sched1, softirq1 = group_cpu(group), group_sched(group), softirq_seconds(SERVER_CORE)
            client1 = await generator.ask({"cmd": "cpu"}, 30)
            rest_sent: list[int] = []
            put_ms: list[int] = []

            async def save(i: int) -> None:
                nonlocal etag
                server = (rest_group if kind == "raw" else group)[i % 2]
                days = {monday: [{"start": "09:00", "end": "11:00" if i % 2 else "10:00"}]}
                sent = time.time_ns()
                put = await http[server.port].put(week, json={"days": days}, headers={**auth, "If-Match": etag})
                put_ms.append(time.time_ns() - sent)
                assert put.status_code == 200, put.text
                etag = put.headers["etag"]
                rest_sent.append(sent)

            await paced(args.rest_saves, args.rest_rate, save)
            reached_rest = await generator.ask(
                {"cmd": "expect", "count": n * (WARMUP_EVENTS + args.events + args.rest_saves)}, 300
            )
            cpu2 = group_cpu(group)
            result = await generator.finish({"cmd": "finish", "rest_sent": rest_sent}, 300)
        finally:
            generator.kill()
        hub_frames = max(1, result.get("hub", {}).get("received", 0))
        result.update(
            kind=kind,
            connected=ready["clients"],
            server_cpu_us_per_frame_hub=(sched1[0] - sched0[0]) / hub_frames / 1e3,
            server_sys_share_hub=(cpu1[1] - cpu0[1]) / max(1e-9, sum(cpu1) - sum(cpu0)),
            server_core_softirq_us_per_frame_hub=(softirq1 - softirq0) / hub_frames * 1e6,
            client_cpu_us_per_frame_hub=(client1["cpu"] - client0["cpu"]) / hub_frames * 1e6,
            server_run_ms_per_event=(sched1[0] - sched0[0]) / args.events / 1e6,
            server_wait_ms_per_event=(sched1[1] - sched0[1]) / args.events / 1e6,
            client_wait_ms_per_event=(client1["wait_ns"] - client0["wait_ns"]) / args.events / 1e6,
            server_cpu_s_rest=sum(cpu2) - sum(cpu1),
            put=summary_ms(put_ms),
            complete=reached_hub["reached"] and reached_rest["reached"],
        )
        return result

    async def run_floor() -> dict:
        raw_channel = f"{services.prefix}bench:floor"
        floor_channel = f"slots:{instructor_id + 1_000_000}"
        argv = [
            "taskset",
            "-c",
            str(SERVER_CORE),
            PYTHON,
            __file__,
            "--role",
            "floor",
            "--redis-url",
            services.redis_url,
            "--raw-channel",
            raw_channel,
            "--hub-channel",
            hub.streams.pubsub_key(floor_channel),
            "--max-seconds",
            str(args.max_seconds),
        ]
        generator, _ = await LoadGenerator.start(argv, seconds=60)
        try:
            await paced(args.events, args.rate, lambda i: raw_redis.publish(raw_channel, str(time.time_ns())))
            await paced(
                args.events, args.rate, lambda i: hub.publish(floor_channel, "slots.changed", event_data("floor", i))
            )
            return await generator.finish({"cmd": "finish", "expected": {"raw": args.events, "hub": args.events}}, 60)
        finally:
            generator.kill()

    runs: dict[str, list[dict]] = {kind: [] for kind in args.kinds}
    floors: list[dict] = []
    print(
        f"# {args.clients} subscribers of {channel} over 2 web processes per kind (CPU {SERVER_CORE}); "
        f"load generator on CPU {CLIENT_CORE}; hub: {args.events} events at {args.rate}/s; "
        f"rest: {args.rest_saves} saves at {args.rest_rate}/s; {args.runs} runs; loadavg {loadavg()}",
        flush=True,
    )
    try:
        for run in range(1, args.runs + 1):
            order = list(args.kinds) if run % 2 else list(reversed(args.kinds))
            for kind in order:
                result = await run_kind(kind)
                runs[kind].append(result)
                print(_run_line(run, result, args.clients), flush=True)
            floor = await run_floor()
            floors.append(floor)
            print(
                f"run {run}  redis floor  PUBLISH {_fmt(floor['raw'])}   hub Lua publish {_fmt(floor['hub'])}",
                flush=True,
            )
    finally:
        await hub.aclose()
        await raw_redis.aclose()
        for client in http.values():
            await client.aclose()
    print(f"# loadavg at the end {loadavg()}")
    _report(args, runs, floors)


def group_cpu(group) -> tuple[float, float]:
    """(user, system) CPU seconds summed over a group of web processes."""
    splits = [cpu_split(s.pid) for s in group]
    return sum(u for u, _ in splits), sum(k for _, k in splits)


def group_sched(group) -> tuple[int, int]:
    """(on-CPU, run-queue wait) nanoseconds summed over a group of processes."""
    readings = [sched_ns(s.pid) for s in group]
    return sum(r for r, _ in readings), sum(w for _, w in readings)


def _fmt(s: dict) -> str:
    return f"p50 {s['p50']:7.2f}  p99 {s['p99']:7.2f}  max {s['max']:7.2f} ms"


def _run_line(run: int, r: dict, clients: int) -> str:
    hub, rest = r.get("hub", {}), r.get("rest", {})
    missing_hub = hub.get("events", 0) * clients - hub.get("received", 0)
    missing_rest = rest.get("events", 0) * clients - rest.get("received", 0)
    lines = [
        f"run {run}  {LABELS[r['kind']]:<9}  connected {r['connected']} in {r['connect_s']:.1f}s"
        f"  closed {r['closed']}  duplicates {r['duplicates']}  complete {r['complete']}",
        f"    hub  publish->socket {_fmt(hub['kernel'])}   ->read {_fmt(hub['read'])}   missing {missing_hub}",
        f"         per event: first frame {_fmt(hub['first_frame'])}   first->last frame {_fmt(hub['span'])}",
        f"    rest PUT->socket     {_fmt(rest['kernel'])}   ->read {_fmt(rest['read'])}"
        f"   missing {missing_rest}  PUT p50 {r['put']['p50']:.1f} ms"
        + ("" if r["rest_mapped"] else f"  (!) {r['rest_events_seen']} rest events seen, ids mapped by order"),
        f"    CPU per delivered frame: server {r['server_cpu_us_per_frame_hub']:.1f} us "
        f"({r['server_sys_share_hub']:.0%} kernel), load generator "
        f"{r['client_cpu_us_per_frame_hub']:.1f} us;  generator lag (read - kernel) p50 {r['lag']['p50']:.2f} "
        f"p99 {r['lag']['p99']:.2f} ms",
        f"    softirq on the server core (loopback receive path, not in the servers' CPU): "
        f"{r['server_core_softirq_us_per_frame_hub']:.1f} us per delivered frame",
        f"    per hub event: servers on CPU {r['server_run_ms_per_event']:.2f} ms, waiting for CPU "
        f"{r['server_wait_ms_per_event']:.2f} ms (run queue); load generator waiting for CPU "
        f"{r['client_wait_ms_per_event']:.2f} ms",
    ]
    return "\n".join(lines)


LABELS = {"uvicorn": "uvicorn", "socketify": "socketify", "raw": "raw fan-out"}


def _report(args: argparse.Namespace, runs: dict[str, list[dict]], floors: list[dict]) -> None:
    def med(kind: str, *path: str) -> float:
        values = []
        for r in runs[kind]:
            value = r
            for key in path:
                value = value.get(key, {}) if isinstance(value, dict) else {}
            values.append(value if isinstance(value, int | float) else float("nan"))
        return median(values)

    print(f"\n## medians over {args.runs} runs, {args.clients} subscribers (ms)")
    print(f"{'':<40}{'p50':>9}{'p99':>9}{'max':>9}")
    rows = []
    for kind in args.kinds:
        name = LABELS[kind]
        rows.append((f"{name} hub publish->socket", [med(kind, "hub", "kernel", q) for q in ("p50", "p99", "max")]))
        rows.append((f"{name} hub publish->read", [med(kind, "hub", "read", q) for q in ("p50", "p99", "max")]))
        rows.append((f"{name} hub first frame", [med(kind, "hub", "first_frame", q) for q in ("p50", "p99", "max")]))
        rows.append((f"{name} REST save->socket", [med(kind, "rest", "kernel", q) for q in ("p50", "p99", "max")]))
    for key, label in (("raw", "redis floor PUBLISH"), ("hub", "redis floor hub Lua publish")):
        rows.append((label, [median([f[key][q] for f in floors]) for q in ("p50", "p99", "max")]))
    for label, values in rows:
        print(f"{label:<40}" + "".join(f"{v:9.2f}" for v in values))
    for kind in args.kinds:
        print(
            f"{LABELS[kind]}: server CPU {med(kind, 'server_cpu_us_per_frame_hub'):.1f} us per delivered frame "
            f"({med(kind, 'server_sys_share_hub'):.0%} in the kernel), "
            f"load generator {med(kind, 'client_cpu_us_per_frame_hub'):.1f} us, "
            f"generator lag p99 {med(kind, 'lag', 'p99'):.2f} ms; per event: servers on CPU "
            f"{med(kind, 'server_run_ms_per_event'):.2f} ms, "
            f"waiting for CPU {med(kind, 'server_wait_ms_per_event'):.2f} ms"
        )

    def cpu_per_frame(kind: str) -> float:
        return med(kind, "server_cpu_us_per_frame_hub")

    def hub(kind: str, q: str) -> float:
        return med(kind, "hub", "kernel", q)

    floor = {q: median([f["raw"][q] for f in floors]) for q in ("p50", "p99")}
    if {"socketify", "uvicorn"} <= set(args.kinds):
        print(
            f"socketify/uvicorn          hub p50 {ratio(hub('socketify', 'p50'), hub('uvicorn', 'p50'))}  "
            f"p99 {ratio(hub('socketify', 'p99'), hub('uvicorn', 'p99'))};  REST p50 "
            f"{ratio(med('socketify', 'rest', 'kernel', 'p50'), med('uvicorn', 'rest', 'kernel', 'p50'))}  p99 "
            f"{ratio(med('socketify', 'rest', 'kernel', 'p99'), med('uvicorn', 'rest', 'kernel', 'p99'))};  "
            f"CPU/frame {ratio(cpu_per_frame('socketify'), cpu_per_frame('uvicorn'))}"
        )
    if "socketify" in args.kinds:
        print(
            f"socketify/redis floor      hub p50 {ratio(hub('socketify', 'p50'), floor['p50'])}  "
            f"p99 {ratio(hub('socketify', 'p99'), floor['p99'])}"
        )
    if {"socketify", "raw"} <= set(args.kinds):
        print(
            f"socketify/raw fan-out      hub p50 {ratio(hub('socketify', 'p50'), hub('raw', 'p50'))}  "
            f"p99 {ratio(hub('socketify', 'p99'), hub('raw', 'p99'))};  CPU/frame "
            f"{ratio(med('socketify', 'server_cpu_us_per_frame_hub'), med('raw', 'server_cpu_us_per_frame_hub'))}"
        )
        first, raw_first = med("socketify", "hub", "first_frame", "p50"), med("raw", "hub", "first_frame", "p50")
        print(
            f"first frame p50: socketify {first:.2f} ms, raw {raw_first:.2f} ms: "
            f"{first - raw_first:+.2f} ms, {ratio(first, raw_first)} (target: within 0.3 ms)"
        )
    if "socketify" in args.kinds:
        target = TARGETS_MS.get(args.clients)
        if target is not None:
            p99 = hub("socketify", "p99")
            verdict = "met" if p99 <= target else "MISSED"
            print(
                f"target socketify p99 <= {target:.0f} ms at {args.clients}: {verdict} "
                f"(hub publish->socket p99 {p99:.2f} ms; publish->read {med('socketify', 'hub', 'read', 'p99'):.2f}"
                f" ms; REST save->socket {med('socketify', 'rest', 'kernel', 'p99'):.2f} ms)"
            )
            span = med("socketify", "server_cpu_us_per_frame_hub") * args.clients / 1000
            softirq = med("socketify", "server_core_softirq_us_per_frame_hub") * args.clients / 1000
            print(
                f"  CPU-implied fan-out span (server CPU per frame x {args.clients}, both processes on one core): "
                f"{span:.1f} ms, plus {softirq:.1f} ms of softirq on that core"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--role", choices=["main", "client", "floor", "rawserver"], default="main", help=argparse.SUPPRESS
    )
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=None, help="hub events per run (200; 60 above 2000 clients)")
    parser.add_argument("--rate", type=float, default=None, help="hub events/s (50; 50000/clients above 1000)")
    parser.add_argument("--rest-saves", type=int, default=None, help="REST saves per run (100; 30 above 2000)")
    parser.add_argument("--rest-rate", type=float, default=None, help="REST saves/s (20; 10 above 2000 clients)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--max-seconds", type=float, default=600, help=argparse.SUPPRESS)
    parser.add_argument("--ports", help=argparse.SUPPRESS)
    parser.add_argument("--channel", help=argparse.SUPPRESS)
    parser.add_argument("--redis-url", help=argparse.SUPPRESS)
    parser.add_argument("--raw-channel", help=argparse.SUPPRESS)
    parser.add_argument("--hub-channel", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "client":
        client_main(args)
        return
    if args.role == "floor":
        floor_main(args)
        return
    if args.role == "rawserver":
        rawserver_main(args)
        return
    big = args.clients > 2000
    args.events = args.events or (60 if big else 200)
    args.rate = args.rate or min(50.0, 50_000 / args.clients)
    args.rest_saves = args.rest_saves or (30 if big else 100)
    args.rest_rate = args.rest_rate or (10.0 if big else 20.0)
    args.kinds = tuple(k for k in args.kinds.split(",") if k)
    check_cpus()
    pin_to(CLIENT_CORE)
    raise_fd_limit(max(4096, args.clients * 2 + 1024))
    import uvloop

    app_kinds = [kind for kind in args.kinds if kind in APP_KINDS]
    if not app_kinds:
        sys.exit("--kinds needs uvicorn or socketify (REST saves go through them)")
    with Services() as services, servers([(kind, 2) for kind in app_kinds], services) as started:
        uvloop.run(orchestrate(args, services, started))


if __name__ == "__main__":
    main()
