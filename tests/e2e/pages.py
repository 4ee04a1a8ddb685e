"""The one page set-up of the browser tests: a page of the client in its own browser context (own
localStorage, so own session), as a person, on a device, in a timezone; and axe on a page."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page

from tests.support.accounts import Account
from tests.support.live import LiveServer

TOKEN_KEY = "instainstru.token"  # where static/js/api.js keeps the session token
TIMEZONE = "America/New_York"
ENTRY = "/"  # GET / serves the browser client (API.md "Running")

DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 860}}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
DEVICES = {"desktop": DESKTOP, "phone": PHONE}


class Pages:
    """`await pages("#/bookings", as_=student, device=PHONE)` (or `pages.open(...)`): each page in its
    own context. Uncaught page errors are collected in `errors`; `close()` ends every context."""

    def __init__(self, browser: Browser, server: LiveServer, device: str = "desktop") -> None:
        self.browser, self.server, self.device = browser, server, device
        self.contexts: list = []
        self.errors: list[str] = []

    async def open(
        self,
        route: str = "#/",
        as_: Account | None = None,
        device: dict[str, Any] | str | None = None,
        timezone: str = TIMEZONE,
        locale: str = "en-US",
    ) -> Page:
        storage: dict[str, list] = {"cookies": [], "origins": []}
        if as_ is not None:
            storage["origins"].append(
                {"origin": self.server.url, "localStorage": [{"name": TOKEN_KEY, "value": as_.token}]}
            )
        options = DEVICES[device or self.device] if not isinstance(device, dict) else device
        context = await self.browser.new_context(
            base_url=self.server.url, locale=locale, timezone_id=timezone, storage_state=storage, **options
        )
        self.contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{route}: {error}"))
        await page.goto(ENTRY + route)
        return page

    __call__ = open

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()


async def serious_axe_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
