"""Helpers for the week editor's browser tests: cells and ranges, touch gestures, the keyboard."""

from __future__ import annotations

import asyncio

from playwright.async_api import Page

DASH = "\u2013"  # the en dash the client writes between two times


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
