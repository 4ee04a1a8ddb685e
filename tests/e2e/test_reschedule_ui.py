"""Moving a lesson in the browser (API.md reschedule), on a desktop from the keyboard and on a 390x844
touch phone: the instructor's open times of the same length, the lesson moved in place with its price
and payment, a time taken meanwhile (409 slot_taken) and a declined card for a new time under 24 h
ahead (402) explained in words, the lesson keeping its time."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.e2e.booking_pages import press, screenshot
from tests.e2e.pages import serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

CHICAGO = "America/Chicago"


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def book(http, student, instructor, service_id: int, start: str) -> dict:
    body = {"instructor_id": instructor.id, "service_id": service_id, "start": start, "duration_minutes": 60}
    response = await http.post("/api/bookings", json=body, headers=student.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def activate(page: Page, target, keyboard: bool) -> None:
    """From the keyboard on a desktop (focus, Enter), a tap on the phone."""
    if keyboard:
        await target.focus()
        await page.keyboard.press("Enter")
    else:
        await press(page, target)


async def a_morning_to_book(http):
    """Ada's piano, open 09:00-13:00 (Chicago) on a Monday ahead, and Sam, a student."""
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    service_id = await offer_piano(http, ada)
    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "13:00"}]})
    student = await accounts.student(name="Sam Student", timezone=CHICAGO)
    return accounts, ada, service_id, monday, student


async def test_a_student_moves_a_lesson_to_another_open_time_and_is_told_when_one_was_taken(http, pages):
    accounts, ada, service_id, monday, student = await a_morning_to_book(http)
    booked = await book(http, student, ada, service_id, f"{monday}T10:00:00-06:00")
    keyboard = pages.device == "desktop"

    page = await pages.open("#/bookings", as_=student)
    row = page.get_by_test_id("booking-row")
    await expect(row).to_contain_text("10:00 AM")
    await activate(page, row.get_by_test_id("booking-reschedule"), keyboard)
    select = row.get_by_test_id("reschedule-select")
    await expect(select).not_to_have_attribute("aria-busy", "true")
    await expect(select).to_be_focused()
    assert "10:00 AM" not in await select.inner_text(), "its own time is not offered"
    await select.select_option(f"{monday}T12:00:00-06:00")
    await screenshot(page, f"reschedule-choose-{pages.device}.png")
    assert await serious_axe_violations(page) == []
    await activate(page, row.get_by_test_id("reschedule-confirm"), keyboard)

    await expect(page.get_by_test_id("cancel-status")).to_contain_text("Moved Piano with Ada Keys to")
    await expect(row).to_contain_text("12:00 PM")
    moved = (await http.get(f"/api/bookings/{booked['id']}", headers=student.headers)).json()
    sunday = monday - timedelta(days=1)
    assert (moved["start"], moved["price_cents"]) == (f"{monday}T12:00:00-06:00", booked["price_cents"])
    # Its own payment, authorized 24 h before the new time.
    assert moved["payment"] == {**booked["payment"], "authorize_at": f"{sunday}T12:00:00-06:00"}
    await expect(row).to_be_focused()  # moved in place: the same lesson, still where the student is

    # A time that another student takes while the chooser is open: 409 slot_taken, in words.
    await activate(page, row.get_by_test_id("booking-reschedule"), keyboard)
    await expect(row.get_by_test_id("reschedule-select")).not_to_have_attribute("aria-busy", "true")
    rival = await accounts.student(name="Rae Rival", timezone=CHICAGO)
    await book(http, rival, ada, service_id, f"{monday}T09:00:00-06:00")
    await row.get_by_test_id("reschedule-select").select_option(f"{monday}T09:00:00-06:00")
    await activate(page, row.get_by_test_id("reschedule-confirm"), keyboard)
    message = row.get_by_test_id("reschedule-message")
    await expect(message).to_have_text("That time was just taken or is no longer open. Pick another time.")
    await screenshot(page, f"reschedule-taken-{pages.device}.png")
    assert await serious_axe_violations(page) == []
    still = (await http.get(f"/api/bookings/{booked['id']}", headers=student.headers)).json()
    assert still["start"] == f"{monday}T12:00:00-06:00"
    await activate(page, row.get_by_test_id("reschedule-keep"), keyboard)
    await expect(row.get_by_test_id("booking-reschedule")).to_be_focused()


def days_ahead(count: int) -> list[date]:
    today = datetime.now(ZoneInfo(CHICAGO)).date()
    return [today + timedelta(days=n) for n in range(count)]


