"""arq WorkerSettings: jobs are `async def job(ctx, <ids>)`; clients are built once in on_startup."""

from __future__ import annotations

from typing import Any

from app.core.db import bind_tables, make_engine, open_pool
from app.main import arq_queue_name, arq_settings
from app.settings import Settings
from realtime.publisher import Publisher
from tasks.bookings import release_expired_hold


def worker_settings(settings: Settings) -> dict[str, Any]:
    async def on_startup(ctx: dict[str, Any]) -> None:
        engine = make_engine(settings.database_url or "")
        bind_tables(engine)
        await open_pool(engine, max_size=5)
        ctx["engine"] = engine
        # A worker serves no sockets: it only publishes, through the same path as the web processes.
        ctx["hub"] = Publisher.connect(settings.redis_url or "", settings.redis_prefix, settings.channel_history)

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["hub"].aclose()
        await ctx["engine"].close_connection_pool()

    return {
        "functions": [release_expired_hold],
        "redis_settings": arq_settings(settings),
        "queue_name": arq_queue_name(settings),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_tries": 5,
        "handle_signals": True,
    }
