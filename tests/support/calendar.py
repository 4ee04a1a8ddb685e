"""Helpers for tests that need an instructor with a service and open weeks."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.support.accounts import Account

PIANO_OFFER = {
    "hourly_rate_cents": 6000,
    "durations_minutes": [30, 60],
    "age_groups": ["adults"],
    "locations": ["online"],
}


def monday_after(days: int = 7, tz: str = "America/New_York") -> date:
    """A Monday at least `days` days ahead in `tz`: far enough that minimum notice never interferes."""
    today = datetime.now(ZoneInfo(tz)).date() + timedelta(days=days)
    return today + timedelta(days=(7 - today.weekday()) % 7)


def week_path(instructor: Account, week_start: date) -> str:
    return f"/api/instructors/{instructor.id}/availability/weeks/{week_start.isoformat()}"


async def piano_id(client) -> int:
    categories = (await client.get("/api/catalog/categories")).json()
    return next(s["id"] for c in categories for s in c["services"] if s["slug"] == "piano")


async def offer_piano(client, instructor: Account) -> int:
    service_id = await piano_id(client)
    response = await client.put(
        f"/api/instructors/me/services/{service_id}", json=PIANO_OFFER, headers=instructor.headers
    )
    assert response.status_code == 200, response.text
    return service_id


async def save_week(client, editor: Account, instructor: Account, week_start: date, days: dict) -> dict:
    current = await client.get(week_path(instructor, week_start), headers=editor.headers)
    assert current.status_code == 200, current.text
    response = await client.put(
        week_path(instructor, week_start),
        json={"days": days},
        headers={**editor.headers, "If-Match": current.headers["etag"]},
    )
    assert response.status_code == 200, response.text
    return response.json()
