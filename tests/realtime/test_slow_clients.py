"""A client that stops reading is cut off; the others keep getting events promptly."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.realtime.test_resume import publisher
from tests.support.accounts import instructor_slots_channel
from tests.support.live import SERVERS, WsClient
from tests.support.raw_ws import drained_until_closed, stalled_subscriber


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_a_client_that_falls_too_far_behind_is_disconnected(live, http_factory, settings, server_kind):
    server = live(server_kind)
    hub = publisher(settings)
    channel = await instructor_slots_channel(http_factory(server))
    slow = stalled_subscriber(server.port, channel)
    healthy = await WsClient.connect(server)
    await healthy.subscribe(channel)
    await asyncio.sleep(0.2)
    payload = {"start": "2026-11-23", "end": "2026-11-23", "padding": "x" * 4_000}
    try:
        started = time.monotonic()
        seen: list[int] = []
        for n in range(3000):
            await hub.publish(channel, "slots.changed", {**payload, "n": n})
            if n % 100 == 99:
                # The healthy client keeps up: it has everything up to n, in order, promptly.
                while not seen or seen[-1] != n:
                    seen.append((await healthy.event("slots.changed", channel, timeout=5))["data"]["n"])
        assert seen == list(range(3000))
        assert time.monotonic() - started < 60
        # What it had buffered drains; then the server has closed it.
        closed = await asyncio.to_thread(drained_until_closed, slow, 10)
        assert closed, "the server disconnected the client that fell behind"
    finally:
        await healthy.close()
        slow.close()
        await hub.aclose()
