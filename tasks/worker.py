"""arq WorkerSettings: jobs are `async def job(ctx, <ids>)`; clients are built once in on_startup."""

from __future__ import annotations

from typing import Any

from app.core.db import bind_tables, make_engine, open_pool
from app.main import arq_queue_name, arq_settings
from app.realtime_channels import channel_rules
from app.settings import Settings
from realtime.asgi_transport import AsgiTransport
from realtime.hub import Hub
from tasks.bookings import release_expired_hold


def worker_settings(settings: Settings) -> dict[str, Any]:
    async def on_startup(ctx: dict[str, Any]) -> None:
        engine = make_engine(settings.database_url or "")
        bind_tables(engine)
        await open_pool(engine, max_size=5)
        ctx["engine"] = engine
        # Only publishes: no sockets are served by a worker.
        ctx["hub"] = Hub(
            redis_url=settings.redis_url or "",
            prefix=settings.redis_prefix,
            transport=AsgiTransport(),
            authenticate=_no_sockets,
            rules=channel_rules(),
            history=settings.channel_history,
        )

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["hub"].stop()
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


async def _no_sockets(token: str | None) -> None:
    return None
