"""Helpers for the booking, lessons and notification browser tests: taps, the viewport, screenshots."""

from __future__ import annotations

from playwright.async_api import Locator, Page, expect

from tests.support.screenshots import DOCS, screenshot_path


async def press(page: Page, target: Locator) -> None:
    """A tap on a touch device, a click elsewhere."""
    if (page.viewport_size or {}).get("width", 1280) < 600:
        await target.tap()
    else:
        await target.click()


async def open_menu(page: Page) -> None:
    """On a phone, tap the header's Menu button so its links show; a desktop shows them in a row."""
    await expect(page.locator("#view h1").first).to_be_visible()  # the page is in: the header is the signed-in one
    button = page.get_by_role("button", name="Menu")
    if await button.is_visible():
        await press(page, button)
        await expect(button).to_have_attribute("aria-expanded", "true")


async def in_viewport(page: Page, target: Locator) -> bool:
    box = await target.bounding_box()
    size = page.viewport_size
    assert box is not None and size is not None
    return (
        box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= size["height"]
        and box["x"] + box["width"] <= size["width"]
    )


async def screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=str(screenshot_path(DOCS, name)))
