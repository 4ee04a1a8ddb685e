"""Helpers for the booking, lessons and notification browser tests: devices, pages, axe, screenshots."""

from __future__ import annotations

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Locator, Page

from tests.e2e.conftest import ENTRY, TIMEZONE, TOKEN_KEY
from tests.support.accounts import Account
from tests.support.live import LiveServer
from tests.support.screenshots import DOCS, screenshot_path

DEVICES = {
    "desktop": {"viewport": {"width": 1280, "height": 860}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}


class Pages:
    """`await pages.open("#/bookings", as_=student)`: each page in its own context on one device."""

    def __init__(self, browser: Browser, server: LiveServer, device: str) -> None:
        self.browser, self.server, self.device = browser, server, device
        self.contexts: list = []
        self.errors: list[str] = []

    async def open(self, route: str, as_: Account | None = None, timezone: str = TIMEZONE) -> Page:
        storage = {"cookies": [], "origins": []}
        if as_ is not None:
            storage["origins"].append(
                {"origin": self.server.url, "localStorage": [{"name": TOKEN_KEY, "value": as_.token}]}
            )
        context = await self.browser.new_context(
            base_url=self.server.url,
            locale="en-US",
            timezone_id=timezone,
            storage_state=storage,
            **DEVICES[self.device],
        )
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{route}: {error}"))
        await page.goto(ENTRY + route)
        return page

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def press(page: Page, target: Locator) -> None:
    """A tap on a touch device, a click elsewhere."""
    if (page.viewport_size or {}).get("width", 1280) < 600:
        await target.tap()
    else:
        await target.click()


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


async def serious_axe_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


async def screenshot(page: Page, name: str) -> None:
    await page.screenshot(path=str(screenshot_path(DOCS, name)))
