"""Collaboration that respects people's work: a manager finds the calendars it manages from its own
home, a conflict names who changed the week and re-applies the stale editor's unsaved edits on top
of the new version, and the settings and collaborators screens work (and pass axe)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from tests.e2e.editor_pages import DASH, range_block
from tests.e2e.pages import PHONE, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.screenshots import E2E, screenshot_path


async def add_collaborator(http, instructor, person) -> None:
    added = await http.post(
        f"/api/instructors/{instructor.id}/collaborators", json={"email": person.email}, headers=instructor.headers
    )
    assert added.status_code == 201, added.text


async def test_a_collaborator_reaches_the_managed_calendar_from_its_own_home(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Piano")
    manager = await accounts.student(name="Max Manager")
    await add_collaborator(http, ada, manager)

    page = await pages("#/", as_=manager, device=PHONE)
    await expect(page).to_have_url(re.compile(r"#/calendar$"))
    link = page.get_by_role("link", name="Ada Piano's calendar")
    await expect(link).to_be_visible()
    await link.tap()
    await expect(page.get_by_test_id("calendar-owner")).to_have_text("Ada Piano's calendar")
    await expect(page.get_by_test_id("day-list")).to_be_visible()
    await expect(page.get_by_test_id("ws-status")).to_have_text("live")
    await page.screenshot(path=screenshot_path(E2E, "phone-collaborator-calendar.png"))


async def test_a_conflict_names_who_changed_the_week_and_reapplies_the_stale_edit(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Piano")
    manager = await accounts.student(name="Max Manager")
    student = await accounts.student(name="Sam Student")
    await add_collaborator(http, ada, manager)
    service_id = await offer_piano(http, ada)
    monday = monday_after()
    day, tuesday = monday.isoformat(), (monday + timedelta(days=1)).isoformat()
    await save_week(http, ada, ada, monday, {day: [{"start": "09:00", "end": "12:00"}]})

    calendar = f"#/calendar/{ada.id}/{day}"
    owner = await pages(calendar, as_=ada)
    helper = await pages(calendar, as_=manager)
    for page in (owner, helper):
        await expect(page.get_by_test_id("ws-status")).to_have_text("live")
        await expect(range_block(page, day, "09:00", "12:00")).to_be_visible()
    await expect(helper.get_by_test_id("presence")).to_contain_text("Ada Piano")

    # The manager's unsaved edits: Tuesday evening added, Monday morning removed.
    for t in ("18:00", "18:30"):
        await helper.locator(f'[data-testid="grid-cell"][data-date="{tuesday}"][data-time="{t}"]').click()
    await range_block(helper, day, "09:00", "12:00").click()
    await expect(helper.get_by_test_id("save-status")).to_have_text("Unsaved changes")

    # Meanwhile Ada adds Tuesday morning and saves; then a student books Monday 10:00.
    for t in ("08:00", "09:30"):
        await owner.locator(f'[data-testid="grid-cell"][data-date="{tuesday}"][data-time="{t}"]').click()
    await owner.get_by_test_id("week-save").click()
    await expect(owner.get_by_test_id("save-status")).to_have_text("Saved")

    banner = helper.get_by_test_id("conflict-banner")
    await expect(banner).to_be_visible()
    await expect(helper.get_by_test_id("conflict-who")).to_have_text(
        "Ada Piano changed this week while you were editing:"
    )
    # What Ada changed, from the week her save's event carried.
    await expect(helper.get_by_test_id("conflict-theirs")).to_contain_text(f"added 8:00 AM {DASH} 10:00 AM")
    await expect(helper.get_by_test_id("conflict-edits")).to_contain_text(f"added 6:00 PM {DASH} 7:00 PM")
    await expect(helper.get_by_test_id("conflict-edits")).to_contain_text(f"removed 9:00 AM {DASH} 12:00 PM")
    await expect(range_block(helper, tuesday, "18:00", "19:00")).to_be_visible()  # nothing discarded

    start = datetime.combine(monday, time(10, 0), ZoneInfo("America/New_York")).isoformat()
    booked = await http.post(
        "/api/bookings",
        json={"instructor_id": ada.id, "service_id": service_id, "start": start, "duration_minutes": 30},
        headers=student.headers,
    )
    assert booked.status_code == 201, booked.text
    await expect(owner.locator(f'[data-testid="week-booked"][data-date="{day}"]')).to_have_count(1)
    # The booking after Ada's save is told as a booking, not as another editor.
    await expect(helper.get_by_test_id("conflict-who")).to_have_text(
        "Ada Piano changed this week, and a lesson was booked or cancelled, while you were editing:"
    )
    await helper.screenshot(path=screenshot_path(E2E, "desktop-conflict-banner.png"))

    await helper.get_by_test_id("conflict-reapply").click()
    await expect(banner).to_be_hidden()
    await expect(range_block(helper, tuesday, "08:00", "10:00")).to_be_visible()  # Ada's change
    await expect(range_block(helper, tuesday, "18:00", "19:00")).to_be_visible()  # mine, re-applied
    await expect(range_block(helper, day, "10:00", "10:30")).to_be_visible()  # the booked half hour stays
    await expect(helper.get_by_test_id("reapply-skipped")).to_contain_text(
        f"10:00 AM {DASH} 10:30 AM: a lesson is booked then"
    )
    await helper.get_by_test_id("week-save").click()
    await expect(helper.get_by_test_id("save-status")).to_have_text("Saved")

    week = (await http.get(week_path(ada, monday), headers=ada.headers)).json()
    assert week["days"][day] == [{"start": "10:00", "end": "10:30"}]
    assert week["days"][tuesday] == [{"start": "08:00", "end": "10:00"}, {"start": "18:00", "end": "19:00"}]
    await expect(range_block(owner, tuesday, "18:00", "19:00")).to_be_visible()  # and Ada sees it live


async def test_copy_to_next_week_shows_what_it_overwrites_and_asks(http, pages):
    ada = await Accounts(http).instructor(name="Ada Piano")
    monday = monday_after()
    following = monday + timedelta(days=7)
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    await save_week(http, ada, ada, following, {following.isoformat(): [{"start": "13:00", "end": "14:00"}]})
    page = await pages(f"#/calendar/{ada.id}/{monday.isoformat()}", as_=ada)
    await expect(range_block(page, monday.isoformat(), "09:00", "12:00")).to_be_visible()

    await page.get_by_test_id("week-copy-next").click()
    await expect(page.get_by_test_id("copy-overwrites")).to_contain_text(f"1:00 PM {DASH} 2:00 PM")
    await page.get_by_test_id("copy-cancel").click()
    unchanged = (await http.get(week_path(ada, following), headers=ada.headers)).json()
    assert unchanged["days"][following.isoformat()] == [{"start": "13:00", "end": "14:00"}]

    await page.get_by_test_id("week-copy-next").click()
    await page.get_by_test_id("copy-confirm").click()
    await expect(page.get_by_test_id("save-status")).to_contain_text("Copied")
    copied = (await http.get(week_path(ada, following), headers=ada.headers)).json()
    assert copied["days"][following.isoformat()] == [{"start": "09:00", "end": "12:00"}]


async def test_settings_and_collaborators_screens(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Piano")
    manager = await accounts.student(name="Max Manager")

    page = await pages("#/calendar", as_=ada)
    await page.get_by_test_id("calendar-settings-link").click()
    await expect(page.get_by_test_id("setting-buffer_minutes")).to_be_visible()
    await page.get_by_test_id("setting-buffer_minutes").fill("500")
    await page.get_by_test_id("settings-save").click()
    await expect(page.locator("#error-buffer_minutes")).to_contain_text("from 0 to 240")
    await page.get_by_test_id("setting-buffer_minutes").fill("15")
    await page.get_by_test_id("settings-save").click()
    await expect(page.get_by_test_id("settings-status")).to_have_text("Settings saved")
    settings = (await http.get("/api/instructors/me/availability/settings", headers=ada.headers)).json()
    assert settings["buffer_minutes"] == 15
    assert await serious_axe_violations(page) == []

    await page.goto("/#/collaborators")
    await expect(page.get_by_text("Nobody else edits your calendar yet.")).to_be_visible()
    await page.get_by_test_id("collaborator-email").fill("nobody-here@example.test")
    await page.get_by_test_id("collaborator-add").click()
    await expect(page.get_by_test_id("collaborator-error")).to_contain_text("No account has this email")
    await page.get_by_test_id("collaborator-email").fill(manager.email)
    await page.get_by_test_id("collaborator-add").click()
    await expect(page.get_by_test_id("collaborator")).to_contain_text("Max Manager")
    assert await serious_axe_violations(page) == []
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_role("button", name="Remove Max Manager").click()
    await expect(page.get_by_test_id("collaborator")).to_have_count(0)
    listed = (await http.get(f"/api/instructors/{ada.id}/collaborators", headers=ada.headers)).json()
    assert listed == []
