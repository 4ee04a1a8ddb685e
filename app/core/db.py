from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from asyncpg import Connection, Pool, Record
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

# What the search pool's sessions call themselves (pg_stat_activity.application_name).
PLANNED_ONCE_APPLICATION = "instainstru search"

# The connection `one_connection` holds for the reads inside it.
_held: ContextVar[Connection | None] = ContextVar("held_connection", default=None)


def all_tables() -> list[type[Table]]:
    from app.accounts.tables import RevokedToken, User
    from app.availability.tables import AvailabilityWeek, Collaborator, WeeklyTemplate
    from app.bookings.tables import Booking
    from app.catalog.tables import Category, InstructorService, Service
    from app.core.outbox import OutboxEntry
    from app.feeds.tables import CalendarFeed
    from app.instructors.onboarding_tables import BackgroundCheck, IdentitySession, OnboardingState
    from app.instructors.profile_tables import InstructorProfile
    from app.instructors.tables import AvailabilitySettings
    from app.media.tables import PictureUpload, ProfilePicture
    from app.notifications.tables import Notification
    from app.payments.earning_tables import AdminRefund, Earning
    from app.payments.stripe_tables import ConnectedAccount, PaymentMethod, Payout, StripeCustomer, StripeEvent
    from app.payments.tables import CreditBalance, CreditEntry, Payment
    from app.referrals.tables import Referral, ReferralCode
    from app.reviews.tables import Review, ReviewSummary
    from app.waitlist.tables import WaitlistEntry

    return [
        User, RevokedToken, Category, Service, InstructorService, AvailabilityWeek, AvailabilitySettings,
        Collaborator, WeeklyTemplate, Booking, Notification, OutboxEntry, Payment, CreditEntry, CreditBalance,
        StripeCustomer, PaymentMethod, StripeEvent, ConnectedAccount, Payout,
        Earning, AdminRefund, InstructorProfile,
        OnboardingState, IdentitySession, BackgroundCheck,
        PictureUpload, ProfilePicture,
        Review, ReviewSummary, ReferralCode, Referral, CalendarFeed, WaitlistEntry,
    ]  # fmt: skip


def make_engine(database_url: str) -> PostgresEngine:
    # pgserver ships no contrib extensions; the schema needs none.
    return PostgresEngine(config={"dsn": database_url}, extensions=(), log_queries=False)


async def open_pool(engine: PostgresEngine, max_size: int = 20) -> None:
    await engine.start_connection_pool(min_size=1, max_size=max_size, reset=_nothing_left_in_the_session)


class FairPool:
    """An asyncpg pool whose waiters get connections in the order they asked. asyncpg's own queue wakes
    the oldest waiter when a connection comes back, but a newcomer asking first takes it, and the waiter
    goes to the back: 16 searches on 8 connections waited their turn several times over (p99 three times
    the median). asyncio's Semaphore serves its waiters first come, first served."""

    def __init__(self, pool: Pool, size: int) -> None:
        self.pool = pool
        self._turns = asyncio.Semaphore(size)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[Connection]:
        async with self._turns, self.pool.acquire() as connection:
            yield connection

    async def close(self) -> None:
        await self.pool.close()


async def open_planned_once_pool(database_url: str, max_size: int) -> FairPool:
    """A pool for the search's reads, whose sessions plan each prepared statement once, for any
    arguments (`plan_cache_mode = force_generic_plan`). By default PostgreSQL plans a statement afresh
    for its arguments on its first five runs on a connection, and on every run after them when its plan
    for any arguments is guessed dearer, as it is for the search's: a search then spends ~40 % of its
    PostgreSQL CPU planning. On the bench's 10,000 instructors each of its 20 queries got faster with
    the plans for any arguments (bench/README, session O). The rest of the app keeps the default on the
    engine's pool."""
    pool = await asyncpg.create_pool(
        database_url,
        min_size=1,
        max_size=max_size,
        reset=_nothing_left_in_the_session,
        server_settings={"plan_cache_mode": "force_generic_plan", "application_name": PLANNED_ONCE_APPLICATION},
    )
    return FairPool(pool, max_size)


async def _nothing_left_in_the_session(connection: Any) -> None:
    """The pool's reset on release, after asyncpg's own (which rolls back an open transaction). Nothing
    here leaves state in a session: locks are `pg_advisory_xact_lock`, settings `set_config(..., true)`
    or `SET TRANSACTION`, and nothing LISTENs. So the default reset query (advisory unlock, CLOSE ALL,
    UNLISTEN *, RESET ALL), a round trip and ~0.1 ms of CPU on every release, is not sent. A session-
    level lock or SET would need it back (`connection.get_reset_query()`)."""


def bind_tables(engine: PostgresEngine) -> None:
    for table in all_tables():
        table._meta.db = engine


def json_value(raw: Any) -> Any:
    """Piccolo hands JSONB columns back as text unless asked otherwise."""
    return json.loads(raw) if isinstance(raw, str | bytes) else raw


async def upsert(table: type[Table], key: dict[Any, Any], values: dict[Any, Any]) -> None:
    """Insert the row, or update `values` on the row the unique `key` columns already name."""
    row = table(**{column._meta.name: value for column, value in {**key, **values}.items()})
    await table.insert(row).on_conflict(target=tuple(key), action="DO UPDATE", values=list(values))


async def fetch(table: type[Table], sql: str, *args: Any) -> list[Record]:
    """As `table.raw(sql, *args)` for a hot read, written with $1, $2, ... and straight to asyncpg:
    Piccolo's raw() spends ~0.2 ms of CPU a query compiling it and copying rows into dicts. Inside a
    Piccolo transaction it runs on that transaction's connection, as Piccolo's own queries do."""
    engine = table._meta.db
    transaction = engine.current_transaction.get()
    if transaction is not None:
        return await transaction.connection.fetch(sql, *args)
    held = _held.get()
    if held is not None:
        return await held.fetch(sql, *args)
    if engine.pool is None:  # no pool started (a one-off script): a connection of its own, as Piccolo does
        connection = await engine.get_new_connection()
        try:
            return await connection.fetch(sql, *args)
        finally:
            await connection.close()
    async with engine.pool.acquire() as connection:
        return await connection.fetch(sql, *args)


@asynccontextmanager
async def one_connection(engine: PostgresEngine, pool: FairPool | None = None) -> AsyncIterator[None]:
    """The `fetch` reads inside share one pooled connection (from `pool`, else the engine's): one
    acquire and one reset (a round trip) instead of one per read. Not a transaction: each read sees what
    is committed when it runs. For reads one after another only: tasks started inside (gather) would
    share the connection too."""
    source = pool or engine.pool
    if engine.current_transaction.get() is not None or _held.get() is not None or source is None:
        yield
        return
    async with source.acquire() as connection:
        token = _held.set(connection)
        try:
            yield
        finally:
            _held.reset(token)
