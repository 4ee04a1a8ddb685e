from __future__ import annotations

from typing import Any

from app.payments.cards import retry_failed_authorizations_of


async def retry_failed_authorizations(ctx: dict[str, Any], student_id: int) -> int:
    """A card was added: every failed authorization of the student is due again now. Safe to run twice."""
    return await retry_failed_authorizations_of(student_id)
