"""The services object: built once per web process (lifespan) and per worker (on_startup).

Its fields are real imports, not TYPE_CHECKING ones: Litestar's injection reads the annotations.

Routes receive it by dependency injection (`services: Services`), jobs read it from `ctx`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from piccolo.engine.postgres import PostgresEngine

from app.accounts.limits import AccountLookupLimiter, LoginLimiter
from app.accounts.passwords import Passwords
from app.clock.service import refresh, start_following, stop_following
from app.core.auth import Tokens
from app.core.db import FairPool, bind_tables, make_engine, open_planned_once_pool, open_pool
from app.core.outbox import Relay
from app.media.storage import Storage
from app.payments.stripe_api import StripeApi
from app.search.service_names import ServiceNames
from app.settings import Settings
from realtime.publisher import Publisher


def arq_settings(settings: Settings) -> RedisSettings:
    return RedisSettings.from_dsn(settings.redis_url or "")


def arq_queue_name(settings: Settings) -> str:
    return f"{settings.redis_prefix}arq:queue"


@dataclass
class Services:
    settings: Settings
    engine: PostgresEngine
    publisher: Publisher
    queue: ArqRedis
    relay: Relay
    # The process's one Stripe client (the stand-in without STRIPE_SECRET_KEY).
    stripe: StripeApi
    # A web process's own: what requests are authenticated and limited with.
    tokens: Tokens | None = None
    passwords: Passwords | None = None
    login_limiter: LoginLimiter | None = None
    account_lookups: AccountLookupLimiter | None = None
    # TEST_CLOCK=1: keeps app.core.time.now() on the shared clock.
    clock_follower: asyncio.Task[None] | None = None
    # The process's one object-storage client (the S3 stand-in without S3_ENDPOINT_URL in dev and tests).
    storage: Storage | None = None
    # A web process's: the search's connections, planning each statement once (app.core.db), and the
    # catalog's names it reads words against, kept while it listens for changes.
    search_pool: FairPool | None = None
    service_names: ServiceNames | None = None

    def job_id(self, *business_ids: object) -> str:
        """arq's job ids are not prefixed: ours carry the deployment prefix so deployments never collide."""
        return self.settings.redis_prefix + ":".join(str(part) for part in business_ids)

    async def aclose(self) -> None:
        """A web process's: its own queue pool and database pool (a worker's queue is arq's)."""
        await self.close_clients()
        await self.queue.aclose()
        await self.engine.close_connection_pool()
        if self.search_pool is not None:
            await self.search_pool.close()
        if self.service_names is not None:
            await self.service_names.close()

    async def close_clients(self) -> None:
        """Web and worker: the Stripe client and the test clock's follower."""
        if self.clock_follower is not None:
            await stop_following(self.clock_follower)
            self.clock_follower = None
        await self.stripe.aclose()
        if self.storage is not None:
            await self.storage.aclose()


async def open_services(
    settings: Settings,
    publisher: Publisher,
    *,
    pool_size: int = 20,
    search_pool_size: int = 0,
    queue: ArqRedis | None = None,
) -> Services:
    """`publisher`: the hub's in a web process, one of its own in a worker; `queue`: arq's own pool
    in a worker; `search_pool_size`: a web process's connections for searches (none: they share the
    engine's pool)."""
    engine = make_engine(settings.database_url or "")
    bind_tables(engine)
    await open_pool(engine, max_size=pool_size)
    search_pool = service_names = None
    if search_pool_size:
        search_pool = await open_planned_once_pool(settings.database_url or "", search_pool_size)
        service_names = ServiceNames(settings.database_url or "")
    if queue is None:
        queue = await create_pool(arq_settings(settings), default_queue_name=arq_queue_name(settings))
    # Changes in flight per process (Relay.writers): a few, since a checkout costs ~20 ms of CPU
    # and the web process has one core; more only queue on the pool and the instructor's lock, and
    # starve reads (bench/checkout_under_stripe_latency.py: catalog GET p99 1,705 ms at pool - 4
    # writers, 269 ms at 4, the same 38 checkouts/s).
    relay = Relay(
        publisher,
        queue,
        writers=max(1, min(4, pool_size - 4)),
        kill_before_relay=settings.fault_injection == "kill_before_relay",
    )
    follower = None
    if settings.test_clock:
        await refresh(publisher.redis, settings.redis_prefix)
        follower = start_following(publisher.redis, settings.redis_prefix)
    storage = await Storage.open(settings, allowed_origins=settings.cors_origins)
    return Services(
        settings, engine, publisher, queue, relay, StripeApi(settings),
        clock_follower=follower, storage=storage, search_pool=search_pool, service_names=service_names,
    )  # fmt: skip
