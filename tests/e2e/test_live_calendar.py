"""The issue's "must show": two editors and students watching one instructor's week, live.

Editor pages (the instructor and a collaborator) open the same week editor, a logged-in student and
an anonymous visitor open the instructor's slot page; every change below reaches the other pages
over the websocket, never by reloading.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.async_api import Page, expect

from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week


@pytest.fixture
def server_kind(every_server_kind: str) -> str:
    return every_server_kind  # live updates cross each server's websocket adapter


def range_block(page: Page, date: str, start: str, end: str):
    return page.locator(f'[data-testid="week-range"][data-date="{date}"][data-start="{start}"][data-end="{end}"]')


def slot(page: Page, date: str, time: str):
    # data-start is the ISO start with the instructor's offset, e.g. 2026-11-30T09:00:00-05:00
    return page.locator(f'[data-testid="slot"][data-start^="{date}T{time}:00"]')


async def add_range(page: Page, date: str, first: str, last: str) -> None:
    """Click a start cell and an end cell: the range covers both cells (30-minute grid)."""
    await page.locator(f'[data-testid="grid-cell"][data-date="{date}"][data-time="{first}"]').click()
    await page.locator(f'[data-testid="grid-cell"][data-date="{date}"][data-time="{last}"]').click()


async def test_two_editors_and_students_see_each_other_live(http, new_page):
    accounts = Accounts(http)
    instructor = await accounts.instructor(name="Ada Keys")
    manager = await accounts.student(name="Max Manager")
    student = await accounts.student(name="Sam Student")
    added = await http.post(
        f"/api/instructors/{instructor.id}/collaborators", json={"email": manager.email}, headers=instructor.headers
    )
    assert added.status_code == 201, added.text
    await offer_piano(http, instructor)
    monday = monday_after()
    day = monday.isoformat()
    await save_week(http, instructor, instructor, monday, {day: [{"start": "09:00", "end": "12:00"}]})

    calendar = f"#/calendar/{instructor.id}/{day}"
    owner = await new_page(calendar, as_=instructor)
    helper = await new_page(calendar, as_=manager)
    booker = await new_page(f"#/instructor/{instructor.id}", as_=student)
    visitor = await new_page(f"#/instructor/{instructor.id}")  # logged out
    pages = (owner, helper, booker, visitor)
    for page in pages:
        await expect(page.get_by_test_id("ws-status")).to_have_text("live")
        await page.evaluate("window.__e2eNotReloaded = true")  # gone if the page ever reloads
    for page in (owner, helper):
        await expect(range_block(page, day, "09:00", "12:00")).to_be_visible()
    for page in (booker, visitor):
        await expect(slot(page, day, "09:00")).to_be_visible()

    # (a) presence: each editor sees the other one.
    await expect(owner.get_by_test_id("presence")).to_contain_text("Max Manager")
    await expect(helper.get_by_test_id("presence")).to_contain_text("Ada Keys")

    # (b) a save on one editor reaches the other editor, and the students' open times.
    await add_range(owner, day, "14:00", "15:30")
    await expect(range_block(owner, day, "14:00", "16:00")).to_be_visible()
    await expect(owner.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    await owner.get_by_test_id("week-save").click()
    await expect(owner.get_by_test_id("save-status")).to_have_text("Saved")
    await expect(range_block(helper, day, "14:00", "16:00")).to_be_visible()
    await expect(range_block(helper, day, "09:00", "12:00")).to_be_visible()
    for page in (booker, visitor):
        await expect(slot(page, day, "14:00")).to_be_visible()

    # (c) a booking: the slot disappears for everyone, editors see it booked, the instructor is notified.
    await expect(owner.get_by_test_id("notif-count")).to_have_text("0")
    await expect(booker.get_by_test_id("duration-select")).to_have_value("30")
    await slot(booker, day, "09:00").click()  # opens the review step
    await booker.get_by_test_id("booking-confirm").click()
    await expect(booker.get_by_test_id("booking-confirmation")).to_contain_text("Booked")
    await expect(booker.get_by_test_id("booking-confirmation")).to_contain_text("Ada Keys")
    await expect(slot(visitor, day, "09:00")).to_have_count(0)
    await expect(slot(visitor, day, "09:30")).to_be_visible()  # only the booked half hour went
    await expect(slot(booker, day, "09:00")).to_have_count(0)
    for page in (owner, helper):
        booked = page.locator(f'[data-testid="week-booked"][data-date="{day}"][data-start="09:00"]')
        await expect(booked).to_be_visible()
        await expect(booked).to_have_attribute("data-end", "09:30")
    await expect(owner.get_by_test_id("notif-count")).to_have_text("1")
    await owner.get_by_test_id("notif-bell").click()
    unread = owner.locator('[data-testid="notif-item"].is-unread')  # going live's, read, come after
    await expect(unread).to_have_count(1)
    await expect(unread).to_contain_text("Sam Student booked Piano")
    await owner.keyboard.press("Escape")
    await expect(helper.get_by_test_id("notif-count")).to_have_text("0")  # the booking notifies the instructor only

    await booker.screenshot(path="/tmp/e2e-slots.png", full_page=True)

    # (d) a conflict: the collaborator has an unsaved edit when the instructor saves.
    tuesday = (monday + timedelta(days=1)).isoformat()
    await add_range(helper, tuesday, "18:00", "18:30")
    await expect(range_block(helper, tuesday, "18:00", "19:00")).to_be_visible()
    await expect(helper.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    await expect(helper.get_by_test_id("conflict-banner")).to_be_hidden()

    await add_range(owner, tuesday, "08:00", "09:30")
    await owner.get_by_test_id("week-save").click()
    await expect(owner.get_by_test_id("save-status")).to_have_text("Saved")

    await expect(helper.get_by_test_id("conflict-banner")).to_be_visible()
    await expect(range_block(helper, tuesday, "18:00", "19:00")).to_be_visible()  # nothing lost silently
    await expect(range_block(helper, tuesday, "08:00", "10:00")).to_have_count(0)
    await helper.get_by_test_id("conflict-reload").click()
    await expect(helper.get_by_test_id("conflict-banner")).to_be_hidden()
    await expect(range_block(helper, tuesday, "08:00", "10:00")).to_be_visible()
    await expect(range_block(helper, tuesday, "18:00", "19:00")).to_have_count(0)
    await expect(range_block(helper, day, "14:00", "16:00")).to_be_visible()
    await expect(helper.locator(f'[data-testid="week-booked"][data-date="{day}"]')).to_have_count(1)
    await expect(helper.get_by_test_id("week-save")).to_be_disabled()  # nothing unsaved any more

    await owner.screenshot(path="/tmp/e2e-calendar.png")
    for page in pages:
        assert await page.evaluate("window.__e2eNotReloaded === true"), "every change above arrived live"

    # What the pages showed is what the server holds.
    week = (
        await http.get(f"/api/instructors/{instructor.id}/availability/weeks/{day}", headers=manager.headers)
    ).json()
    assert week["days"][day] == [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "16:00"}]
    assert week["days"][tuesday] == [{"start": "08:00", "end": "10:00"}]
    assert [(b["date"], b["start"], b["end"]) for b in week["booked"]] == [(day, "09:00", "09:30")]
