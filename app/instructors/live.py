"""Whether an instructor is live (bookable, searchable, publicly visible). Onboarding owns liveness
(app/instructors/onboarding.py: go live once every step is done, offline at any time); everything
else asks here."""

from __future__ import annotations

from app.instructors.onboarding_tables import OnboardingState


async def is_live(instructor_id: int) -> bool:
    return await OnboardingState.exists().where(
        (OnboardingState.instructor == instructor_id) & (OnboardingState.is_live.eq(True))
    )


async def live_among(instructor_ids: list[int]) -> set[int]:
    """The live ones of these instructors, in one query (for lists: search, browse)."""
    if not instructor_ids:
        return set()
    rows = await OnboardingState.select(OnboardingState.instructor).where(
        OnboardingState.instructor.is_in(list(instructor_ids)) & (OnboardingState.is_live.eq(True))
    )
    return {row["instructor"] for row in rows}
