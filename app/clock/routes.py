"""The test clock's API (TEST_CLOCK=1 only; otherwise these paths do not exist: 404)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Router, get, post

from app.clock.service import move_clock
from app.core.auth import admins_only
from app.core.openapi import BEARER, errors
from app.core.time import now
from app.services import Services

# A year at a time: far enough for any lesson, never past the dates the API can spell.
MAX_ADVANCE_MINUTES = 366 * 24 * 60


class ClockAdvance(msgspec.Struct, forbid_unknown_fields=True):
    advance_minutes: Annotated[int, msgspec.Meta(ge=1, le=MAX_ADVANCE_MINUTES)]


class ClockOut(msgspec.Struct):
    now: str  # ISO 8601, UTC


def clock_out() -> ClockOut:
    return ClockOut(now=now().isoformat(timespec="milliseconds").replace("+00:00", "Z"))


@get("/test/clock", exclude_from_auth=True, summary="The shared test clock (TEST_CLOCK=1)")
async def read_clock() -> ClockOut:
    return clock_out()


@post(
    "/test/clock",
    guards=[admins_only],
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 503),
    summary="Move the shared test clock forward (admins, TEST_CLOCK=1)",
    description="Every web process, worker and the Stripe stand-in follow within a second; it never moves back.",
)
async def advance_clock(services: Services, data: ClockAdvance) -> ClockOut:
    await move_clock(services, data.advance_minutes)
    return clock_out()


router = Router("/api", route_handlers=[read_clock, advance_clock], tags=["test clock"])
