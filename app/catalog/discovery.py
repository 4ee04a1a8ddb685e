"""Kids discovery: the `kids` category is computed, listing every service (of any category) that at
least one live instructor offers to kids, in catalog order.

It is cached in Redis and follows every change that can alter it at once, through the outbox: such
a change (a service offered, changed or withdrawn; going live or offline) records `discovery.changed`
in its own transaction, and the relay appends it to the `discovery` stream after the commit. A
cached list names the stream's newest event id it was computed under and is used only while that is
still the newest, so a reader racing a change can at worst store a list nobody will trust.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from app.catalog.schemas import CategoryOut
from app.catalog.tables import Service
from app.core.outbox import Effects, OutboxEntry, change

if TYPE_CHECKING:
    from app.services import Services

KIDS = "kids"
CHANNEL = "discovery"  # an outbox topic only: no client subscribes to it
CACHE_SECONDS = 24 * 3600  # housekeeping only: freshness comes from the stream, never from a timer

# Which services: the cache holds only ids, so names, categories and their order (an admin's edits)
# always come from the catalog as it is read.
KIDS_SERVICE_IDS = """
SELECT DISTINCT o.service AS id FROM instructor_services o
WHERE o.live AND o.age_groups @> ARRAY['kids']::varchar[]
"""


async def record_change(effects: Effects, instructor_id: int) -> None:
    """One line in every change that can alter kids discovery, inside its transaction."""
    await effects.event(CHANNEL, "discovery.changed", {"instructor_id": instructor_id})


@asynccontextmanager
async def changing(services: Services | None) -> AsyncIterator[Effects]:
    """A change with its outbox: relayed at once with `services`; without (the demo seeder), the
    worker's outbox sweep relays it."""
    if services is not None:
        async with change(services.relay) as effects:
            yield effects
        return
    effects = Effects()
    async with OutboxEntry._meta.db.transaction():
        yield effects
        await effects.write()


async def kids_service_ids(services: Services) -> set[int]:
    redis = services.publisher.redis
    cache_key = f"{services.settings.redis_prefix}discovery:kids"
    async with redis.pipeline(transaction=False) as pipe:
        pipe.xrevrange(services.publisher.streams.stream_key(CHANNEL), count=1)
        pipe.get(cache_key)
        newest, cached = await pipe.execute()
    tag = newest[0][0].decode() if newest else ""
    if cached:
        stored = json.loads(cached)
        if stored["tag"] == tag:
            return set(stored["ids"])
    ids = sorted(row["id"] for row in await Service.raw(KIDS_SERVICE_IDS))
    await redis.set(cache_key, json.dumps({"tag": tag, "ids": ids}), ex=CACHE_SECONDS)
    return set(ids)


async def with_kids_computed(services: Services, categories: list[CategoryOut]) -> list[CategoryOut]:
    """The catalog's categories (app.catalog.service.categories), the `kids` one holding the computed
    services in catalog order."""
    if not any(c.slug == KIDS for c in categories):
        return categories
    ids = await kids_service_ids(services)
    kids = [s for c in categories for s in c.services if s.id in ids]
    for category in categories:
        if category.slug == KIDS:
            category.services = kids
    return categories
