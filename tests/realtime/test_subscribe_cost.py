"""What a subscription costs in Redis, seen through MONITOR (each test has its own key prefix)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from redis.asyncio import Redis

from app.settings import Settings
from tests.support.accounts import Accounts
from tests.support.live import WsClient


async def test_joining_a_channel_open_in_the_process_costs_only_the_replay_read(live, http_factory, settings):
    server = live("socketify")
    owner = await Accounts(http_factory(server)).instructor()
    channel = f"slots:{owner.id}"
    first, second = await WsClient.connect(server), await WsClient.connect(server)
    try:
        opening = await _commands_naming(settings, channel, first.subscribe(channel))
        joining = await _commands_naming(settings, channel, second.subscribe(channel))
    finally:
        await first.close()
        await second.close()

    assert sorted(opening) == ["EVALSHA", "SUBSCRIBE"], "the first reader opens the channel's pub/sub"
    assert joining == ["EVALSHA"], "a second reader in the process only reads the replay"


async def _commands_naming(settings: Settings, channel: str, subscribing: Awaitable[dict[str, Any]]) -> list[str]:
    """The commands naming `channel` (under this test's prefix) that clients sent to Redis while
    `subscribing` ran; those a Lua script ran are its EVALSHA's."""
    keys = (f"{settings.redis_prefix}stream:{channel}", f"{settings.redis_prefix}ch:{channel}")
    seen: list[str] = []
    client = Redis.from_url(settings.redis_url)
    async with client.monitor() as monitor:

        async def record() -> None:
            while True:
                seen_by_redis = await monitor.next_command()
                command = seen_by_redis["command"]
                if seen_by_redis["client_type"] != "lua" and any(key in command for key in keys):
                    seen.append(command.split()[0].upper())

        recording = asyncio.ensure_future(record())
        assert (await subscribing)["op"] == "subscribed"
        await asyncio.sleep(0.3)  # anything the hub does right after answering
        recording.cancel()
    await client.aclose()
    return seen
