from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from app.settings import PROJECT_ROOT
from tests.support.live import SERVERS, free_port, server_env
from tests.support.processes import children_of, listening_on


async def database_connections(settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        name = urlsplit(settings.database_url).path.lstrip("/")
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
        )
    finally:
        await conn.close()


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_sigterm_closes_the_pool_and_leaves_no_process_behind(live, settings, server_kind):
    server = live(server_kind)
    assert await database_connections(settings) >= 1, "the server holds a pool"
    children = children_of(server.process.pid)
    code = server.stop()
    # uvicorn re-raises the signal once its graceful shutdown is done; socketify exits 0.
    assert code == 0 or (server_kind == "uvicorn" and code == -signal.SIGTERM), code
    for _ in range(50):
        if await database_connections(settings) == 0:
            break
        await asyncio.sleep(0.1)
    assert await database_connections(settings) == 0, "the pool was closed"
    assert all(not os.path.exists(f"/proc/{pid}") for pid in [server.process.pid, *children])


def web_process(settings, port: int, **env: str) -> subprocess.Popen:
    argv = [sys.executable, "-m", "app", "serve", "--port", str(port)]
    return subprocess.Popen(argv, env=server_env(settings, **env), cwd=PROJECT_ROOT, start_new_session=True)


async def test_web_concurrency_runs_that_many_workers_on_one_port_and_sigterm_stops_them_all(settings):
    """`python -m app serve` with WEB_CONCURRENCY=2 (a real process: workers are this command run
    again, which a test server forked from the suite's zygote is not): two workers, each with its own
    pool, answering on one port; SIGTERM to the supervisor closes both pools and leaves no process."""
    port = free_port()
    process = web_process(settings, port, WEB_CONCURRENCY="2")
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(300):
                workers = children_of(process.pid)
                if len(workers) == 2 and sorted(listening_on(port)) == sorted(workers):
                    break
                await asyncio.sleep(0.1)
            assert len(workers) == 2, workers
            assert sorted(listening_on(port)) == sorted(workers), "each worker listens on the port"
            assert await database_connections(settings) >= 2, "a pool in each worker"
            assert [(await http.get("/ready")).status_code for _ in range(6)] == [200] * 6
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
        await assert_no_connection_left(settings)
        assert all(not os.path.exists(f"/proc/{pid}") for pid in workers)
    finally:
        stop_for_good(process)


async def test_sigterm_while_the_workers_are_still_starting_is_a_clean_stop(settings):
    """A worker stopped before it could install its handler dies of the SIGTERM: the supervisor
    counts that as the stop it asked for (exit 0, as a process manager expects), not as a crash."""
    port = free_port()
    process = web_process(settings, port, WEB_CONCURRENCY="2")
    try:
        for _ in range(300):
            if len(workers := children_of(process.pid)) == 2:
                break
            await asyncio.sleep(0.01)
        assert len(workers) == 2, workers
        assert listening_on(port) == [], "no worker is serving yet"
        process.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(process.wait, 30) == 0
        await assert_no_connection_left(settings)
        assert all(not os.path.exists(f"/proc/{pid}") for pid in workers)
    finally:
        stop_for_good(process)


async def assert_no_connection_left(settings) -> None:
    for _ in range(50):
        if await database_connections(settings) == 0:
            break
        await asyncio.sleep(0.1)
    assert await database_connections(settings) == 0, "every pool was closed"


def stop_for_good(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
