"""The catalog's names a web process's search reads its words against (app.search.service_names): kept
while it listens for catalog changes, each change read by the next search once its notice is in, and read
afresh by every search while the listening connection is lost, until it is back."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from app.core.db import bind_tables, make_engine, open_pool
from app.search.service_names import LISTENER_APPLICATION, ServiceNames


@pytest.fixture
async def names(database_url):
    engine = make_engine(database_url)
    bind_tables(engine)
    await open_pool(engine, max_size=2)
    kept = ServiceNames(database_url)
    try:
        yield kept
    finally:
        await kept.close()
        await engine.close_connection_pool()


@pytest.fixture
async def renamed(database_url):
    """Renames the first service (and puts its name back after)."""
    conn = await asyncpg.connect(database_url)
    service_id, name = await conn.fetchrow("SELECT id, name FROM services ORDER BY id LIMIT 1")

    async def rename(new: str) -> None:
        await conn.execute("UPDATE services SET name = $1 WHERE id = $2", new, service_id)

    try:
        yield service_id, rename
    finally:
        await conn.execute("UPDATE services SET name = $1 WHERE id = $2", name, service_id)
        await conn.close()


async def until(test, seconds: float = 5.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if await test():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not within time")


async def name_of(names: ServiceNames, service_id: int) -> str:
    return {row["id"]: row["name"] for row in await names.read()}[service_id]


async def test_the_names_are_kept_while_listening_and_a_change_is_read_once_its_notice_is_in(names, renamed):
    service_id, rename = renamed
    first = await names.read()  # starts listening; not kept before it does
    await until(lambda: asyncio.sleep(0, names.listening))
    kept = await names.read()
    assert await names.read() is kept, "read once, then kept"
    assert kept is not first
    await rename("Pianoforte")
    await until(lambda: asyncio.sleep(0, names._rows is None))  # the notice is in
    assert await name_of(names, service_id) == "Pianoforte"
    assert await names.read() is await names.read()


async def test_while_the_listener_is_lost_every_read_is_afresh_until_it_listens_again(names, renamed, database_url):
    service_id, rename = renamed
    await names.read()
    await until(lambda: asyncio.sleep(0, names.listening))
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND datname = current_database()",
            LISTENER_APPLICATION,
        )
        await until(lambda: asyncio.sleep(0, not names.listening))
        await rename("Pianoforte")  # no listener to be told
        assert await name_of(names, service_id) == "Pianoforte"  # read afresh, and listening again
        await until(lambda: asyncio.sleep(0, names.listening))
        assert await names.read() is await names.read(), "kept again"
        await rename("Keys")
        await until(lambda: asyncio.sleep(0, names._rows is None))
        assert await name_of(names, service_id) == "Keys"
    finally:
        await conn.close()


async def test_a_search_reads_words_against_a_service_renamed_a_moment_ago(client, renamed, database_url):
    service_id, rename = renamed
    listeners = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()"
    conn = await asyncpg.connect(database_url)
    try:
        await client.get("/api/search", params={"q": "piano"})  # the web process starts listening

        async def listening() -> bool:
            return await conn.fetchval(listeners, LISTENER_APPLICATION) > 0

        await until(listening)
    finally:
        await conn.close()
    for _ in range(2):  # read and kept
        assert (await client.get("/api/search", params={"q": "theremin"})).json()["understood"] == {}
    await rename("Theremin")
    for _ in range(100):
        body = (await client.get("/api/search", params={"q": "theremin"})).json()
        if body["understood"].get("service") is not None:
            break
        await asyncio.sleep(0.01)
    assert body["understood"]["service"] == await slug_of(client, service_id)


async def slug_of(client, service_id: int) -> str:
    catalog = (await client.get("/api/catalog/services")).json()
    return next(s["slug"] for s in catalog if s["id"] == service_id)
