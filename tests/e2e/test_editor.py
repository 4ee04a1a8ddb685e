"""The week editor on a phone (touch) and from the keyboard.

Touch goes through Chromium's real input pipeline (CDP touch events on a 390x844 touch screen), so
scrolling, touch-action, pointercancel and the click a browser sends after a tap all happen as on
a phone.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from playwright.async_api import expect

from tests.e2e.editor_pages import DASH, Finger, center, range_block, ranges_on, tab_to
from tests.e2e.pages import PHONE, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, save_week, week_path
from tests.support.screenshots import E2E, screenshot_path


async def test_on_a_phone_tap_tap_and_touch_drag_add_exactly_one_range_and_stray_touches_add_nothing(http, pages):
    instructor = await Accounts(http).instructor(name="Ada Piano")
    monday = monday_after()
    tuesday, wednesday = (monday + timedelta(days=1)).isoformat(), (monday + timedelta(days=2)).isoformat()
    page = await pages(f"#/calendar/{instructor.id}/{monday.isoformat()}", as_=instructor, device=PHONE)
    await expect(page.get_by_test_id("calendar-owner")).to_have_text("Ada Piano's calendar")
    await expect(page.get_by_test_id("day-list")).to_be_visible()  # a phone starts with the day list
    await page.screenshot(path=screenshot_path(E2E, "phone-day-list.png"))
    await page.get_by_test_id("view-grid").tap()
    await expect(page.get_by_test_id("week-grid")).to_be_visible()
    finger = Finger(page)

    # Header on one row: nothing wraps below the first line at 390 px.
    header = await page.locator("#topbar").bounding_box()
    assert header["height"] < 60, header
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390

    # Tap a start, tap an end: one range, and the click after the second tap does not remove it.
    await finger.tap(*await center(page, tuesday, "10:00"))
    await expect(ranges_on(page, tuesday)).to_have_count(0)
    await finger.tap(*await center(page, tuesday, "11:30"))
    await expect(range_block(page, tuesday, "10:00", "12:00")).to_be_visible()
    await asyncio.sleep(0.8)
    await expect(ranges_on(page, tuesday)).to_have_count(1)
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")

    # Hour labels stay in view when the grid scrolls sideways.
    await page.locator(".wg-scroll").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    label = await page.locator(".wg-times").bounding_box()
    grid = await page.locator(".wg-scroll").bounding_box()
    assert abs(label["x"] - grid["x"]) < 2, (label, grid)

    # A swipe scrolls and adds nothing, leaving no selection behind.
    scroller = page.locator(".wg-scroll")
    before = await scroller.evaluate("el => el.scrollTop")
    x, y = await center(page, wednesday, "13:00")
    await finger.drag((x, y), (x, y - 200))
    await expect(page.get_by_test_id("grid-selection")).to_have_count(0)
    await expect(ranges_on(page, wednesday)).to_have_count(0)
    assert await scroller.evaluate("el => el.scrollTop") != before, "the swipe scrolled the grid"

    # Touch, hold, drag: exactly one range over the dragged cells.
    start = await center(page, wednesday, "14:00")
    end = await center(page, wednesday, "15:30")
    await finger.drag(start, end, hold_ms=600)
    await expect(range_block(page, wednesday, "14:00", "16:00")).to_be_visible()
    await asyncio.sleep(0.8)
    await expect(ranges_on(page, wednesday)).to_have_count(1)
    await expect(page.get_by_test_id("grid-selection")).to_have_count(0)

    # A stray tap only marks a start (shown, and cancellable); it adds nothing to what is saved.
    await finger.tap(*await center(page, wednesday, "18:00"))
    await expect(page.get_by_test_id("grid-selection")).to_have_count(1)
    await page.screenshot(path=screenshot_path(E2E, "phone-week-grid.png"))
    await page.get_by_test_id("grid-cancel-start").tap()
    await expect(page.get_by_test_id("grid-selection")).to_have_count(0)
    await expect(page.locator('[data-testid="week-range"]')).to_have_count(2)

    await page.get_by_test_id("week-save").tap()
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert {d: r for d, r in week["days"].items() if r} == {
        tuesday: [{"start": "10:00", "end": "12:00"}],
        wednesday: [{"start": "14:00", "end": "16:00"}],
    }


async def test_keyboard_only_adds_and_removes_a_range(http, pages):
    instructor = await Accounts(http).instructor(name="Kim Keys")
    monday = monday_after()
    wednesday = (monday + timedelta(days=2)).isoformat()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    page = await pages(f"#/calendar/{instructor.id}/{monday.isoformat()}", as_=instructor)
    await expect(range_block(page, monday.isoformat(), "09:00", "12:00")).to_be_visible()

    # Range controls name their day and times.
    day = f"{monday:%A}, {monday:%B} {monday.day}"  # e.g. "Monday, December 14"
    await expect(page.get_by_role("button", name=f"Remove availability {day}, 9:00 AM {DASH} 12:00 PM")).to_have_count(
        1
    )

    # The focus ring is visible on the grid's select.
    await tab_to(page, '[data-testid="grid-step"]')
    ring = await page.evaluate("(s => `${s.outlineStyle} ${s.outlineWidth}`)(getComputedStyle(document.activeElement))")
    assert ring.startswith("solid") and float(ring.split()[1].removesuffix("px")) >= 2, ring

    await tab_to(page, '[data-testid="view-list"]')
    await page.keyboard.press("Enter")
    await tab_to(page, f'[data-testid="day-add"][data-day="{wednesday}"]')
    await page.keyboard.press("Enter")
    await expect(page.locator(f'[data-testid="day-add-start"][id="add-start-{wednesday}"]')).to_be_focused()
    await page.keyboard.type("0930AM")
    await tab_to(page, f'[id="add-end-{wednesday}"]')  # Tab may first walk the time input's own fields
    await page.keyboard.type("0845AM")  # before the start: refused, with a message
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("day-add-error")).to_have_text("The end must be after the start.")
    await expect(page.locator(f'[data-testid="day-add-end"][id="add-end-{wednesday}"]')).to_be_focused()
    for _ in range(2):  # from the end's AM/PM field back to its hour field
        await page.keyboard.press("Shift+Tab")
    await page.keyboard.type("1100AM")
    await page.keyboard.press("Enter")
    added = page.locator(f'li[data-day="{wednesday}"] [data-testid="day-range"][data-start="09:30"][data-end="11:00"]')
    await expect(added).to_be_visible()
    await expect(page.locator(f'[data-testid="day-add"][data-day="{wednesday}"]')).to_be_focused()

    await tab_to(page, '[data-testid="week-save"]')
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")

    # Remove the Monday range by keyboard: its button names the day and times.
    await tab_to(page, f'[aria-label="Remove 9:00 AM {DASH} 12:00 PM on {day}"]')
    await page.keyboard.press("Enter")
    await expect(page.locator(f'li[data-day="{monday.isoformat()}"] [data-testid="day-range"]')).to_have_count(0)
    await tab_to(page, '[data-testid="week-save"]')
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")

    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert {d: r for d, r in week["days"].items() if r} == {wednesday: [{"start": "09:30", "end": "11:00"}]}
    assert await serious_axe_violations(page) == []


async def test_past_days_are_read_only(http, pages):
    instructor = await Accounts(http).instructor(name="Pat Past")
    this_monday = monday_after(days=-7)  # last week's or this week's Monday: its Monday is past or today
    if this_monday >= monday_after(days=0):
        pytest.skip("no past day in reach")
    page = await pages(f"#/calendar/{instructor.id}/{this_monday.isoformat()}", as_=instructor)
    past = this_monday.isoformat()
    await expect(page.get_by_test_id("week-grid")).to_be_visible()
    await page.locator(f'[data-testid="grid-cell"][data-date="{past}"][data-time="10:00"]').click()
    await page.locator(f'[data-testid="grid-cell"][data-date="{past}"][data-time="11:00"]').click()
    await expect(ranges_on(page, past)).to_have_count(0)
    await expect(page.get_by_test_id("week-save")).to_be_disabled()
    await page.get_by_test_id("view-list").click()
    await expect(page.locator(f'[data-testid="day-add"][data-day="{past}"]')).to_have_count(0)
