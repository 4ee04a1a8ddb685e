"""The header in the browser: the notifications panel closes the way a popup should (Escape back to
the bell, a page change, a click outside), and the phone's Menu stays open through the header's
redraw while the page loads."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Route, expect

from tests.e2e.booking_pages import press
from tests.e2e.pages import PHONE
from tests.support.accounts import Accounts


async def a_notified_instructor(http):
    """A live instructor: going live put a notification in the bell, so the panel has an item to focus."""
    return await Accounts(http).instructor(name="Ada Keys")


async def test_escape_closes_the_notifications_and_gives_focus_back_to_the_bell(http, pages):
    page = await pages.open("#/bookings", as_=await a_notified_instructor(http))
    bell = page.get_by_test_id("notif-bell")
    panel = page.get_by_role("dialog", name="Notifications")
    await expect(page.get_by_role("heading", name="Lessons booked with you")).to_be_visible()
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


async def test_the_notifications_close_when_the_page_changes_or_a_click_lands_outside(http, pages):
    page = await pages.open("#/bookings", as_=await a_notified_instructor(http))
    bell = page.get_by_test_id("notif-bell")
    panel = page.get_by_role("dialog", name="Notifications")
    await expect(page.get_by_role("heading", name="Lessons booked with you")).to_be_visible()
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
    await expect(links).to_have_text(["Find lessons", "Instructors", "My lessons", "Payment", "Credits", "Invite"])
    await expect(button).to_be_focused()
    await page.keyboard.press("Escape")
    await expect(button).to_have_attribute("aria-expanded", "false")
    await expect(links).to_have_count(0)
