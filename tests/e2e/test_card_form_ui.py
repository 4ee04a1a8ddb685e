"""The Stripe Elements card form (issue 11, item 12), on a desktop and on a 390x844 touch phone: with
a publishable key configured, #/cards loads Stripe.js (here standins/stripe/stripe_js.js served in
its place, as this machine cannot reach Stripe), mounts the card Element, and saves what
`createPaymentMethod` makes of the typed card through POST /api/me/payment-methods, under the page's
Content-Security-Policy."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Page, Route, expect

from app.settings import PROJECT_ROOT
from tests.e2e.booking_pages import press
from tests.e2e.pages import Pages, serious_axe_violations
from tests.support.accounts import Account, Accounts
from tests.support.screenshots import E2E, screenshot_path

PUBLISHABLE_KEY = "pk_test_card_form_e2e"
STRIPE_JS = "https://js.stripe.com/v3/**"
STRIPE_JS_STANDIN = PROJECT_ROOT / "standins" / "stripe" / "stripe_js.js"

# Collected before any of the page's scripts run: every CSP refusal (Stripe.js is a third-party script).
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) =>
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture
def server(live):
    return live("socketify", STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY)


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def serve_stripe_js(route: Route) -> None:
    await route.fulfill(path=STRIPE_JS_STANDIN, content_type="application/javascript")


async def open_cards(pages: Pages, student: Account, stripe_js=serve_stripe_js) -> Page:
    """#/cards as `student`, Stripe.js answered by `stripe_js` (routed before the screen asks for it)."""
    page = await pages.open("#/", as_=student)
    await page.context.add_init_script(CSP_WATCH)
    await page.context.route(STRIPE_JS, stripe_js)
    await page.goto("about:blank")  # so the next is a new document, which the init script watches
    await page.goto("/#/cards")
    await expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()
    return page


async def type_card(page: Page, number: str, expiry: str = "12 / 34", cvc: str = "123") -> None:
    await page.get_by_label("Credit or debit card number").fill(number)
    await page.get_by_label("Credit or debit card expiration date").fill(expiry)
    await page.get_by_label("Credit or debit card CVC/CVV").fill(cvc)


async def saved_cards(http, student: Account) -> list[tuple[str, str, bool]]:
    response = await http.get("/api/me/payment-methods", headers=student.headers)
    assert response.status_code == 200, response.text
    return sorted((c["brand"], c["last4"], c["default"]) for c in response.json())


async def look(page: Page, name: str, device: str) -> None:
    await page.screenshot(path=str(screenshot_path(E2E, f"card-form/{device}-{name}.png")), full_page=True)


async def test_a_student_adds_cards_through_stripe_elements_and_the_newest_is_the_default(http, pages):
    student = await Accounts(http).student(name="Sam Student", card=None)
    page = await open_cards(pages, student)
    element = page.get_by_test_id("card-element")
    await expect(element.get_by_label("Credit or debit card number")).to_be_visible()
    await expect(page.get_by_test_id("test-card-select")).to_have_count(0)  # Elements wins over the chooser
    assert await page.evaluate("window.__cspViolations") == []
    assert await serious_axe_violations(page) == []
    await look(page, "empty", pages.device)

    # The label focuses the Element, as Stripe's does.
    await press(page, page.get_by_text("Card details", exact=True))
    await expect(element).to_have_class(re.compile(r"\bStripeElement--focus\b"))
    await type_card(page, "5555555555554444")
    await press(page, page.get_by_test_id("card-add"))
    status = page.get_by_test_id("cards-status")
    await expect(status).to_have_text("Added Mastercard ending 4444; it is now your default card.")
    await expect(page.get_by_label("Credit or debit card number")).to_have_value("")  # cleared for the next

    # "Add card" waits while the card is saved: held here until the server may answer.
    answer = asyncio.Event()

    async def hold(route: Route) -> None:
        await answer.wait()
        await route.continue_()

    await page.route("**/api/me/payment-methods", hold)
    await type_card(page, "4242 4242 4242 4242")
    await expect(page.get_by_label("Credit or debit card number")).to_have_value("4242 4242 4242 4242")
    await press(page, page.get_by_test_id("card-add"))
    await expect(page.get_by_test_id("card-add")).to_be_disabled()
    answer.set()
    await expect(status).to_have_text("Added Visa ending 4242; it is now your default card.")
    await expect(page.get_by_test_id("card-add")).to_be_enabled()
    await page.unroute("**/api/me/payment-methods", hold)

    cards = page.get_by_test_id("saved-card")
    await expect(cards).to_have_count(2)
    await expect(cards.filter(has_text="Visa ending 4242")).to_contain_text("Default")
    await expect(cards.filter(has_text="Mastercard ending 4444")).not_to_contain_text("Default")
    assert await saved_cards(http, student) == [("mastercard", "4444", False), ("visa", "4242", True)]
    assert await page.evaluate("window.__cspViolations") == []
    assert await serious_axe_violations(page) == []
    await look(page, "added", pages.device)


