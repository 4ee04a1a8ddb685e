"""Browser tests: the real client in static/ driven by headless Chromium against live web processes.

One Chromium for the whole session; each test gets fresh browser contexts (own localStorage, so
own session) from `pages` (tests/e2e/pages.py), pointed at the test's live server (`server`,
socketify, the server the Procfile runs; the live-update tests also run over every server in
`tests.support.live.SERVERS`, since their websockets go through each server's adapter).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright, expect

from tests.e2e.pages import DEVICES, TOKEN_KEY, Pages
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
__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "TOKEN_KEY"]  # what tests/security's browser test takes from here

# Auto-waiting assertions poll for up to this long: live updates cross processes and Redis.
expect.set_options(timeout=10_000)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives the browser client in a real Chromium")
    config.addinivalue_line("markers", "both_devices: each test runs twice, `pages` at desktop size and as a phone")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("both_devices") and "device" in metafunc.fixturenames:
        metafunc.parametrize("device", tuple(DEVICES))


@pytest.fixture
def device() -> str:
    """The device `pages` opens pages as, unless a test names another (`both_devices`: each in turn)."""
    return "desktop"


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@pytest.fixture(params=["socketify"])
def server_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(params=SERVERS)
def every_server_kind(request: pytest.FixtureRequest) -> str:
    """For a test module's `server_kind` when what it shows crosses each server's websocket adapter."""
    return request.param


@pytest.fixture
def server(live, server_kind: str) -> LiveServer:
    return live(server_kind)


@pytest.fixture
def http(http_factory, server: LiveServer):
    return http_factory(server)


@pytest.fixture
async def pages(browser: Browser, server: LiveServer, device: str) -> AsyncIterator[Pages]:
    """`await pages("#/login", as_=account, device=PHONE)`: a page in its own browser context (see
    tests.e2e.pages), as `device` unless told otherwise. `as_` starts it logged in. Uncaught page
    errors fail the test when it ends."""
    opened = Pages(browser, server, device)
    yield opened
    await opened.close()
    assert not opened.errors, f"uncaught errors in the page: {opened.errors}"


@pytest.fixture
def new_page(pages: Pages):
    """`await new_page("#/login", as_=account)`: a desktop page (the older tests' name for `pages`)."""
    return pages