async def test_a_declined_card_for_a_new_time_under_24h_ahead_keeps_the_lesson_and_says_why(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    service_id = await offer_piano(http, ada)
    await open_all_day(http, ada, days_ahead(4))  # times under 24 h ahead and days later
    student = await accounts.student(name="Dee Declined", timezone=CHICAGO, card="pm_card_chargeDeclined")
    later = days_ahead(4)[3]
    booked = await book(http, student, ada, service_id, f"{later}T12:00:00-06:00")  # authorized only at T-24 h

    page = await pages.open("#/bookings", as_=student)
    row = page.get_by_test_id("booking-row")
    await press(page, row.get_by_test_id("booking-reschedule"))
    select = row.get_by_test_id("reschedule-select")
    await expect(select).not_to_have_attribute("aria-busy", "true")
    soonest = await select.locator("option[value]:not([value=''])").first.get_attribute("value")
    await select.select_option(soonest)
    await press(page, row.get_by_test_id("reschedule-confirm"))

    message = row.get_by_test_id("reschedule-message")
    await expect(message).to_contain_text("the bank declined it. The lesson keeps its time.")
    await expect(message.get_by_test_id("reschedule-add-card")).to_have_attribute(
        "href", f"#/cards?back=%23%2Fbookings%2Fupcoming%2F{booked['id']}"
    )
    await screenshot(page, f"reschedule-declined-{pages.device}.png")
    assert await serious_axe_violations(page) == []
    kept = (await http.get(f"/api/bookings/{booked['id']}", headers=student.headers)).json()
    assert (kept["start"], kept["payment"]["status"]) == (booked["start"], "scheduled")


async def open_all_day(http, instructor, days: list[date]) -> None:
    weeks: dict[date, dict] = {}
    for day in days:
        week = weeks.setdefault(day - timedelta(days=day.weekday()), {})
        week[day.isoformat()] = [{"start": "00:00", "end": "23:00"}]
    for week_start, week_days in weeks.items():
        await save_week(http, instructor, instructor, week_start, week_days)


async def test_a_lesson_24h_ahead_or_sooner_offers_no_reschedule(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    service_id = await offer_piano(http, ada)
    await open_all_day(http, ada, days_ahead(2))
    student = await accounts.student(name="Sam Soon", timezone=CHICAGO)
    soon = (datetime.now(ZoneInfo(CHICAGO)) + timedelta(hours=18)).replace(minute=0, second=0, microsecond=0)
    if soon.hour >= 22:  # the open range ends at 23:00
        soon -= timedelta(hours=4)
    await book(http, student, ada, service_id, soon.isoformat())

    page = await pages.open("#/bookings", as_=student)
    row = page.get_by_test_id("booking-row")
    await expect(row.get_by_test_id("booking-cancel")).to_be_visible()
    await expect(row.get_by_test_id("booking-reschedule")).to_have_count(0)


async def test_a_live_refresh_arriving_while_the_student_chooses_a_new_time_waits_for_the_choice(http, pages):
    """The list refreshes when the other side changes a lesson; a refresh asked for before the student
    opened a chooser but answered after must not wipe the open chooser: it runs when the choice closes."""
    _, ada, service_id, monday, student = await a_morning_to_book(http)
    kept = await book(http, student, ada, service_id, f"{monday}T10:00:00-06:00")
    dropped = await book(http, student, ada, service_id, f"{monday}T12:00:00-06:00")
    keyboard = pages.device == "desktop"

    page = await pages.open("#/bookings", as_=student)
    rows = page.get_by_test_id("booking-row")
    await expect(rows).to_have_count(2)
    await page.wait_for_load_state("networkidle")
    asked, release = asyncio.Event(), asyncio.Event()

    async def hold(route):
        asked.set()
        await release.wait()
        await route.continue_()

    await page.route("**/api/bookings?*", hold)
    cancelled = await http.post(f"/api/bookings/{dropped['id']}/cancel", headers=ada.headers)
    assert cancelled.status_code == 200, cancelled.text
    await asyncio.wait_for(asked.wait(), 10)  # the live notification asked for a refresh; it is held

    row = page.locator(f'[data-testid="booking-row"][data-id="{kept["id"]}"]')
    await activate(page, row.get_by_test_id("booking-reschedule"), keyboard)
    select = row.get_by_test_id("reschedule-select")
    await expect(select).not_to_have_attribute("aria-busy", "true")
    async with page.expect_response(lambda r: "/api/bookings?" in r.url):
        release.set()
    await page.wait_for_timeout(300)
    await expect(select).to_be_visible()
    await expect(select).to_be_focused()
    await expect(rows).to_have_count(2)  # the refresh waits for the choice

    await page.unroute("**/api/bookings?*")
    await activate(page, row.get_by_test_id("reschedule-keep"), keyboard)
    await expect(rows).to_have_count(1)  # then runs: the cancelled lesson leaves the upcoming list
    await expect(row.get_by_test_id("booking-reschedule")).to_be_focused()
