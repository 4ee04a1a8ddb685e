"""Weekly hours (issue 10 item 1): the instructor edits the weekly template in the browser; a
collaborator with next week's calendar open and a student watching the slot page see the change
live, without reloading. The week editor says whether a week follows the weekly hours or has its
own, and hands an exception back to the weekly hours. The screen works on a phone and passes axe."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from tests.e2e.editor_pages import DASH, range_block, tab_to
from tests.e2e.pages import PHONE, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week
from tests.support.screenshots import DOCS, E2E, screenshot_path

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def template_path(instructor) -> str:
    return f"/api/instructors/{instructor.id}/availability/template"


async def put_template(http, editor, instructor, weekdays: dict) -> dict:
    current = await http.get(template_path(instructor), headers=editor.headers)
    assert current.status_code == 200, current.text
    body = {"weekdays": {day: weekdays.get(day, []) for day in WEEKDAYS}}
    response = await http.put(
        template_path(instructor), json=body, headers={**editor.headers, "If-Match": current.headers["etag"]}
    )
    assert response.status_code == 200, response.text
    return response.json()


def weekly_range(page: Page, day: str, start: str, end: str):
    return page.locator(f'li[data-day="{day}"] [data-testid="day-range"][data-start="{start}"][data-end="{end}"]')


def slot(page: Page, date: str, clock: str):
    return page.locator(f'[data-testid="slot"][data-start^="{date}T{clock}:00"]')


async def add_weekly_hours(page: Page, day: str, start: str, end: str) -> None:
    """From the keyboard: the day's "+ Add hours", typed From and To, Enter."""
    await tab_to(page, f'[data-testid="day-add"][data-day="{day}"]')
    await page.keyboard.press("Enter")
    await expect(page.locator(f"#add-start-{day}")).to_be_focused()
    await page.keyboard.type(start)
    await tab_to(page, f"#add-end-{day}")
    await page.keyboard.type(end)
    await page.keyboard.press("Enter")


async def test_weekly_hours_edited_by_one_editor_appear_live_for_another_and_a_student(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    manager = await accounts.student(name="Max Manager")
    student = await accounts.student(name="Sam Student")
    added = await http.post(
        f"/api/instructors/{ada.id}/collaborators", json={"email": manager.email}, headers=ada.headers
    )
    assert added.status_code == 201, added.text
    await offer_piano(http, ada)
    await put_template(http, ada, ada, {"mon": [{"start": "09:00", "end": "12:00"}]})
    monday = monday_after()
    day = monday.isoformat()

    helper = await pages(f"#/calendar/{ada.id}/{day}", as_=manager)
    booker = await pages(f"#/instructor/{ada.id}", as_=student)
    owner = await pages(f"#/calendar/{ada.id}", as_=ada)
    for page in (helper, booker, owner):
        await expect(page.get_by_test_id("ws-status")).to_have_text("live")
        await page.evaluate("window.__e2eNotReloaded = true")  # gone if the page ever reloads
    await expect(range_block(helper, day, "09:00", "12:00")).to_be_visible()
    await expect(helper.get_by_test_id("week-source-text")).to_have_text("Follows the weekly hours")
    await expect(helper.get_by_test_id("week-use-weekly")).to_be_hidden()
    await booker.locator(f'[data-testid="slot-day"][data-date="{day}"]').click()
    await expect(slot(booker, day, "09:00")).to_be_visible()
    await expect(slot(booker, day, "14:00")).to_have_count(0)

    # The instructor goes from the week editor to the weekly hours, and adds Monday afternoons.
    await expect(owner.get_by_test_id("week-source-text")).to_have_text("Follows your weekly hours")
    await owner.get_by_test_id("weekly-hours-link").click()
    await expect(owner.get_by_test_id("weekly-owner")).to_have_text("Your weekly hours")
    await expect(weekly_range(owner, "mon", "09:00", "12:00")).to_be_visible()
    await expect(owner.get_by_test_id("weekly-save")).to_be_disabled()
    await add_weekly_hours(owner, "mon", "0200PM", "0400PM")
    await expect(weekly_range(owner, "mon", "14:00", "16:00")).to_be_visible()
    await expect(owner.locator('[data-testid="day-add"][data-day="mon"]')).to_be_focused()
    await expect(owner.get_by_test_id("weekly-status")).to_have_text("Unsaved changes")
    await tab_to(owner, '[data-testid="weekly-save"]')
    await owner.keyboard.press("Enter")
    await expect(owner.get_by_test_id("weekly-status")).to_contain_text("Saved")

    # Live, without a reload: the collaborator's open week and the student's open times.
    await expect(range_block(helper, day, "14:00", "16:00")).to_be_visible()
    await expect(range_block(helper, day, "09:00", "12:00")).to_be_visible()
    await expect(slot(booker, day, "14:00")).to_be_visible()
    for page in (helper, booker, owner):
        assert await page.evaluate("window.__e2eNotReloaded === true")

    template = (await http.get(template_path(ada), headers=ada.headers)).json()
    assert template["weekdays"]["mon"] == [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "16:00"}]

    # Removing hours works the same way, and reaches the collaborator too.
    await owner.get_by_role("button", name=f"Remove 9:00 AM {DASH} 12:00 PM on Mondays").click()
    await owner.get_by_test_id("weekly-save").click()
    await expect(owner.get_by_test_id("weekly-status")).to_contain_text("Saved")
    await expect(range_block(helper, day, "09:00", "12:00")).to_have_count(0)
    await expect(slot(booker, day, "09:00")).to_have_count(0)


