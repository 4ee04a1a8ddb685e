from __future__ import annotations

import asyncio
import os
import signal
from urllib.parse import urlsplit

import asyncpg
import pytest

from tests.support.live import SERVERS


async def database_connections(settings) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        name = urlsplit(settings.database_url).path.lstrip("/")
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name
        )
    finally:
        await conn.close()


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


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
