from __future__ import annotations

from typing import Any

from app.waitlist.service import check_waitlist as check_entries


async def check_waitlist(ctx: dict[str, Any], instructor_id: int) -> int:
    """Recorded by a change that may have opened slots (app.waitlist.hooks); returns students told."""
    return await check_entries(ctx["services"], instructor_id)
