"""Moving and resizing a range in the week editor (a mouse drag of its body or edges, arrow keys on a
focused range, typed times in the day list), the names on booked blocks, and the app's one 12-hour
clock whatever the browser's locale."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.async_api import Page, expect

from tests.bookings.conftest import booking_body
from tests.e2e.editor_pages import DASH, cell, center, range_block, tab_to
from tests.e2e.pages import PHONE, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.screenshots import E2E, screenshot_path


async def a_week_with_a_lesson(http, name: str = "Ada Keys"):
    """Monday 09:00-11:00 and 15:00-16:00; Tuesday 13:00-17:00 with Rosa's piano lesson at 14:00."""
    accounts = Accounts(http)
    instructor = await accounts.instructor(name=name)
    student = await accounts.student(name="Rosa Díaz")
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    mon, tue = monday.isoformat(), (monday + timedelta(days=1)).isoformat()
    days = {mon: [{"start": "09:00", "end": "11:00"}, {"start": "15:00", "end": "16:00"}]}
    days[tue] = [{"start": "13:00", "end": "17:00"}]
    await save_week(http, instructor, instructor, monday, days)
    body = booking_body(instructor, service_id, monday + timedelta(days=1), at="14:00")
    booked = await http.post("/api/bookings", json=body, headers=student.headers)
    assert booked.status_code == 201, booked.text
    return instructor, monday, mon, tue


async def px_per_minute(page: Page, date: str) -> float:
    nine, ten = await cell(page, date, "09:00").bounding_box(), await cell(page, date, "10:00").bounding_box()
    assert nine and ten
    return (ten["y"] - nine["y"]) / 60


async def drag(page: Page, target, minutes: int, date: str) -> None:
    """A mouse drag of `target` (a range's body or one of its edges) by `minutes` down the day."""
    await target.scroll_into_view_if_needed()
    box = await target.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dy = minutes * await px_per_minute(page, date)
    await page.mouse.move(x, y)
    await page.mouse.down()
    for i in range(1, 9):
        await page.mouse.move(x, y + dy * i / 8)
    await page.mouse.up()


async def test_ranges_move_and_resize_by_mouse_never_across_a_range_or_a_lesson(http, pages):
    instructor, monday, mon, tue = await a_week_with_a_lesson(http)
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor)
    await expect(range_block(page, mon, "09:00", "11:00")).to_be_visible()

    # The booked block says who and what.
    lesson = page.locator(f'[data-testid="week-booked"][data-date="{tue}"]')
    await expect(lesson.get_by_test_id("booked-student")).to_have_text("Rosa Díaz")
    await expect(lesson.get_by_test_id("booked-service")).to_have_text("Piano")
    await lesson.click()
    await expect(page.get_by_test_id("save-status")).to_contain_text(
        f"Piano lesson with Rosa Díaz: {monday + timedelta(days=1):%a, %b} {(monday + timedelta(days=1)).day} "
        f"2:00 PM {DASH} 3:00 PM"
    )

    # Drag the body an hour later: moved, not removed.
    await drag(page, range_block(page, mon, "09:00", "11:00"), 60, mon)
    await expect(range_block(page, mon, "10:00", "12:00")).to_be_visible()
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    # The bottom edge 35 minutes down lands on the 15-minute grid: 12:30.
    await drag(page, range_block(page, mon, "10:00", "12:00").get_by_test_id("range-handle-end"), 35, mon)
    await expect(range_block(page, mon, "10:00", "12:30")).to_be_visible()
    # Five hours later stops at the next range (15:00), and the two become one.
    await drag(page, range_block(page, mon, "10:00", "12:30"), 300, mon)
    await expect(range_block(page, mon, "12:30", "16:00")).to_be_visible()
    await expect(page.locator(f'[data-testid="week-range"][data-date="{mon}"]')).to_have_count(1)

    # Tuesday's range holds a lesson at 14:00-15:00: its start stops at 14:00, a move keeps the lesson.
    await drag(page, range_block(page, tue, "13:00", "17:00").get_by_test_id("range-handle-start"), 180, tue)
    await expect(range_block(page, tue, "14:00", "17:00")).to_be_visible()
    await drag(page, range_block(page, tue, "14:00", "17:00"), -300, tue)
    await expect(range_block(page, tue, "12:00", "15:00")).to_be_visible()

    await page.screenshot(path=screenshot_path(E2E, "desktop-range-moved.png"))
    await page.get_by_test_id("week-save").click()
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["days"][mon] == [{"start": "12:30", "end": "16:00"}]
    assert week["days"][tue] == [{"start": "12:00", "end": "15:00"}]
    assert await serious_axe_violations(page) == []


