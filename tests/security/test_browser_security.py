"""Browser-facing security: headers on every kind of response, /metrics behind its token or
loopback, and the real client running in Chromium under its Content-Security-Policy."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from playwright.async_api import async_playwright, expect

from app.main import create_app
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, TOKEN_KEY
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, save_week
from tests.support.live import SERVERS

METRICS_TOKEN = "metrics-token-for-tests-0123456789"


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers["content-security-policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_browser_headers(response) -> None:
    csp = csp_directives(response)
    assert csp["frame-ancestors"] == ["'none'"], response.request.url
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] in ("no-referrer", "strict-origin-when-cross-origin")


def assert_client_policy(response) -> None:
    """What the browser client gets: its own origin for scripts and styles, nothing inline."""
    assert_browser_headers(response)
    csp = csp_directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    # the browser PUTs uploads to object storage (the session's S3 stand-in)
    assert csp["connect-src"] == ["'self'", os.environ["S3_ENDPOINT_URL"]]


async def test_every_kind_of_response_carries_the_security_headers(client):
    weak = {"email": "x@example.test", "password": "12345678", "full_name": "X", "role": "student", "timezone": "UTC"}
    responses = [
        await client.get("/"),
        await client.get("/static/js/app.js"),
        await client.get("/static/css/app.css"),
        await client.get("/api/catalog/categories"),
        await client.get("/health"),
        await client.get("/schema/openapi.json"),
        await client.get("/no-such-page"),
        await client.get("/static/js/no-such-module.js"),
        await client.post("/api/auth/register", json=weak),
        await client.post("/api/auth/register", content=b"{not json"),
        await client.get("/api/me"),
        await client.delete("/health"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 200, 404, 404, 400, 400, 401, 405]
    for response in responses:
        assert_client_policy(response)


async def test_schema_viewer_pages_get_their_own_policy_and_still_forbid_framing(client):
    page = await client.get("/schema")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert_browser_headers(page)
    # Litestar's viewers bootstrap inline from a CDN; the client's own pages never allow that.
    assert "'unsafe-inline'" in csp_directives(page)["script-src"]
    assert "'unsafe-inline'" not in csp_directives(await client.get("/"))["script-src"]
    document = await client.get("/schema/openapi.json")
    assert document.json()["openapi"].startswith("3.")
    assert_client_policy(document)


async def test_with_a_publishable_key_pages_allow_stripe_js_and_nothing_more(client, settings, redis):
    """Stripe's CSP guide for Stripe.js: its script, its card and 3-D Secure frames, its API."""
    without = csp_directives(await client.get("/"))
    assert not {"frame-src"} & without.keys() and "https://js.stripe.com" not in without["script-src"]
    async with AsyncTestClient(app=create_app(replace(settings, stripe_publishable_key="pk_test_csp"))) as keyed:
        page = await keyed.get("/")
    assert_browser_headers(page)
    with_key = csp_directives(page)
    assert with_key["script-src"] == ["'self'", "https://js.stripe.com"]
    assert with_key["frame-src"] == ["'self'", "https://js.stripe.com", "https://hooks.stripe.com"]
    assert with_key["connect-src"] == [*without["connect-src"], "https://api.stripe.com"]
    changed = {name for name in with_key.keys() | without.keys() if with_key.get(name) != without.get(name)}
    assert changed == {"script-src", "frame-src", "connect-src"}


async def test_metrics_without_a_token_are_for_loopback_clients_only(client):
    # The in-process client's address is "testclient", i.e. not loopback.
    refused = await client.get("/metrics")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert "instainstru" not in refused.text
    assert_client_policy(refused)


async def test_metrics_with_a_token_configured_need_that_token(settings, redis):
    app = create_app(replace(settings, metrics_token=METRICS_TOKEN))
    async with AsyncTestClient(app=app) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status_code == 401, headers
            assert refused.json()["code"] == "unauthorized"
            assert refused.headers["www-authenticate"] == "Bearer"
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert allowed.status_code == 200
        assert "# TYPE" in allowed.text


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_live_servers_send_the_headers_and_guard_metrics_with_the_token(live, http_factory, server_kind):
    server = live(server_kind, METRICS_TOKEN=METRICS_TOKEN)
    http = http_factory(server)
    for path in ("/", "/static/js/app.js", "/api/catalog/categories", "/no-such-page"):
        assert_client_policy(await http.get(path))
    # Loopback is not enough once a token is configured.
    refused = await http.get("/metrics")
    assert refused.status_code == 401
    assert refused.json()["code"] == "unauthorized"
    allowed = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert allowed.status_code == 200
    assert "# TYPE" in allowed.text


async def test_without_a_token_a_live_server_serves_metrics_to_loopback(live, http_factory):
    http = http_factory(live("socketify"))
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert "# TYPE" in response.text


# Collected in the page before any of its scripts run: every CSP refusal, with what was refused.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
async def test_the_browser_client_runs_under_its_policy_without_violations(live, http_factory):
    server = live("socketify")
    http = http_factory(server)
    instructor = await Accounts(http).instructor(name="Ada Keys")
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        storage = {
            "origins": [{"origin": server.url, "localStorage": [{"name": TOKEN_KEY, "value": instructor.token}]}]
        }
        context = await browser.new_context(base_url=server.url, storage_state=storage)
        await context.add_init_script(CSP_WATCH)
        page = await context.new_page()
        console = []
        page.on("console", lambda message: console.append(message.text))
        try:
            await page.goto(f"/#/calendar/{instructor.id}/{monday.isoformat()}")
            # The websocket connected ('self' covers ws: of the page's origin) and the week grid,
            # whose hour labels and rows are positioned through style, rendered.
            await expect(page.get_by_test_id("ws-status")).to_have_text("live", timeout=10_000)
            await expect(page.get_by_test_id("week-range").first).to_be_visible(timeout=10_000)
            label_tops = await page.eval_on_selector_all(".wg-times span", "els => els.map(e => e.style.top)")
            assert len(label_tops) == 24 and all(top.endswith("%") for top in label_tops), label_tops
            rows = await page.eval_on_selector(".wg-body", "e => getComputedStyle(e).getPropertyValue('--rows')")
            assert rows.strip().isdigit(), rows
            assert await page.evaluate("window.__cspViolations") == []
            assert not [text for text in console if "Content Security Policy" in text]
        finally:
            await context.close()
            await browser.close()
