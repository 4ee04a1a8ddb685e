"""The cancellation policy at its boundaries, as API.md's cancel table words it.

Student: more than 24 h ahead `free`, 12 to 24 h (both ends included) `credit_refund`, less than
12 h `charged_in_full`; instructor `full_refund` at any time; a held booking `hold_released`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from app.payments.policy import Canceller, outcome_of
from tests.bookings.conftest import booking_body

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SECOND, MINUTE, HOUR = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1)

# How long before the start the cancel happens, and what a student's cancel does then.
STUDENT_CANCELS = [
    pytest.param(7 * 24 * HOUR, "free", id="7d"),
    pytest.param(24 * HOUR + SECOND, "free", id="24h+1s"),
    pytest.param(24 * HOUR, "credit_refund", id="24h"),
    pytest.param(24 * HOUR - SECOND, "credit_refund", id="24h-1s"),
    pytest.param(12 * HOUR + SECOND, "credit_refund", id="12h+1s"),
    pytest.param(12 * HOUR, "credit_refund", id="12h"),
    pytest.param(12 * HOUR - SECOND, "charged_in_full", id="12h-1s"),
    pytest.param(MINUTE, "charged_in_full", id="1min"),
    pytest.param(timedelta(0), "charged_in_full", id="at_start"),
    pytest.param(-30 * MINUTE, "charged_in_full", id="30min_after_start"),
]
TIMES = [pytest.param(case.values[0], id=case.id) for case in STUDENT_CANCELS]


def booking(status: str, ahead: timedelta) -> dict:
    return {"status": status, "start_at": NOW + ahead}


def cancellation_outcome(row: dict, by_instructor: bool, now: datetime) -> str:
    by = Canceller.instructor if by_instructor else Canceller.student
    return outcome_of(by, row["status"] == "held", row["start_at"] - now)


@pytest.mark.parametrize(("ahead", "outcome"), STUDENT_CANCELS)
def test_student_cancelling_a_confirmed_lesson(ahead, outcome):
    assert cancellation_outcome(booking("confirmed", ahead), by_instructor=False, now=NOW) == outcome


@pytest.mark.parametrize("ahead", TIMES)
def test_instructor_cancelling_refunds_fully_at_any_time(ahead):
    assert cancellation_outcome(booking("confirmed", ahead), by_instructor=True, now=NOW) == "full_refund"


@pytest.mark.parametrize("by_instructor", [False, True], ids=["student", "instructor"])
@pytest.mark.parametrize("ahead", TIMES)
def test_cancelling_a_hold_releases_it_whoever_cancels_and_whenever(ahead, by_instructor):
    assert cancellation_outcome(booking("held", ahead), by_instructor=by_instructor, now=NOW) == "hold_released"


def test_hours_ahead_are_elapsed_hours_not_wall_clock_across_a_dst_change():
    # New York springs forward on 2026-03-08: noon Saturday to noon Sunday is 23 real hours.
    start = datetime(2026, 3, 8, 12, 0, tzinfo=ZoneInfo("America/New_York"))
    saturday_noon = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)
    row = {"status": "confirmed", "start_at": start}
    assert start - saturday_noon == 23 * HOUR
    assert cancellation_outcome(row, by_instructor=False, now=saturday_noon) == "credit_refund"
    assert cancellation_outcome(row, by_instructor=False, now=saturday_noon - HOUR - SECOND) == "free"


async def move_start(settings, booking_id: int, ahead: timedelta) -> None:
    """Put a booked lesson `ahead` of now, keeping its length and buffer (the API only books beyond notice)."""
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            """UPDATE bookings SET start_at = now() + $2, end_at = now() + $2 + (end_at - start_at),
                                   blocked_until = now() + $2 + (blocked_until - start_at)
               WHERE id = $1""",
            booking_id, ahead,
        )  # fmt: skip
    finally:
        await conn.close()


@pytest.mark.parametrize(
    ("hold", "ahead", "outcome"),
    [(False, 18 * HOUR, "credit_refund"), (False, HOUR, "charged_in_full"), (True, 2 * HOUR, "hold_released")],
    ids=["student_18h_ahead", "student_1h_ahead", "held_2h_ahead"],
)
async def test_cancel_endpoint_reports_the_policy_outcome(client, accounts, open_week, settings, hold, ahead, outcome):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = booking_body(instructor, service_id, monday, **({"hold": True} if hold else {}))
    booked = await client.post("/api/bookings", json=body, headers=student.headers)
    assert booked.status_code == 201, booked.text
    await move_start(settings, booked.json()["id"], ahead)

    cancelled = await client.post(f"/api/bookings/{booked.json()['id']}/cancel", headers=student.headers)

    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["policy"]["outcome"] == outcome
    assert cancelled.json()["policy"]["cancelled_by"] == student.id
