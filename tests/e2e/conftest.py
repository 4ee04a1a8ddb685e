"""Browser tests: the real client in static/ driven by headless Chromium against live web processes.

One Chromium for the whole session; each test gets fresh browser contexts (own localStorage, so
own session) from `new_page`, pointed at the test's live server (`server`, parametrized over the
servers in `tests.support.live.SERVERS`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.support.accounts import Account
from tests.support.live import SERVERS, LiveServer

CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TOKEN_KEY = "instainstru.token"  # where static/js/api.js keeps the session token
TIMEZONE = "America/New_York"
ENTRY = "/"  # GET / serves the browser client (API.md "Running")

# Auto-waiting assertions poll for up to this long: live updates cross processes and Redis.
expect.set_options(timeout=10_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the browser client in a real Chromium")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(params=SERVERS)
def server_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def server(live, server_kind: str) -> LiveServer:
    return live(server_kind)


@pytest.fixture
def http(http_factory, server: LiveServer):
    return http_factory(server)


@pytest.fixture
async def new_page(browser: Browser, server: LiveServer) -> AsyncIterator:
    """`await new_page("#/login", as_=account)`: a page in its own browser context.

    `as_` starts the context logged in (the token in localStorage, as the client keeps it). Uncaught
    page errors fail the test when it ends.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def make(route: str = "#/", as_: Account | None = None) -> Page:
        storage = {"cookies": [], "origins": []}
        if as_ is not None:
            storage["origins"].append({"origin": server.url, "localStorage": [{"name": TOKEN_KEY, "value": as_.token}]})
        context = await browser.new_context(
            base_url=server.url,
            viewport={"width": 1280, "height": 860},
            locale="en-US",
            timezone_id=TIMEZONE,
            storage_state=storage,
        )
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{route}: {error}"))
        await page.goto(ENTRY + route)
        return page

    yield make
    for context in contexts:
        await context.close()
    assert not errors, f"uncaught errors in the page: {errors}"