async def test_a_card_number_stripe_refuses_shows_stripes_message_and_saves_nothing(http, pages):
    student = await Accounts(http).student(name="Ivy Invalid", card=None)
    page = await open_cards(pages, student)
    posted: list[str] = []
    page.on("request", lambda r: posted.append(r.url) if r.method == "POST" and "/api/" in r.url else None)

    await type_card(page, "4242424242424241")  # fails the Luhn check
    await expect(page.get_by_test_id("card-element-error")).to_have_text("Your card number is invalid.")
    await expect(page.get_by_test_id("card-element")).to_have_class(re.compile(r"\bStripeElement--invalid\b"))
    await press(page, page.get_by_test_id("card-add"))
    status = page.get_by_test_id("cards-status")
    await expect(status).to_have_text("Your card number is invalid.")
    await expect(status).to_have_class("banner banner-error")
    await expect(page.get_by_test_id("card-add")).to_be_enabled()
    assert await serious_axe_violations(page) == []
    await look(page, "invalid", pages.device)

    await type_card(page, "4242 4242")
    await expect(page.get_by_test_id("card-element-error")).to_have_text("")  # incomplete is said at submit
    await press(page, page.get_by_test_id("card-add"))
    await expect(status).to_have_text("Your card number is incomplete.")
    await type_card(page, "4242424242424242", expiry="12 / 3")
    await press(page, page.get_by_test_id("card-add"))
    await expect(status).to_have_text("Your card's expiration date is incomplete.")

    await expect(page.get_by_text("No saved cards yet.")).to_be_visible()
    assert await saved_cards(http, student) == []
    assert posted == [], "nothing was sent to the server"


async def test_a_card_that_will_be_declined_is_still_saved_as_at_stripe(http, pages):
    """Stripe declines at authorization, not when the card is saved."""
    student = await Accounts(http).student(name="Dee Declined", card=None)
    page = await open_cards(pages, student)
    await type_card(page, "4000 0000 0000 0002")
    await press(page, page.get_by_test_id("card-add"))
    await expect(page.get_by_test_id("cards-status")).to_have_text(
        "Added Visa ending 0002; it is now your default card."
    )
    await expect(page.get_by_test_id("saved-card")).to_contain_text("Default")
    assert await saved_cards(http, student) == [("visa", "0002", True)]


async def test_stripe_js_failing_to_load_says_so_and_try_again_loads_it(http, pages):
    student = await Accounts(http).student(name="Olive Offline", card=None)
    attempts: list[str] = []

    async def unreachable(route: Route) -> None:
        attempts.append(route.request.url)
        await route.abort("internetdisconnected")

    page = await open_cards(pages, student, stripe_js=unreachable)
    adder = page.locator(".cards-add")
    await expect(adder.get_by_role("alert")).to_contain_text(
        "The card form couldn't load: Stripe did not answer. Check your connection and try again."
    )
    await expect(adder.get_by_role("button", name="Try again")).to_be_visible()
    await expect(page.get_by_test_id("card-element")).to_have_count(0)
    assert attempts == ["https://js.stripe.com/v3/"]
    assert await serious_axe_violations(page) == []
    await look(page, "stripe-unreachable", pages.device)

    await page.context.unroute(STRIPE_JS, unreachable)
    await page.context.route(STRIPE_JS, serve_stripe_js)
    await press(page, page.get_by_test_id("card-form-retry"))
    await expect(page.get_by_test_id("card-element").get_by_label("Credit or debit card number")).to_be_visible()
    await type_card(page, "4242424242424242")
    await press(page, page.get_by_test_id("card-add"))
    await expect(page.get_by_test_id("cards-status")).to_have_text(
        "Added Visa ending 4242; it is now your default card."
    )
    assert await saved_cards(http, student) == [("visa", "4242", True)]
    assert await page.evaluate("window.__cspViolations") == []
