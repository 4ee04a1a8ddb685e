"""A light websocket swarm for benchmarks: thousands of raw sockets in one process, one epoll.

No per-socket coroutine or library object: a socket, a byte buffer and a few lines of framing.
Frames are read with recvmsg() and SO_TIMESTAMPNS, so every frame carries two receive times:
when the kernel queued it on the client socket (`kernel_ns`, CLOCK_REALTIME, taken on the
sending side of loopback) and when this process read it (`user_ns`). The first is the server's
delivery time, free of the client's own queueing; the gap between them is the client's lag.

    swarm = Swarm()
    swarm.open([(port, "slots:12")] * 1000)          # connect, upgrade, subscribe (12: an instructor), wait
    swarm.run(on_text, until=lambda: ..., deadline=...)
    swarm.close()
"""

from __future__ import annotations

import base64
import json
import os
import select
import socket
import struct
import time
from collections.abc import Callable

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux value; Python does not export it
_ANCILLARY = socket.CMSG_SPACE(16)
_TIMESPEC = struct.Struct("qq")


def masked_frame(payload: bytes, opcode: int = 1) -> bytes:
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = bytes([0x80 | opcode, 0x80 | length])
    elif length < 65536:
        header = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", length)
    else:
        header = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", length)
    if payload:
        repeated = (mask * (length // 4 + 1))[:length]
        payload = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(length, "big")
    return header + mask + payload


def _unmask_check() -> None:
    # masked_frame's integer trick must equal the byte-wise definition (RFC 6455 5.3)
    for size in (1, 3, 4, 5, 130):
        data = os.urandom(size)
        frame = masked_frame(data)
        off = 2 if size < 126 else 4
        mask, body = frame[off : off + 4], frame[off + 4 :]
        assert bytes(b ^ mask[i % 4] for i, b in enumerate(body)) == data


_unmask_check()


def _handshake(port: int) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


class HandshakeError(RuntimeError):
    pass


def parse_frames(buf: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete (opcode, payload) frames at the start of `buf`, and what is left over."""
    frames = []
    pos, n = 0, len(buf)
    while n - pos >= 2:
        length = buf[pos + 1] & 0x7F
        head = 2
        if length == 126:
            if n - pos < 4:
                break
            length = (buf[pos + 2] << 8) | buf[pos + 3]
            head = 4
        elif length == 127:
            if n - pos < 10:
                break
            length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
            head = 10
        end = pos + head + length
        if end > n:
            break
        frames.append((buf[pos] & 0x0F, buf[pos + head : end]))
        pos = end
    return frames, buf[pos:]


class Swarm:
    def __init__(self) -> None:
        self.socks: list[socket.socket] = []
        self.bufs: list[bytes] = []
        self.by_fd: dict[int, int] = {}
        self.closed = 0
        self.pings = 0
        self.epoll: select.epoll | None = None

    # ---- connecting -----------------------------------------------------------------------

    def open(
        self,
        targets: list[tuple[int, str | None]],
        *,
        batch: int = 200,
        timeout: float = 120,
        timestamps: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> float:
        """Connect one socket per (port, channel); subscribe when a channel is given. Returns seconds taken.

        Works in batches: a batch's sockets connect and send their upgrade at once, then each is read
        in turn (the server serves them concurrently), then each subscribes, then each waits for
        its `subscribed`. Every socket ends non-blocking and registered with one epoll.
        """
        started = time.monotonic()
        deadline = started + timeout
        if self.epoll is None:
            self.epoll = select.epoll()
        for first in range(0, len(targets), batch):
            chunk = targets[first : first + batch]
            socks = []
            for port, _ in chunk:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                sock.settimeout(max(1.0, deadline - time.monotonic()))
                sock.connect(("127.0.0.1", port))
                sock.sendall(_handshake(port))
                socks.append(sock)
            leftovers = []
            for sock in socks:
                response = b""
                while b"\r\n\r\n" not in response:
                    data = sock.recv(4096)
                    if not data:
                        raise HandshakeError("connection closed during the upgrade")
                    response += data
                head, _, rest = response.partition(b"\r\n\r\n")
                if b" 101 " not in head.split(b"\r\n", 1)[0] + b" ":
                    raise HandshakeError(head.split(b"\r\n", 1)[0].decode(errors="replace"))
                leftovers.append(rest)
            for sock, (_, channel) in zip(socks, chunk, strict=True):
                if channel is not None:
                    message = json.dumps({"op": "subscribe", "channel": channel, "last_id": None}).encode()
                    sock.sendall(masked_frame(message))
            for i, (sock, (_, channel)) in enumerate(zip(socks, chunk, strict=True)):
                buf = leftovers[i]
                if channel is not None:
                    buf = self._await_subscribed(sock, buf, channel)
                if timestamps:
                    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
                sock.setblocking(False)
                index = len(self.socks)
                self.socks.append(sock)
                self.bufs.append(buf)
                self.by_fd[sock.fileno()] = index
                self.epoll.register(sock.fileno(), select.EPOLLIN)
            if progress is not None:
                progress(len(self.socks))
        return time.monotonic() - started

    def _await_subscribed(self, sock: socket.socket, buf: bytes, channel: str) -> bytes:
        while True:
            frames, buf = parse_frames(buf)
            for opcode, payload in frames:
                if opcode == 1:
                    frame = json.loads(payload)
                    if frame.get("op") == "subscribed" and frame.get("channel") == channel:
                        return buf
                    if frame.get("op") == "error":
                        raise HandshakeError(f"subscribe refused: {frame}")
                elif opcode == 9:
                    sock.sendall(masked_frame(payload, 0xA))
                elif opcode == 8:
                    raise HandshakeError("closed before subscribed")
            data = sock.recv(65536)
            if not data:
                raise HandshakeError("connection closed before subscribed")
            buf += data

    # ---- reading --------------------------------------------------------------------------

    def run(
        self,
        on_text: Callable[[int, bytes, int, int], None],
        *,
        until: Callable[[], bool],
        deadline: float,
        extra_fd: int | None = None,
        on_extra: Callable[[], None] | None = None,
        tick: Callable[[], None] | None = None,
        poll_interval: float = 0.05,
    ) -> None:
        """Read until `until()` is true or time.monotonic() passes `deadline`.

        `on_text(index, payload, kernel_ns, user_ns)` is called for every text frame.
        `extra_fd` (e.g. stdin) is watched too and `on_extra()` called when readable; `tick()` runs
        after every epoll wake-up (at least every `poll_interval` seconds).
        """
        epoll = self.epoll
        assert epoll is not None
        if extra_fd is not None:
            epoll.register(extra_fd, select.EPOLLIN)
        socks, bufs, by_fd = self.socks, self.bufs, self.by_fd
        time_ns, monotonic = time.time_ns, time.monotonic
        unpack = _TIMESPEC.unpack_from
        try:
            while not until() and monotonic() < deadline:
                if tick is not None:
                    tick()
                for fd, _ in epoll.poll(poll_interval):
                    if fd == extra_fd:
                        on_extra()
                        continue
                    index = by_fd.get(fd)
                    if index is None:
                        continue
                    sock = socks[index]
                    try:
                        data, ancillary, _, _ = sock.recvmsg(65536, _ANCILLARY)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data, ancillary = b"", []
                    user_ns = time_ns()
                    if not data:
                        self._drop(index)
                        continue
                    kernel_ns = user_ns
                    for _, _, cdata in ancillary:
                        seconds, nanos = unpack(cdata)
                        kernel_ns = seconds * 1_000_000_000 + nanos
                    buf = bufs[index]
                    if buf:
                        data = buf + data
                    # the common case, inlined: exactly one small text frame
                    size = len(data)
                    if data[0] == 0x81 and size > 4 and data[1] == 126 and (data[2] << 8 | data[3]) + 4 == size:
                        bufs[index] = b""
                        on_text(index, data[4:], kernel_ns, user_ns)
                        continue
                    frames, bufs[index] = parse_frames(data)
                    for opcode, payload in frames:
                        if opcode == 1:
                            on_text(index, payload, kernel_ns, user_ns)
                        elif opcode == 9:
                            self.pings += 1
                            try:
                                sock.send(masked_frame(payload, 0xA))
                            except OSError:
                                pass
                        elif opcode == 8:
                            self._drop(index)
                            break
        finally:
            if extra_fd is not None:
                epoll.unregister(extra_fd)

    def _drop(self, index: int) -> None:
        sock = self.socks[index]
        fd = sock.fileno()
        if fd in self.by_fd:
            self.epoll.unregister(fd)
            del self.by_fd[fd]
            self.closed += 1

    def close(self) -> None:
        for sock in self.socks:
            try:
                sock.close()
            except OSError:
                pass
        self.socks.clear()
        self.bufs.clear()
        self.by_fd.clear()
        if self.epoll is not None:
            self.epoll.close()
            self.epoll = None
