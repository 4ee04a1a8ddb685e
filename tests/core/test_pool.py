"""The connection pool (app.core.db.open_pool): a connection given back is as the next user needs it,
without the default reset query's round trip on every release."""

from __future__ import annotations

from app.core.db import make_engine, open_pool


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
