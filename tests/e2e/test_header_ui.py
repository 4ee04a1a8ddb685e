"""The header in the browser: the notifications panel closes the way a popup should (Escape back to
the bell, a page change, a click outside); the main menu names the current page, opens on a phone as
a panel of tap-sized rows, works from the keyboard and stays open through the header's redraw while
the page loads; and the header keeps one clean row at every width from a phone to a desktop."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Locator, Page, Route, expect

from tests.e2e.booking_pages import in_viewport, press, screenshot
from tests.e2e.editor_pages import tab_to
from tests.e2e.pages import PHONE, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.screenshots import E2E, screenshot_path

MENU = ["Find lessons", "Instructors", "My lessons", "Payment", "Credits", "Invite"]  # a student's

# Where the header is not one clean row: an item below another's row, a link's label on two lines,
# two items on top of each other, or anything past the right edge of the screen.
HEADER_ROW = """() => {
  const header = document.getElementById('topbar');
  const shown = (el) => el.checkVisibility() && el.getBoundingClientRect().width > 0;
  const name = (el) => (el.innerText || el.getAttribute('aria-label') || el.className).trim().slice(0, 20);
  const items = [header.querySelector('.brand'), ...header.querySelectorAll('.menu-button, .topnav-links a'),
                 ...header.querySelector('.topbar-right').children].filter(shown);
  const boxes = items.map((el) => [name(el), el.getBoundingClientRect()]);
  const problems = [];
  const top = Math.max(...boxes.map(([, r]) => r.top));
  const bottom = Math.min(...boxes.map(([, r]) => r.bottom));
  if (top >= bottom) problems.push(`not one row: ${boxes.map(([n, r]) => `${n}@${Math.round(r.top)}`).join(', ')}`);
  for (const link of header.querySelectorAll('.topnav-links a')) {
    if (!shown(link)) continue;
    const words = document.createRange();
    words.selectNodeContents(link);
    const lines = new Set([...words.getClientRects()].map((r) => Math.round(r.top)));
    if (lines.size > 1) problems.push(`"${name(link)}" wraps`);
  }
  boxes.sort(([, a], [, b]) => a.left - b.left);
  for (let i = 1; i < boxes.length; i++) {
    if (boxes[i][1].left < boxes[i - 1][1].right - 1) problems.push(`"${boxes[i][0]}" overlaps "${boxes[i - 1][0]}"`);
  }
  const right = Math.max(...boxes.map(([, r]) => r.right));
  const edge = Math.max(right, document.documentElement.scrollWidth);
  if (edge > innerWidth) problems.push(`past the edge: ${Math.round(edge)}`);
  return problems;
}"""


async def the_bell(http, pages) -> tuple[Page, Locator, Locator]:
    """A live instructor's lessons page (going live put a notification in the bell, so the panel has an
    item to focus): the page, the bell and its panel."""
    instructor = await Accounts(http).instructor(name="Ada Keys")
    page = await pages.open("#/bookings", as_=instructor)
    await expect(page.get_by_role("heading", name="Lessons booked with you")).to_be_visible()
    return page, page.get_by_test_id("notif-bell"), page.get_by_role("dialog", name="Notifications")


async def test_escape_closes_the_notifications_and_gives_focus_back_to_the_bell(http, pages):
    page, bell, panel = await the_bell(http, pages)
    await bell.focus()
    await page.keyboard.press("Enter")
    await expect(panel).to_be_visible()
    await expect(bell).to_have_attribute("aria-expanded", "true")
    await expect(page.locator(".notif-link").first).to_be_visible()  # the first page of the feed is in
    await page.keyboard.press("Tab")  # into the panel: its first item
    await expect(page.locator(".notif-link").first).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(panel).to_be_hidden()
    await expect(bell).to_have_attribute("aria-expanded", "false")
    await expect(bell).to_be_focused()


async def test_tabbing_out_of_the_notifications_closes_them_where_the_keyboard_went(http, pages):
    page, bell, panel = await the_bell(http, pages)
    await bell.focus()
    await page.keyboard.press("Enter")
    await expect(page.locator(".notif-link").first).to_be_visible()
    inside = "document.activeElement.closest('.notif') !== null"
    for _ in range(30):  # through the panel's items and buttons, then out of it
        await page.keyboard.press("Tab")
        if not await page.evaluate(inside):
            break
    assert not await page.evaluate(inside)
    await expect(panel).to_be_hidden()
    await expect(bell).to_have_attribute("aria-expanded", "false")
    assert await page.evaluate("document.activeElement.closest('#topbar') !== null")  # on to the header's next

    await bell.focus()
    await page.keyboard.press("Enter")
    await expect(panel).to_be_visible()
    await page.keyboard.press("Shift+Tab")  # back out, before the bell
    await expect(panel).to_be_hidden()


async def test_the_notifications_close_when_the_page_changes_or_a_click_lands_outside(http, pages):
    page, bell, panel = await the_bell(http, pages)
    await page.goto("/#/earnings")
    await expect(page.get_by_role("heading", name="Earnings")).to_be_visible()

    await bell.click()
    await expect(panel).to_be_visible()
    await page.go_back()  # the browser's back button: a route change no click inside the page made
    await expect(page.get_by_role("heading", name="Lessons booked with you")).to_be_visible()
    await expect(panel).to_be_hidden()
    await expect(bell).to_have_attribute("aria-expanded", "false")

    await bell.click()
    await expect(panel).to_be_visible()
    await page.evaluate("location.hash = '#/earnings'")  # a page sending the user on (ctx.navigate)
    await expect(page.get_by_role("heading", name="Earnings")).to_be_visible()
    await expect(panel).to_be_hidden()

    await bell.click()
    await expect(panel).to_be_visible()
    await page.get_by_role("heading", name="Earnings").click()
    await expect(panel).to_be_hidden()
    await expect(page).to_have_url(re.compile(r"#/earnings$"))


async def test_the_phone_menu_opened_while_the_page_loads_stays_open(http, pages):
    """The header is drawn twice as a page loads: at once for a visitor, again when the session comes
    back. A Menu opened in between stays open, focus on its button, now with the signed-in links."""
    student = await Accounts(http).student(name="Sam Student")
    page = await pages.open("#/bookings", as_=student, device=PHONE)
    await expect(page.get_by_role("heading", name="My lessons")).to_be_visible()
    session_back = asyncio.Event()

    async def hold_the_session(route: Route) -> None:
        await session_back.wait()
        await route.continue_()

    await page.route("**/api/me", hold_the_session)
    await page.reload()
    button = page.get_by_role("button", name="Menu")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    await expect(page.get_by_test_id("user-link")).to_have_count(0)  # still the visitor's header
    await press(page, button)
    await expect(button).to_have_attribute("aria-expanded", "true")
    await button.focus()
    session_back.set()

    await expect(page.get_by_test_id("user-link")).to_be_visible()  # the header drawn again, signed in
    await expect(page.get_by_role("heading", name="My lessons")).to_be_visible()
    await expect(button).to_have_attribute("aria-expanded", "true")
    await expect(links).to_have_text(MENU)
    await expect(button).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(links).to_have_count(0)


@pytest.mark.both_devices
async def test_the_menu_names_the_current_page_and_a_phone_opens_it_as_a_panel(http, pages):
    """A desktop shows the links in a row. A phone has a Menu button that opens them as a panel of
    tap-sized rows, closed again by a tap outside it or by choosing a link, which goes there."""
    student = await Accounts(http).student(name="Ivy Invite")
    page = await pages.open("#/referral", as_=student)
    await expect(page.get_by_role("heading", name="Invite friends")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    links = nav.get_by_role("link")  # only the links a person can see and reach
    current = nav.locator('[aria-current="page"]')
    await expect(current).to_have_text("Invite")
    button = nav.get_by_role("button", name="Menu")
    if pages.device == "desktop":
        await expect(button).to_be_hidden()
        await expect(links).to_have_text(MENU)
        assert len({(await link.bounding_box() or {})["y"] for link in await links.all()}) == 1
        return

    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(links).to_have_count(0)
    await press(page, button)
    await expect(button).to_have_attribute("aria-expanded", "true")
    await expect(links).to_have_text(MENU)
    for link in await links.all():
        box = await link.bounding_box()
        assert box is not None and box["height"] >= 44, await link.text_content()
        assert await in_viewport(page, link)
    await screenshot(page, "menu-phone.png")
    assert await serious_axe_violations(page) == []
    await page.touchscreen.tap(195, 800)  # below the panel
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(links).to_have_count(0)

    await press(page, button)
    await press(page, links.get_by_text("Credits"))
    await expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(links).to_have_count(0)
    await expect(current).to_have_text("Credits")


@pytest.mark.both_devices
async def test_the_menu_works_from_the_keyboard(http, pages):
    """On a phone Enter on the Menu button opens it, the arrows, Home, End and Tab walk its links,
    Escape closes it with focus back on the button, Enter on a link goes there and closes it, and Tab
    past the last link closes it. A desktop's row of links is reached with Tab."""
    student = await Accounts(http).student(name="Kit Keys")
    page = await pages.open("#/bookings", as_=student)
    await expect(page.get_by_role("heading", name="My lessons")).to_be_visible()
    if pages.device == "desktop":
        await tab_to(page, 'a[data-nav="credits"]')
        await page.keyboard.press("Enter")
        await expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
        await expect(page.locator('a[data-nav="credits"]')).to_have_attribute("aria-current", "page")
        return

    button = page.get_by_role("button", name="Menu")

    async def keys(*names: str) -> str:
        for name in names:
            await page.keyboard.press(name)
        return await page.evaluate("document.activeElement.textContent")

    await tab_to(page, '[data-testid="menu-button"]')
    await page.keyboard.press("Enter")
    await expect(button).to_have_attribute("aria-expanded", "true")
    assert await keys("ArrowDown") == "Find lessons"
    assert await keys("ArrowDown") == "Instructors"
    assert await keys("End") == "Invite"
    assert await keys("ArrowUp") == "Credits"
    assert await keys("Home") == "Find lessons"
    assert await keys("Tab") == "Instructors"
    assert await keys("Escape") == "Menu"
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_count(0)

    assert await keys("Enter", "End", "ArrowUp") == "Credits"
    assert await keys("Enter") == "Menu"
    await expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    await expect(button).to_have_attribute("aria-expanded", "false")

    assert await keys("Enter", "End") == "Invite"
    await page.keyboard.press("Tab")  # on to the notifications bell, out of the menu
    await expect(button).to_have_attribute("aria-expanded", "false")


