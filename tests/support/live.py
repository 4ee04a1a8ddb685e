"""Live web processes in subprocesses on free ports, and websocket clients speaking the /ws protocol."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from app.settings import PROJECT_ROOT, Settings
from tests.support.forkserver import ForkedProcess, zygote

SERVERS = ("socketify", "uvicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url or "",
        "REDIS_URL": settings.redis_url or "",
        "REDIS_PREFIX": settings.redis_prefix,
        "SECRET_KEY": settings.secret_key,
        "LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE": "100000",
        "COLLABORATOR_ADDS_PER_HOUR": "100000",
        "PASSWORD_TIME_COST": str(settings.password_time_cost),
        "PASSWORD_MEMORY_KIB": str(settings.password_memory_kib),
        "LOG_LEVEL": "WARNING",
        "S3_ENDPOINT_URL": settings.s3_endpoint_url or "",
        "S3_BUCKET": settings.s3_bucket,
        "S3_ACCESS_KEY": settings.s3_access_key,
        "S3_SECRET_KEY": settings.s3_secret_key,
        "S3_REGION": settings.s3_region,
        **extra,
    }


@dataclass
class LiveServer:
    kind: str
    port: int
    process: subprocess.Popen | ForkedProcess

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_server(kind: str, settings: Settings, **env: str) -> LiveServer:
    port = free_port()
    argv = ["serve", "--server", kind, "--port", str(port)]
    forks = zygote()
    if forks is not None:
        process: subprocess.Popen | ForkedProcess = forks.spawn(argv, server_env(settings, **env), str(PROJECT_ROOT))
    else:
        process = subprocess.Popen(
            [sys.executable, "-m", "app", *argv],
            env=server_env(settings, **env),
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
    server = LiveServer(kind, port, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{kind} server exited with {process.returncode}")
        try:
            if httpx.get(f"{server.url}/ready", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{kind} server did not become ready")


@dataclass
class WsClient:
    """A real websocket client; frames are JSON objects."""

    socket: Any
    received: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    async def connect(cls, server: LiveServer, token: str | None = None) -> WsClient:
        url = server.ws_url + (f"?token={token}" if token else "")
        return cls(await websockets.connect(url, open_timeout=10, max_size=2**24))

    async def send(self, frame: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(frame))

    async def subscribe(self, channel: str, last_id: str | None = None) -> dict[str, Any]:
        await self.send({"op": "subscribe", "channel": channel, "last_id": last_id})
        return await self.next(lambda f: f.get("channel") == channel and f["op"] in ("subscribed", "error"))

    async def next(self, match=lambda f: True, timeout: float = 10) -> dict[str, Any]:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame in {timeout}s; got {self.received[-5:]}")
            frame = json.loads(await asyncio.wait_for(self.socket.recv(), remaining))
            self.received.append(frame)
            if match(frame):
                return frame

    async def event(self, type_: str, channel: str | None = None, timeout: float = 10) -> dict[str, Any]:
        return await self.next(
            lambda f: f["op"] == "event" and f["type"] == type_ and (channel is None or f["channel"] == channel),
            timeout,
        )

    async def quiet(self, seconds: float = 0.5) -> list[dict[str, Any]]:
        """Every frame that arrives within `seconds`."""
        frames = []
        try:
            while True:
                frames.append(await self.next(timeout=seconds))
        except TimeoutError:
            return frames

    async def close(self) -> None:
        await self.socket.close()