async def test_a_focused_range_moves_and_resizes_from_the_keyboard(http, pages):
    instructor, monday, mon, tue = await a_week_with_a_lesson(http)
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor)
    await expect(range_block(page, mon, "09:00", "11:00")).to_be_visible()

    await tab_to(page, f'[data-testid="week-range"][data-date="{mon}"][data-start="09:00"]')
    focused = page.locator(":focus")
    day = f"{monday:%A}, {monday:%B} {monday.day}"
    await expect(focused).to_have_accessible_name(f"Remove availability {day}, 9:00 AM {DASH} 11:00 AM")
    await expect(focused).to_have_accessible_description(
        "Alt+Up or Down arrow moves these hours by 15 minutes; Shift+Up or Down arrow moves the end; "
        "Alt+Shift+Up or Down arrow moves the start."
    )
    ring = await page.evaluate("(s => `${s.outlineStyle} ${s.outlineWidth}`)(getComputedStyle(document.activeElement))")
    assert ring.startswith("solid") and float(ring.split()[1].removesuffix("px")) >= 2, ring

    await page.keyboard.press("Alt+ArrowDown")
    await expect(range_block(page, mon, "09:15", "11:15")).to_be_focused()
    await page.keyboard.press("Shift+ArrowDown")
    await page.keyboard.press("Shift+ArrowDown")
    await expect(range_block(page, mon, "09:15", "11:45")).to_be_focused()
    await page.keyboard.press("Alt+Shift+ArrowUp")
    await expect(range_block(page, mon, "09:00", "11:45")).to_be_focused()
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")

    # Tuesday's end stops at the end of its lesson (15:00).
    await tab_to(page, f'[data-testid="week-range"][data-date="{tue}"]')
    for _ in range(12):
        await page.keyboard.press("Shift+ArrowUp")
    await expect(range_block(page, tue, "13:00", "15:00")).to_be_focused()
    await page.screenshot(path=screenshot_path(E2E, "desktop-range-keyboard.png"))  # the focus ring, the lesson on top

    await tab_to(page, '[data-testid="week-save"]')
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["days"][mon] == [{"start": "09:00", "end": "11:45"}, {"start": "15:00", "end": "16:00"}]
    assert week["days"][tue] == [{"start": "13:00", "end": "15:00"}]


async def test_on_a_phone_the_day_list_changes_a_range_by_typed_times_and_names_the_lesson(http, pages):
    instructor, monday, mon, tue = await a_week_with_a_lesson(http)
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor, device=PHONE)
    await expect(page.get_by_test_id("day-list")).to_be_visible()
    await expect(page.locator(f'li[data-day="{tue}"] [data-testid="day-lesson"]')).to_have_text(
        f"2:00 PM {DASH} 3:00 PM · Rosa Díaz · Piano"
    )
    tuesday = f"{monday + timedelta(days=1):%A}, {monday + timedelta(days=1):%B} {(monday + timedelta(days=1)).day}"
    await page.get_by_role("button", name=f"Change 1:00 PM {DASH} 5:00 PM on {tuesday}").tap()
    start, end = page.locator(f"#add-start-{tue}"), page.locator(f"#add-end-{tue}")
    await expect(start).to_have_value("13:00")
    await expect(end).to_have_value("17:00")
    await start.fill("14:30")  # would leave the 14:00 lesson outside: refused, saying why
    await page.locator(f'li[data-day="{tue}"] [data-testid="day-add-submit"]').tap()
    await expect(page.get_by_test_id("day-add-error")).to_have_text(
        f"A lesson is booked 2:00 PM {DASH} 3:00 PM: keep that time inside these hours."
    )
    await start.fill("12:00")
    await end.fill("15:30")
    await page.locator(f'li[data-day="{tue}"] [data-testid="day-add-submit"]').tap()
    changed = page.locator(f'li[data-day="{tue}"] [data-testid="day-range"][data-start="12:00"][data-end="15:30"]')
    await expect(changed).to_be_visible()
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")
    assert await serious_axe_violations(page) == []
    await page.screenshot(path=screenshot_path(E2E, "phone-day-list-lesson.png"))
    await page.get_by_test_id("week-save").tap()
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["days"][tue] == [{"start": "12:00", "end": "15:30"}]


