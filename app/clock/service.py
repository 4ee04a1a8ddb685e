"""TEST_CLOCK=1: one clock for every web process, worker and the Stripe stand-in.

The clock is the wall clock plus an offset kept in Redis (never a stopped clock: time keeps
running, so what is due keeps coming due). Each process caches the offset for app.core.time.now()
and refreshes it every FOLLOW_SECONDS (web lifespan and worker start-up, through open_services);
the process that moves the clock sets its own copy at once. The offset only grows.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

import httpx
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.core.errors import ApiError
from app.core.time import now, set_clock_offset

if TYPE_CHECKING:  # app.services starts the follower from here
    from app.services import Services

log = structlog.get_logger()
FOLLOW_SECONDS = 0.2


def offset_key(prefix: str) -> str:
    return f"{prefix}test_clock:offset_seconds"


async def refresh(redis: Redis, prefix: str) -> float:
    raw = await redis.get(offset_key(prefix))
    offset = float(raw) if raw is not None else 0.0
    set_clock_offset(offset)
    return offset


async def follow(redis: Redis, prefix: str) -> None:
    """Runs until cancelled; a Redis outage keeps the last offset known."""
    while True:
        await asyncio.sleep(FOLLOW_SECONDS)
        try:
            await refresh(redis, prefix)
        except (RedisError, OSError) as exc:
            log.warning("test_clock_refresh_failed", error=str(exc))


def start_following(redis: Redis, prefix: str) -> asyncio.Task[None]:
    return asyncio.create_task(follow(redis, prefix), name="test-clock-follower")


async def stop_following(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    set_clock_offset(0)


async def advance(redis: Redis, prefix: str, minutes: int) -> datetime:
    """Moves the shared clock `minutes` forward (INCRBYFLOAT: concurrent moves add up)."""
    offset = float(await redis.incrbyfloat(offset_key(prefix), minutes * 60))
    set_clock_offset(offset)
    return now()


async def move_clock(services: Services, minutes: int) -> datetime:
    """POST /api/test/clock: the shared clock, then the stand-in's, move forward."""
    moved = await advance(services.publisher.redis, services.settings.redis_prefix, minutes)
    try:
        await services.stripe.follow_clock(moved)
    except httpx.HTTPError as exc:
        log.warning("standin_clock_not_moved", error=str(exc))
        raise ApiError(
            503, "The clock moved, but the Stripe stand-in did not follow; move it again", code="standin_unavailable",
            headers={"Retry-After": "2"},
        ) from None  # fmt: skip
    return moved
