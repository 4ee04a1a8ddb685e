"""Whether an instructor is live (bookable, searchable, publicly visible). Onboarding owns liveness
and replaces this body with its own check; everything else asks here."""

from __future__ import annotations


async def is_live(instructor_id: int) -> bool:
    return False
