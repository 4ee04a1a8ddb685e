from __future__ import annotations

from typing import Any


async def sweep_outbox(ctx: dict[str, Any]) -> int:
    """Relays what a crashed or cut-off web process left in the outbox; returns the rows relayed."""
    return await ctx["services"].relay.sweep()
