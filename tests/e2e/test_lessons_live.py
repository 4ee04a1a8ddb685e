"""The lessons page names people, asks before cancelling, says what the policy did, and updates
live (issue 10, item 5); notifications say who, what and when and link to the lesson."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.booking_pages import press
from tests.e2e.pages import serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week


@pytest.fixture
def server_kind(every_server_kind: str) -> str:
    return every_server_kind  # live updates cross each server's websocket adapter


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


def row(page, booking_id):
    return page.locator(f'[data-testid="booking-row"][data-id="{booking_id}"]')


async def test_lessons_page_updates_live_when_the_other_side_books_and_cancels(http, pages):
    accounts = Accounts(http)
    instructor = await accounts.instructor(name="Ada Keys")
    student = await accounts.student(name="Maximilian Bartholomew-Featherstonehaugh")  # a long name
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    day = monday.isoformat()
    await save_week(http, instructor, instructor, monday, {day: [{"start": "09:00", "end": "12:00"}]})

    async def book(at: str) -> dict:
        body = {"instructor_id": instructor.id, "service_id": service_id, "start": f"{day}T{at}:00-05:00",
                "duration_minutes": 60}  # fmt: skip
        response = await http.post("/api/bookings", json=body, headers=student.headers)
        assert response.status_code == 201, response.text
        return response.json()

    first = await book("09:00")
    teacher = await pages.open("#/bookings", as_=instructor)
    learner = await pages.open("#/bookings", as_=student)
    await expect(row(teacher, first["id"])).to_contain_text("Student: Maximilian Bartholomew-Featherstonehaugh")
    await expect(row(teacher, first["id"])).to_contain_text("Piano")
    await expect(row(learner, first["id"])).to_contain_text("with Ada Keys")
    for page in (teacher, learner):
        await expect(page.get_by_test_id("ws-status")).to_have_text("live")
        await page.evaluate("window.__e2eNotReloaded = true")
    # Long names wrap inside the card instead of overflowing it.
    widths = await row(teacher, first["id"]).evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths
    assert await serious_axe_violations(teacher) == []

    # A new booking appears on the instructor's page without a reload.
    second = await book("11:00")
    await expect(row(teacher, second["id"])).to_be_visible()

    # The student cancels: asked first, told the outcome in words; the instructor's page drops it live.
    await press(learner, row(learner, first["id"]).get_by_test_id("booking-cancel"))
    await expect(row(learner, first["id"])).to_contain_text("more than 24 hours away: cancelling is free")
    await press(learner, row(learner, first["id"]).get_by_test_id("booking-cancel-keep"))
    await expect(row(learner, first["id"]).get_by_test_id("booking-cancel")).to_be_visible()
    await press(learner, row(learner, first["id"]).get_by_test_id("booking-cancel"))
    await row(learner, first["id"]).get_by_test_id("booking-cancel-confirm").dblclick()
    await expect(learner.get_by_test_id("cancel-status")).to_contain_text("it is free: nothing is charged")
    await expect(row(learner, first["id"])).to_have_count(0)
    await expect(row(teacher, first["id"])).to_have_count(0)  # live, no reload
    await expect(row(teacher, second["id"])).to_be_visible()
    for page in (teacher, learner):
        assert await page.evaluate("window.__e2eNotReloaded === true"), "the change arrived live"

    # The bell names its count; its items say who, what and when, and lead to the lesson.
    bell = teacher.get_by_test_id("notif-bell")
    await expect(bell).to_have_attribute("aria-label", "Notifications, 3 unread")
    await press(teacher, bell)
    # The three unread (two bookings, one cancellation) are the newest; going live's, read, come after.
    items = teacher.locator('[data-testid="notif-item"].is-unread')
    await expect(items).to_have_count(3)
    cancelled = items.first
    await expect(cancelled).to_contain_text("Maximilian Bartholomew-Featherstonehaugh cancelled Piano")
    await expect(cancelled).to_contain_text(f"60-minute Piano lesson on {monday:%a %b} {monday.day}, 9:00 AM EST")
    await expect(cancelled).not_to_contain_text("version")
    assert await serious_axe_violations(teacher) == []
    await press(teacher, cancelled.get_by_test_id("notif-link"))
    await expect(teacher).to_have_url(re.compile(rf"#/bookings/cancelled/{first['id']}$"))
    await expect(row(teacher, first["id"])).to_be_focused()
    await expect(row(teacher, first["id"])).to_contain_text("Cancelled")
    await expect(bell).to_have_attribute("aria-label", "Notifications, 2 unread")