async def test_every_time_is_on_the_12_hour_clock_whatever_the_browser_locale(http, pages):
    instructor, _, mon, tue = await a_week_with_a_lesson(http)
    student = await Accounts(http).student(name="Kai Klavier", timezone="Europe/Berlin")
    editor = await pages.open(f"#/calendar/{instructor.id}/{mon}", as_=instructor, locale="de-DE")
    await expect(range_block(editor, mon, "15:00", "16:00")).to_contain_text(f"3:00 PM {DASH} 4:00 PM")
    await expect(editor.locator(".wg-times span").nth(9)).to_have_text("9 AM")
    await editor.get_by_test_id("view-list").click()
    await expect(editor.locator(f'li[data-day="{tue}"] [data-testid="day-lesson"]')).to_contain_text(
        f"2:00 PM {DASH} 3:00 PM"
    )

    weekly = await pages.open(f"#/calendar/{instructor.id}/weekly", as_=instructor, locale="de-DE")
    await weekly.locator('[data-testid="day-add"][data-day="mon"]').click()
    await weekly.locator("#add-start-mon").fill("13:30")
    await weekly.locator("#add-end-mon").fill("18:00")
    await weekly.locator('[data-testid="day-add-submit"]').click()
    await expect(weekly.locator('li[data-day="mon"] [data-testid="day-range"]')).to_contain_text(
        f"1:30 PM {DASH} 6:00 PM"
    )

    slots = await pages.open(f"#/instructor/{instructor.id}", as_=student, locale="de-DE", timezone="Europe/Berlin")
    await slots.locator(f'[data-testid="slot-day"][data-date="{mon}"]').click()
    first = slots.get_by_test_id("slot").first
    await expect(first).to_contain_text("3:00 PM")  # 09:00 in New York, in Berlin
    await expect(first).to_contain_text("9:00 AM New York")  # and the instructor's own zone

    lessons = await pages.open("#/bookings", as_=instructor, locale="de-DE")
    row = lessons.get_by_test_id("booking-row").first
    await expect(row).to_contain_text("2:00 PM")
    await expect(row).to_contain_text("until 3:00 PM EST")


async def test_a_moved_range_is_an_unsaved_edit_that_a_conflict_reapplies(http, pages):
    instructor, monday, mon, tue = await a_week_with_a_lesson(http)
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor)
    await expect(range_block(page, mon, "09:00", "11:00")).to_be_visible()
    await expect(page.get_by_test_id("ws-status")).to_have_text("live")

    await tab_to(page, f'[data-testid="week-range"][data-date="{mon}"][data-start="09:00"]')
    await page.keyboard.press("Alt+ArrowDown")
    await expect(range_block(page, mon, "09:15", "11:15")).to_be_focused()
    # Switching weeks asks first: the move is an unsaved edit.
    asked: list[str] = []

    async def dismiss(dialog) -> None:
        asked.append(dialog.message)
        await dialog.dismiss()

    page.once("dialog", dismiss)
    await page.get_by_test_id("week-next").click()
    await expect(page.get_by_test_id("week-title")).to_contain_text(f"{monday:%b} {monday.day}")
    assert asked and "unsaved changes" in asked[0]

    # Meanwhile someone else removes Monday afternoon: the move is listed and re-applied on top.
    await save_week(
        http, instructor, instructor, monday,
        {mon: [{"start": "09:00", "end": "11:00"}], tue: [{"start": "13:00", "end": "17:00"}]},
    )  # fmt: skip
    banner = page.get_by_test_id("conflict-banner")
    await expect(banner).to_be_visible()
    await expect(page.get_by_test_id("conflict-edits")).to_contain_text(
        f"added 11:00 AM {DASH} 11:15 AM; removed 9:00 AM {DASH} 9:15 AM"
    )
    await page.get_by_test_id("conflict-reapply").click()
    await expect(banner).to_be_hidden()
    await expect(range_block(page, mon, "09:15", "11:15")).to_be_visible()
    await expect(range_block(page, mon, "15:00", "16:00")).to_have_count(0)  # their removal stays

    await page.get_by_test_id("view-list").click()
    await page.get_by_role("button", name=f"Remove 1:00 PM {DASH} 5:00 PM on", exact=False).click()
    await page.get_by_test_id("week-save").click()  # a removal keeps the lesson's time: the range shrinks to it
    await expect(page.get_by_test_id("save-status")).to_have_text("Saved")
    week = (await http.get(week_path(instructor, monday), headers=instructor.headers)).json()
    assert week["days"][mon] == [{"start": "09:15", "end": "11:15"}]
    assert week["days"][tue] == [{"start": "14:00", "end": "15:00"}]


