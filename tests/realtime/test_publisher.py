from __future__ import annotations

import asyncio
import json

from realtime.publisher import Publisher


async def test_concurrent_publishes_are_each_stored_once(settings, redis):
    publisher = Publisher.connect(settings.redis_url, settings.redis_prefix, history=1000)
    try:
        await asyncio.gather(*(publisher.publish("slots:9", "slots.changed", {"n": n}) for n in range(200)))
    finally:
        await publisher.aclose()
    entries = await redis.xrange(f"{settings.redis_prefix}stream:slots:9")
    stored = [json.loads(fields[b"d"])["n"] for _, fields in entries if fields[b"t"]]
    assert sorted(stored) == list(range(200))
