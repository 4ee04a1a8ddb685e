"""The connection pools (app.core.db): a connection given back is as the next user needs it, without
the default reset query's round trip on every release; the search's own plans each statement once."""

from __future__ import annotations

import asyncio

from app.catalog.tables import Category
from app.core.db import bind_tables, fetch, make_engine, one_connection, open_planned_once_pool, open_pool


async def test_a_connection_given_back_inside_a_transaction_comes_back_rolled_back(database_url):
    engine = make_engine(database_url)
    await open_pool(engine, max_size=1)
    try:
        async with engine.pool.acquire() as connection:
            await connection.execute("BEGIN")
            await connection.execute("CREATE TEMP TABLE left_behind (x int)")
            await connection.execute("SELECT pg_advisory_xact_lock(4242)")
        async with engine.pool.acquire() as connection:
            assert not connection.is_in_transaction()
            assert await connection.fetchval("SELECT to_regclass('pg_temp.left_behind')") is None
            held = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            assert await connection.fetchval(held) == 0
    finally:
        await engine.close_connection_pool()


async def test_giving_a_connection_back_sends_no_reset_query(database_url):
    engine = make_engine(database_url)
    await open_pool(engine, max_size=1)
    sent: list[str] = []
    try:
        async with engine.pool.acquire() as connection:
            connection.add_query_logger(lambda record: sent.append(record.query))
            await connection.fetchval("SELECT 1")
        async with engine.pool.acquire() as connection:
            await connection.fetchval("SELECT 2")
        assert sent == ["SELECT 1", "SELECT 2"]
    finally:
        await engine.close_connection_pool()


async def test_reads_inside_one_connection_of_the_search_pool_plan_each_statement_once(database_url):
    engine = make_engine(database_url)
    bind_tables(engine)
    await open_pool(engine, max_size=1)
    search_pool = await open_planned_once_pool(database_url, max_size=1)
    mode = "SELECT current_setting('plan_cache_mode') AS mode"
    try:
        async with one_connection(engine, search_pool):
            assert (await fetch(Category, mode))[0]["mode"] == "force_generic_plan"
        async with one_connection(engine):
            assert (await fetch(Category, mode))[0]["mode"] == "auto"
    finally:
        await search_pool.close()
        await engine.close_connection_pool()


async def test_the_search_pool_serves_its_waiters_in_the_order_they_asked(database_url):
    """A newcomer asking while a freed connection is on its way to the oldest waiter waits its turn (on
    asyncpg's own queue it took the connection: ['late', 'second', 'first'])."""
    pool = await open_planned_once_pool(database_url, max_size=1)
    served: list[str] = []

    async def read(name: str, asks: asyncio.Event | None = None) -> None:
        if asks is not None:
            await asks.wait()
        async with pool.acquire():
            served.append(name)
            await asyncio.sleep(0.01)

    try:
        held = pool.acquire()
        await held.__aenter__()
        waiting = [asyncio.create_task(read(name)) for name in ("first", "second")]
        await asyncio.sleep(0.05)
        asks = asyncio.Event()
        late = asyncio.create_task(read("late", asks))
        # The newcomer's turn of the loop falls between the release's start and the oldest waiter's wake-up.
        asyncio.get_running_loop().call_soon(asks.set)
        await held.__aexit__(None, None, None)
        await asyncio.wait_for(asyncio.gather(*waiting, late), 10)
    finally:
        await pool.close()
    assert served == ["first", "second", "late"]