async def test_a_range_dragged_to_the_edge_of_the_grid_scrolls_it(http, pages):
    instructor, _, mon, _ = await a_week_with_a_lesson(http)
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor)
    monday_ranges = page.locator(f'[data-testid="week-range"][data-date="{mon}"]')
    await expect(range_block(page, mon, "15:00", "16:00")).to_be_visible()
    scroller = page.locator(".wg-scroll")
    area = await scroller.bounding_box()
    assert area is not None
    top = await scroller.evaluate("(el) => el.scrollTop")

    async def hold_at_edge(target, y: float) -> None:
        box = await target.bounding_box()
        assert box is not None
        x = box["x"] + box["width"] / 2
        await page.mouse.move(x, box["y"] + box["height"] / 2)
        await page.mouse.down()
        for i in range(1, 6):  # to the edge, then held still there
            await page.mouse.move(x, box["y"] + box["height"] / 2 + (y - box["y"] - box["height"] / 2) * i / 5)
        await page.wait_for_timeout(1500)
        await page.mouse.up()

    # The end of 3-4 PM, held at the bottom of the grid: the grid scrolls on and the end follows it.
    await hold_at_edge(
        range_block(page, mon, "15:00", "16:00").get_by_test_id("range-handle-end"), area["y"] + area["height"] - 6
    )
    assert await scroller.evaluate("(el) => el.scrollTop") > top + 100, "the grid scrolled down"
    await expect(monday_ranges).to_have_count(2)
    moved = monday_ranges.nth(1)
    assert await moved.get_attribute("data-start") == "15:00"
    end = await moved.get_attribute("data-end")
    assert end is not None and end >= "22:00", f"the end followed the scroll ({end})"

    # Its body, held at the top (below the day names): the grid scrolls back and the range moves up
    # until it meets the morning's range.
    head = await page.locator(".wg-head").bounding_box()
    assert head is not None
    await hold_at_edge(moved, head["y"] + head["height"] + 6)
    assert await scroller.evaluate("(el) => el.scrollTop") < 100, "the grid scrolled up"
    await expect(monday_ranges).to_have_count(1)  # moved up against 9-11 AM: the two became one
    first = monday_ranges.first
    assert await first.get_attribute("data-start") == "09:00"
    await expect(page.get_by_test_id("save-status")).to_have_text("Unsaved changes")


async def test_a_new_range_dragged_to_the_bottom_of_the_grid_scrolls_it(http, pages):
    instructor, _, mon, _ = await a_week_with_a_lesson(http)
    wednesday = (date.fromisoformat(mon) + timedelta(days=2)).isoformat()
    page = await pages(f"#/calendar/{instructor.id}/{mon}", as_=instructor)
    await expect(range_block(page, mon, "15:00", "16:00")).to_be_visible()
    scroller = page.locator(".wg-scroll")
    area = await scroller.bounding_box()
    assert area is not None
    x, y = await center(page, wednesday, "17:00")
    top = await scroller.evaluate("(el) => el.scrollTop")
    await page.mouse.move(x, y)
    await page.mouse.down()
    for i in range(1, 6):
        await page.mouse.move(x, y + (area["y"] + area["height"] - 6 - y) * i / 5)
    await page.wait_for_timeout(1500)  # held still at the edge
    await page.mouse.up()
    assert await scroller.evaluate("(el) => el.scrollTop") > top + 100, "the grid scrolled down"
    added = page.locator(f'[data-testid="week-range"][data-date="{wednesday}"]')
    await expect(added).to_have_count(1)
    assert await added.get_attribute("data-start") == "17:00"
    end = await added.get_attribute("data-end")
    assert end is not None and end >= "22:00", f"the selection followed the scroll ({end})"
