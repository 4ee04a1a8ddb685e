"""Payments in the browser (issue 11, item 12), on a desktop and on a 390x844 touch phone: saved cards
through the stand-in's test-card chooser, the price and the paying card at review, a declined card's
402 with a way to add a card and come back to the same time, the cancellation quote before
cancelling, and the instructor's earnings."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Page, expect

from tests.e2e.booking_pages import press, screenshot
from tests.e2e.pages import serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

CHICAGO = "America/Chicago"


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def add_test_card(page: Page, pm_id: str) -> None:
    await page.get_by_test_id("test-card-select").select_option(pm_id)
    await press(page, page.get_by_test_id("card-add"))
    await expect(page.get_by_test_id("cards-status")).to_contain_text("Added")


async def open_first_time(page: Page) -> None:
    """The first open day, a one-hour lesson, its first time: the review step."""
    await press(page, page.locator('[data-testid="slot-day"]:enabled').first)
    await page.get_by_test_id("duration-select").select_option("60")
    await press(page, page.get_by_test_id("slot").first)
    await expect(page.get_by_test_id("booking-review")).to_be_visible()


async def test_a_student_adds_a_card_books_seeing_the_price_and_sees_the_cancel_quote(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    await offer_piano(http, ada)
    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    student = await accounts.student(name="Sam Student", card=None)

    page = await pages.open("#/cards", as_=student)
    await expect(page.get_by_role("heading", name="Payment", exact=True)).to_be_visible()
    await expect(page.get_by_text("No saved cards yet.")).to_be_visible()
    await add_test_card(page, "pm_card_mastercard")
    await add_test_card(page, "pm_card_visa")
    cards = page.get_by_test_id("saved-card")
    await expect(cards).to_have_count(2)
    await expect(cards.filter(has_text="Visa ending 4242")).to_contain_text("Default")
    await press(page, cards.filter(has_text="Mastercard").get_by_test_id("card-remove"))
    await expect(cards).to_have_count(1)
    await expect(cards).to_contain_text("Visa ending 4242")
    assert await serious_axe_violations(page) == []

    await page.goto(f"/#/instructor/{ada.id}")
    await open_first_time(page)
    review = page.get_by_test_id("booking-review")
    await expect(page.get_by_test_id("review-price")).to_have_text("$60")
    await expect(page.get_by_test_id("review-payer")).to_have_text("Visa ending 4242")
    await screenshot(page, f"booking-review-price-{pages.device}.png")
    assert await serious_axe_violations(page) == []
    await press(page, page.get_by_test_id("booking-confirm"))
    await expect(page.get_by_test_id("booking-confirmation")).to_be_visible()
    await expect(review).to_have_count(0)

    await page.goto("/#/bookings")
    row = page.get_by_test_id("booking-row")
    await expect(row.get_by_test_id("booking-payment")).to_have_text("$60 · Card authorized 24 h before")
    await press(page, row.get_by_test_id("booking-cancel"))
    quote = page.get_by_test_id("cancel-quote")
    await expect(quote).to_contain_text("Cancelling now: nothing is charged or refunded.")
    await expect(quote).to_contain_text("cancelling is free")
    assert await serious_axe_violations(page) == []
    await press(page, page.get_by_test_id("booking-cancel-confirm"))
    await expect(page.get_by_test_id("cancel-status")).to_contain_text("Cancelled Piano")


def days_ahead(tz: str, count: int) -> list[date]:
    today = datetime.now(ZoneInfo(tz)).date()
    return [today + timedelta(days=n) for n in range(count)]


async def test_a_declined_card_says_so_and_adding_a_card_comes_back_to_the_same_time(http, pages):
    """A lesson less than 24 h ahead is authorized at booking: the declined card is a 402."""
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    await offer_piano(http, ada)
    weeks: dict[date, dict] = {}
    for day in days_ahead(CHICAGO, 2):  # today and tomorrow: the first open time is < 24 h ahead
        week = weeks.setdefault(day - timedelta(days=day.weekday()), {})
        week[day.isoformat()] = [{"start": "00:00", "end": "23:00"}]
    for week_start, days in weeks.items():
        await save_week(http, ada, ada, week_start, days)
    student = await accounts.student(name="Dee Declined", card="pm_card_chargeDeclined")

    page = await pages.open(f"#/instructor/{ada.id}", as_=student)
    await open_first_time(page)
    when = await page.get_by_test_id("booking-review").locator(".review-row").nth(2).inner_text()
    await press(page, page.get_by_test_id("booking-confirm"))
    message = page.get_by_test_id("booking-message")
    await expect(message).to_contain_text("Nothing was booked: your card was declined.")
    assert (await http.get("/api/bookings?role=student&when=upcoming", headers=student.headers)).json() == []
    await screenshot(page, f"booking-declined-{pages.device}.png")

    await press(page, message.get_by_test_id("booking-add-card"))
    await expect(page).to_have_url(re.compile(r"#/cards\?back="))
    await add_test_card(page, "pm_card_visa")
    await press(page, page.get_by_test_id("cards-back"))
    review = page.get_by_test_id("booking-review")
    await expect(review).to_be_visible()
    assert await review.locator(".review-row").nth(2).inner_text() == when, "back at the same time"
    await expect(page.get_by_test_id("review-payer")).to_have_text("Visa ending 4242")
    await press(page, page.get_by_test_id("booking-confirm"))
    await expect(page.get_by_test_id("booking-confirmation")).to_be_visible()
    booked = (await http.get("/api/bookings?role=student&when=upcoming", headers=student.headers)).json()
    assert [b["payment"]["status"] for b in booked] == ["authorized"]


async def test_a_student_without_a_card_is_told_at_review(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    await offer_piano(http, ada)
    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    student = await accounts.student(name="Nora Nocard", card=None)
    page = await pages.open(f"#/instructor/{ada.id}", as_=student)
    await open_first_time(page)
    await expect(page.get_by_test_id("review-payer")).to_contain_text("No card saved yet")
    await press(page, page.get_by_test_id("booking-confirm"))
    await expect(page.get_by_test_id("booking-message")).to_contain_text("add a card")
    await expect(page.get_by_test_id("booking-add-card")).to_be_visible()


async def test_the_instructor_sees_earnings_and_why_a_payout_cannot_start(http, pages):
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    page = await pages.open("#/earnings", as_=ada)
    await expect(page.get_by_role("heading", name="Earnings", exact=True)).to_be_visible()
    for testid in ("earnings-pending", "earnings-available", "earnings-paid"):
        await expect(page.get_by_test_id(testid)).to_contain_text("$0")
    await expect(page.get_by_text("No payouts yet.")).to_be_visible()
    assert await serious_axe_violations(page) == []
    await press(page, page.get_by_test_id("payout-instant"))
    await expect(page.get_by_test_id("earnings-status")).to_contain_text(
        re.compile(r"Set up payouts first|Nothing to pay out yet")
    )
    async with page.context.expect_page() as opened:
        await press(page, page.get_by_test_id("payouts-setup"))
    await (await opened.value).close()
    await expect(page.get_by_test_id("earnings-status")).to_contain_text("Stripe opened in a new tab")