async def test_a_stale_save_keeps_the_edits_and_a_booked_lesson_is_named(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    student = await accounts.student(name="Sam Student")
    service_id = await offer_piano(http, ada)
    await put_template(http, ada, ada, {"tue": [{"start": "09:00", "end": "12:00"}]})
    monday = monday_after()

    page = await pages(f"#/calendar/{ada.id}/weekly", as_=ada)
    await expect(weekly_range(page, "tue", "09:00", "12:00")).to_be_visible()
    await add_weekly_hours(page, "wed", "0800AM", "1000AM")
    # Meanwhile someone else changes Fridays.
    await put_template(
        http, ada, ada, {"tue": [{"start": "09:00", "end": "12:00"}], "fri": [{"start": "13:00", "end": "15:00"}]}
    )
    await page.get_by_test_id("weekly-save").click()
    await expect(page.get_by_test_id("weekly-status")).to_contain_text(
        "Not saved: You (in another window) changed the weekly hours first"
    )
    conflict = page.get_by_test_id("conflict-banner")
    await expect(conflict).to_be_visible()
    await expect(page.get_by_test_id("conflict-theirs")).to_contain_text(f"Friday: added 1:00 PM {DASH} 3:00 PM")
    await expect(page.get_by_test_id("conflict-edits")).to_contain_text(f"Wednesday: added 8:00 AM {DASH} 10:00 AM")
    await expect(weekly_range(page, "wed", "08:00", "10:00")).to_be_visible()  # nothing discarded
    await page.get_by_test_id("conflict-reapply").click()
    await expect(conflict).to_be_hidden()
    await expect(weekly_range(page, "fri", "13:00", "15:00")).to_be_visible()
    await expect(weekly_range(page, "wed", "08:00", "10:00")).to_be_visible()
    await page.get_by_test_id("weekly-save").click()
    await expect(page.get_by_test_id("weekly-status")).to_contain_text("Saved")

    # A lesson on a Tuesday that follows the weekly hours: removing its hours is refused, naming it.
    tuesday = monday + timedelta(days=1)
    lesson_start = datetime.combine(tuesday, time(10, 0), ZoneInfo("America/New_York"))
    booked = await http.post(
        "/api/bookings",
        json={
            "instructor_id": ada.id,
            "service_id": service_id,
            "start": lesson_start.isoformat(),
            "duration_minutes": 30,
        },
        headers=student.headers,
    )
    assert booked.status_code == 201, booked.text
    await page.get_by_role("button", name=f"Remove 9:00 AM {DASH} 12:00 PM on Tuesdays").click()
    await page.get_by_test_id("weekly-save").click()
    await expect(page.get_by_test_id("weekly-status")).to_contain_text("Not saved")
    await expect(page.get_by_test_id("weekly-booked-conflicts")).to_contain_text(
        f"Piano lesson with Sam Student: {tuesday:%a, %b} {tuesday.day} 10:00 AM {DASH} 10:30 AM"
    )
    assert await serious_axe_violations(page) == []


async def test_a_week_with_its_own_hours_goes_back_to_the_weekly_hours(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    await put_template(http, ada, ada, {"mon": [{"start": "09:00", "end": "12:00"}]})
    monday = monday_after()
    day = monday.isoformat()
    await save_week(http, ada, ada, monday, {day: [{"start": "15:00", "end": "17:00"}]})

    page = await pages(f"#/calendar/{ada.id}/{day}", as_=ada)
    await expect(range_block(page, day, "15:00", "17:00")).to_be_visible()
    await expect(page.get_by_test_id("week-source-text")).to_have_text("This week has its own hours")
    page.once("dialog", lambda dialog: dialog.accept())
    await page.get_by_test_id("week-use-weekly").click()
    await expect(page.get_by_test_id("save-status")).to_have_text("This week follows the weekly hours again.")
    await expect(page.get_by_test_id("week-source-text")).to_have_text("Follows your weekly hours")
    await expect(range_block(page, day, "09:00", "12:00")).to_be_visible()
    await expect(range_block(page, day, "15:00", "17:00")).to_have_count(0)
    await expect(page.get_by_test_id("week-use-weekly")).to_be_hidden()


async def test_weekly_hours_on_a_phone(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    await put_template(
        http,
        ada,
        ada,
        {
            "mon": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}],
            "wed": [{"start": "09:00", "end": "12:00"}],
            "fri": [{"start": "10:00", "end": "16:00"}],
        },
    )
    page = await pages(f"#/calendar/{ada.id}/weekly", as_=ada, device=PHONE)
    await expect(weekly_range(page, "mon", "14:00", "18:00")).to_be_visible()
    add = page.locator('[data-testid="day-add"][data-day="tue"]')
    await add.tap()
    await page.locator("#add-start-tue").fill("17:00")
    await page.locator("#add-end-tue").fill("19:30")
    await page.locator('li[data-day="tue"] [data-testid="day-add-submit"]').tap()
    await expect(weekly_range(page, "tue", "17:00", "19:30")).to_be_visible()
    # Unsaved edits survive a trip to the calendar and back in the same tab.
    await page.get_by_test_id("weekly-back").tap()
    await expect(page.get_by_test_id("calendar-owner")).to_have_text("Ada Keys's calendar")
    await page.go_back()
    await expect(weekly_range(page, "tue", "17:00", "19:30")).to_be_visible()
    await expect(page.get_by_test_id("weekly-status")).to_have_text("Unsaved changes")
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    assert await serious_axe_violations(page) == []
    await page.screenshot(path=screenshot_path(DOCS, "weekly-hours-phone.png"))  # as the phone shows it
    await page.screenshot(path=Path("/tmp/weekly-hours-phone-full.png"), full_page=True)
    await page.get_by_test_id("weekly-save").tap()
    await expect(page.get_by_test_id("weekly-status")).to_contain_text("Saved")


async def test_the_weekly_hours_screen_follows_another_editors_save_live(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    manager = await accounts.student(name="Max Manager")
    added = await http.post(
        f"/api/instructors/{ada.id}/collaborators", json={"email": manager.email}, headers=ada.headers
    )
    assert added.status_code == 201, added.text
    await put_template(http, ada, ada, {"mon": [{"start": "09:00", "end": "12:00"}]})

    owner = await pages(f"#/calendar/{ada.id}/weekly", as_=ada)
    helper = await pages(f"#/calendar/{ada.id}/weekly", as_=manager, device=PHONE)
    for page in (owner, helper):
        await expect(weekly_range(page, "mon", "09:00", "12:00")).to_be_visible()
        await expect(page.get_by_test_id("ws-status")).to_have_text("live")
        await page.evaluate("window.__e2eNotReloaded = true")
    # Each sees who else has the weekly hours open.
    await expect(owner.get_by_test_id("presence")).to_have_text("Also editing: Max Manager")
    await expect(helper.get_by_test_id("presence")).to_have_text("Also editing: Ada Keys")

    # Nothing unsaved on the collaborator's screen: the owner's save simply appears there, named.
    await add_weekly_hours(owner, "thu", "0100PM", "0300PM")
    await owner.get_by_test_id("weekly-save").click()
    await expect(owner.get_by_test_id("weekly-status")).to_contain_text("Saved")
    await expect(weekly_range(helper, "thu", "13:00", "15:00")).to_be_visible()
    await expect(helper.get_by_test_id("weekly-status")).to_have_text(
        "Ada Keys changed these weekly hours; this is the new version."
    )
    await expect(helper.get_by_test_id("conflict-banner")).to_be_hidden()

    # With unsaved edits there, the next save shows the conflict at once, naming the saver, and keeps them.
    await helper.locator('[data-testid="day-add"][data-day="sat"]').tap()
    await helper.locator("#add-start-sat").fill("10:00")
    await helper.locator("#add-end-sat").fill("12:00")
    await helper.locator('li[data-day="sat"] [data-testid="day-add-submit"]').tap()
    await expect(weekly_range(helper, "sat", "10:00", "12:00")).to_be_visible()
    await owner.get_by_role("button", name=f"Remove 9:00 AM {DASH} 12:00 PM on Mondays").click()
    await owner.get_by_test_id("weekly-save").click()
    await expect(owner.get_by_test_id("weekly-status")).to_contain_text("Saved")
    await expect(helper.get_by_test_id("conflict-banner")).to_be_visible()
    await expect(helper.get_by_test_id("conflict-who")).to_have_text(
        "Ada Keys changed these weekly hours while you were editing:"
    )
    await expect(helper.get_by_test_id("conflict-theirs")).to_have_text(f"Monday: removed 9:00 AM {DASH} 12:00 PM")
    await expect(helper.get_by_test_id("conflict-edits")).to_have_text(f"Saturday: added 10:00 AM {DASH} 12:00 PM")
    await expect(weekly_range(helper, "sat", "10:00", "12:00")).to_be_visible()
    assert await serious_axe_violations(helper) == []
    await helper.evaluate("window.scrollTo(0, 0)")  # whose hours, who else is here, the banner
    await helper.screenshot(path=screenshot_path(E2E, "phone-weekly-hours-live-conflict.png"))
    await helper.get_by_test_id("conflict-reapply").tap()
    await expect(weekly_range(helper, "mon", "09:00", "12:00")).to_have_count(0)
    await expect(weekly_range(helper, "sat", "10:00", "12:00")).to_be_visible()

    # And back the other way, on the desktop: the owner's unsaved Sunday meets the collaborator's save.
    await add_weekly_hours(owner, "sun", "1100AM", "0100PM")
    await expect(owner.get_by_test_id("weekly-status")).to_have_text("Unsaved changes")
    await helper.get_by_test_id("weekly-save").tap()
    await expect(helper.get_by_test_id("weekly-status")).to_contain_text("Saved")
    await expect(owner.get_by_test_id("conflict-who")).to_have_text(
        "Max Manager changed these weekly hours while you were editing:"
    )
    await expect(owner.get_by_test_id("conflict-theirs")).to_have_text(f"Saturday: added 10:00 AM {DASH} 12:00 PM")
    await expect(owner.get_by_test_id("conflict-edits")).to_have_text(f"Sunday: added 11:00 AM {DASH} 1:00 PM")
    assert await serious_axe_violations(owner) == []
    await owner.screenshot(path=screenshot_path(E2E, "desktop-weekly-hours-live-conflict.png"))
    await owner.get_by_test_id("conflict-reapply").click()
    await owner.get_by_test_id("weekly-save").click()
    await expect(owner.get_by_test_id("weekly-status")).to_contain_text("Saved")
    await expect(weekly_range(helper, "sun", "11:00", "13:00")).to_be_visible()
    for page in (owner, helper):
        assert await page.evaluate("window.__e2eNotReloaded === true")
    template = (await http.get(template_path(ada), headers=ada.headers)).json()
    assert template["weekdays"]["mon"] == [] and template["weekdays"]["sat"] == [{"start": "10:00", "end": "12:00"}]
    assert template["weekdays"]["sun"] == [{"start": "11:00", "end": "13:00"}]