async def header_problems(page: Page, width: int, who: str) -> list[str]:
    await page.set_viewport_size({"width": width, "height": 800})
    await page.screenshot(path=str(screenshot_path(E2E, f"header/{who}-{width}.png")))
    return await page.evaluate(HEADER_ROW)


async def test_the_header_keeps_one_row_from_phone_to_desktop(http, pages):
    """The longest headers: an instructor not live yet (Get started first, seven links) with a long
    name, and a student. Below the width the links fit in, the Menu button stands for them."""
    accounts = Accounts(http)
    newcomer = await accounts.instructor(live=False, name="Nina Newcomer-Featherstonehaugh")
    student = await accounts.student(name="Maximilian Bartholomew")
    found: dict[str, list[str]] = {}
    headers = (("newcomer", newcomer, "Lessons booked with you"), ("student", student, "My lessons"))
    for who, account, heading in headers:
        page = await pages.open("#/bookings", as_=account)
        await expect(page.get_by_role("heading", name=heading)).to_be_visible()
        if who == "newcomer":
            await expect(page.get_by_test_id("nav-onboarding")).to_be_visible()
        for width in (390, 640, 641, 700, 768, 820, 900, 1024, 1280):
            if problems := await header_problems(page, width, who):
                found[f"{who} at {width}px"] = problems
        await page.set_viewport_size({"width": 768, "height": 800})  # a tablet: the Menu opens as a panel
        await page.get_by_role("button", name="Menu").click()
        await expect(page.get_by_role("navigation", name="Main").get_by_role("link").last).to_be_visible()
        await page.screenshot(path=str(screenshot_path(E2E, f"header/{who}-768-menu.png")))
        assert await serious_axe_violations(page) == []
    assert found == {}, "\n".join(f"{where}: {problems}" for where, problems in found.items())
