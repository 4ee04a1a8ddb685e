"""Helpers for the week editor's browser tests: phone contexts, touch gestures, keyboard, axe."""

from __future__ import annotations

import asyncio

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from tests.e2e.conftest import ENTRY, TIMEZONE, TOKEN_KEY
from tests.support.accounts import Account
from tests.support.live import LiveServer

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DASH = "\u2013"  # the en dash the client writes between two times
DESKTOP = {"viewport": {"width": 1280, "height": 860}}


async def open_page(browser: Browser, server: LiveServer, route: str, as_: Account | None, device: dict, errors: list):
    storage = {"cookies": [], "origins": []}
    if as_ is not None:
        storage["origins"].append({"origin": server.url, "localStorage": [{"name": TOKEN_KEY, "value": as_.token}]})
    context = await browser.new_context(
        base_url=server.url, locale="en-US", timezone_id=TIMEZONE, storage_state=storage, **device
    )
    page = await context.new_page()
    page.on("pageerror", lambda error: errors.append(f"{route}: {error}"))
    await page.goto(ENTRY + route)
    return page


def cell(page: Page, date: str, time: str):
    return page.locator(f'[data-testid="grid-cell"][data-date="{date}"][data-time="{time}"]')


def ranges_on(page: Page, date: str):
    return page.locator(f'[data-testid="week-range"][data-date="{date}"]')


def range_block(page: Page, date: str, start: str, end: str):
    return page.locator(f'[data-testid="week-range"][data-date="{date}"][data-start="{start}"][data-end="{end}"]')


async def center(page: Page, date: str, time: str) -> tuple[float, float]:
    target = cell(page, date, time)
    await target.scroll_into_view_if_needed()
    box = await target.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


class Finger:
    """Real touch input through Chromium's input pipeline (touch-action, scrolling, gesture taps)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.cdp = None

    async def _send(self, kind: str, x: float | None = None, y: float | None = None) -> None:
        if self.cdp is None:
            self.cdp = await self.page.context.new_cdp_session(self.page)
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        await self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    async def tap(self, x: float, y: float) -> None:
        await self.page.touchscreen.tap(x, y)

    async def drag(self, start: tuple[float, float], end: tuple[float, float], hold_ms: int = 0, steps: int = 8):
        await self._send("touchStart", *start)
        if hold_ms:
            await asyncio.sleep(hold_ms / 1000)
        for i in range(1, steps + 1):
            x = start[0] + (end[0] - start[0]) * i / steps
            y = start[1] + (end[1] - start[1]) * i / steps
            await self._send("touchMove", x, y)
            await asyncio.sleep(0.016)
        await self._send("touchEnd")


async def tab_to(page: Page, selector: str, limit: int = 150) -> None:
    """Press Tab until the focused element matches `selector`: only the keyboard moves focus."""
    for _ in range(limit):
        if await page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


async def serious_axe_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
