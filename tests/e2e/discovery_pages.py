"""Set-up for the discovery browser tests: live instructors with a place, a price and open times."""

from __future__ import annotations

from datetime import date

from playwright.async_api import Page

from tests.support.accounts import Account, Accounts
from tests.support.calendar import monday_after, save_week
from tests.support.screenshots import E2E, screenshot_path

PARK_SLOPE = {"headline": "Classical piano, patient with beginners", "location": {"neighborhood": "Park Slope"},
              "service_radius_miles": 3}  # fmt: skip


async def teacher(accounts: Accounts, name: str, rate_cents: int, ages=("adults",)) -> Account:
    """A live piano instructor in Park Slope at `rate_cents` an hour."""
    instructor = await accounts.instructor(name=name)
    await accounts.call("PUT", "/api/instructors/me/profile", instructor, 200, json=PARK_SLOPE)
    piano = await accounts.offer_piano(instructor)
    offer = {"hourly_rate_cents": rate_cents, "durations_minutes": [60], "age_groups": list(ages),
             "locations": ["student_home", "online"]}  # fmt: skip
    await accounts.call("PUT", f"/api/instructors/me/services/{piano}", instructor, 200, json=offer)
    return instructor


async def open_monday(http, instructor: Account, hours=("09:00", "12:00")) -> date:
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": hours[0], "end": hours[1]}]})
    return monday


async def shot(page: Page, name: str) -> None:
    await page.screenshot(path=str(screenshot_path(E2E, f"discovery/{name}.png")), full_page=True)
