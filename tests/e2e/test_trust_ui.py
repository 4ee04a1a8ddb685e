"""Trust in the browser (issue 13 item 8), at desktop size from the keyboard and on a 390x844 touch
phone: a student reviews a completed lesson once (every browser it signs in on shows it reviewed) and
the instructor responds on the profile; the referral page with its code and link; the calendar-feed
link created, shown again on load (another browser too), replaced and revoked; a waitlist entry made
and deleted on a profile."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.async_api import expect

from tests.e2e.booking_pages import open_menu, press
from tests.e2e.discovery_pages import open_monday, shot, teacher
from tests.e2e.pages import Pages, serious_axe_violations
from tests.support.accounts import Accounts


@pytest.fixture
def server(live, server_kind):
    return live(server_kind, TEST_CLOCK="1")  # lessons move into the past on the shared test clock


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def activate(pages: Pages, page, target) -> None:
    if pages.device == "desktop":
        await target.focus()
        await page.keyboard.press("Enter")
    else:
        await press(page, target)


async def completed_lesson(http, accounts: Accounts):
    """Ada's hour-long lesson with Sam, next Monday at 9:00, moved into the past and completed."""
    ada = await teacher(accounts, "Ada Keys", 6000)
    monday = await open_monday(http, ada)
    piano = await accounts.offer_piano(ada)
    await accounts.call("PUT", f"/api/instructors/me/services/{piano}", ada, 200,
                        json={"hourly_rate_cents": 6000, "durations_minutes": [60], "age_groups": ["adults"],
                              "locations": ["online"]})  # fmt: skip
    sam = await accounts.student(name="Sam Student")
    body = {"instructor_id": ada.id, "service_id": piano, "start": f"{monday}T09:00:00-05:00", "duration_minutes": 60}
    booking = await accounts.call("POST", "/api/bookings", sam, 201, json=body)
    ended = datetime.fromisoformat(booking["end"])
    minutes = int((ended - datetime.now(UTC)).total_seconds() // 60) + 30
    await accounts.call("POST", "/api/test/clock", await accounts.admin(), 200, json={"advance_minutes": minutes})
    await accounts.call("POST", f"/api/bookings/{booking['id']}/complete", ada, 200)
    return ada, sam, booking


async def test_a_student_reviews_a_completed_lesson_once_and_the_instructor_responds(http, pages):
    accounts = Accounts(http)
    ada, sam, booking = await completed_lesson(http, accounts)

    page = await pages.open("#/bookings/past", as_=sam)
    row = page.locator(f'[data-testid="booking-row"][data-id="{booking["id"]}"]')
    await expect(row).to_have_attribute("data-status", "completed")
    await activate(pages, page, row.get_by_test_id("review-open"))
    form = row.get_by_test_id("review-form")
    await expect(form).to_be_visible()
    # Sending without stars says what is missing and sends nothing.
    await activate(pages, page, form.get_by_test_id("review-submit"))
    await expect(form.get_by_test_id("review-error")).to_have_text("Pick 1 to 5 stars first.")
    if pages.device == "desktop":
        await form.get_by_test_id("star-1").focus()
        await page.keyboard.press("Space")
        for _ in range(3):
            await page.keyboard.press("ArrowRight")  # a radio group: arrows move and choose
    else:
        await form.locator("label.star").nth(3).tap()
    await expect(form.get_by_test_id("star-words")).to_have_text("4 of 5: Very good")
    await form.get_by_test_id("review-text").fill("Clear explanations and a lot of patience.")
    await expect(form.get_by_test_id("review-text-count")).to_have_text("41 / 2000")
    await shot(page, f"{pages.device}-review-form")
    assert await serious_axe_violations(page) == []
    await activate(pages, page, form.get_by_test_id("review-submit"))
    await expect(row.get_by_test_id("review-done")).to_contain_text("Your 4-star review is on Ada Keys's profile")
    reviews = (await http.get(f"/api/instructors/{ada.id}/reviews")).json()
    assert (reviews["count"], reviews["items"][0]["rating"]) == (1, 4)
    await page.reload()
    await expect(row.get_by_test_id("review-done")).to_be_visible()
    await expect(row.get_by_test_id("review-open")).to_have_count(0)  # once
    # Another browser (another device) knows it too: the booking carries its review.
    elsewhere = await pages.open("#/bookings/past", as_=sam)
    there = elsewhere.locator(f'[data-testid="booking-row"][data-id="{booking["id"]}"]')
    await expect(there.get_by_test_id("review-done-rating")).to_have_attribute("aria-label", "4 of 5 stars")
    await expect(there.get_by_test_id("review-open")).to_have_count(0)
    assert await elsewhere.evaluate("Object.keys(localStorage)") == ["instainstru.token"]
    await shot(elsewhere, f"{pages.device}-lesson-reviewed")

    mine = await pages.open(f"#/instructors/{ada.id}", as_=ada)
    review = mine.get_by_test_id("review")
    await expect(review.get_by_test_id("review-rating")).to_have_attribute("aria-label", "4 of 5 stars")
    await expect(review.get_by_test_id("review-body")).to_have_text("Clear explanations and a lot of patience.")
    await expect(mine.get_by_test_id("profile-rating")).to_have_text("4.0 ★ (1 review)")
    await activate(pages, mine, review.get_by_test_id("respond-open"))
    await review.get_by_test_id("respond-text").fill("Thank you, Sam!")
    await activate(pages, mine, review.get_by_test_id("respond-submit"))
    await expect(review.get_by_test_id("review-response")).to_contain_text("Thank you, Sam!")
    await expect(review.get_by_test_id("respond-open")).to_have_count(0)

    # Anyone reading the profile sees the review with the response; no one else may respond.
    visitor = await pages.open(f"#/instructors/{ada.id}")
    await expect(visitor.get_by_test_id("review-response")).to_contain_text("Thank you, Sam!")
    await expect(visitor.get_by_test_id("respond-open")).to_have_count(0)
    await shot(visitor, f"{pages.device}-profile-reviewed")


async def test_the_referral_page_shows_the_code_and_the_calendar_link_is_created_and_revoked(http, pages):
    accounts = Accounts(http)
    sam = await accounts.student(name="Sam Student")
    referral = await accounts.call("GET", "/api/me/referral", sam, 200)
    page = await pages.open("#/bookings", as_=sam)
    await open_menu(page)
    await activate(pages, page, page.locator('a[data-nav="referral"]'))
    await expect(page.get_by_role("heading", name="Invite friends")).to_be_visible()
    await expect(page.get_by_test_id("referral-code")).to_have_text(referral["code"])
    await expect(page.get_by_test_id("referral-url")).to_have_value(referral["url"])
    await expect(page.get_by_test_id("referral-count")).to_have_text("0")
    await expect(page.get_by_test_id("referral-earned")).to_have_text("$0")
    await activate(pages, page, page.get_by_test_id("referral-url-copy"))
    await expect(page.get_by_test_id("referral-url-copied")).to_have_text("Copied")

    await expect(page.get_by_test_id("feed-create")).to_have_text("Create calendar link")
    await expect(page.get_by_test_id("feed-revoke")).to_be_hidden()  # nothing to turn off yet
    await activate(pages, page, page.get_by_test_id("feed-create"))
    url = page.get_by_test_id("feed-url")
    await expect(url).to_have_value(re.compile(r"/api/calendar-feeds/[^/]+\.ics$"))
    first = await url.input_value()
    assert (await http.get(first)).status_code == 200
    await shot(page, f"{pages.device}-referral")
    assert await serious_axe_violations(page) == []

    # Another browser (another device) shows the same link on load, from the server.
    elsewhere = await pages.open("#/referral", as_=sam)
    await expect(elsewhere.get_by_test_id("feed-url")).to_have_value(first)
    await expect(elsewhere.get_by_test_id("feed-create")).to_have_text("Replace with a new link")
    await shot(elsewhere, f"{pages.device}-referral-feed-on-load")

    await activate(pages, page, page.get_by_test_id("feed-create"))  # replace: the old link stops working
    await expect(url).not_to_have_value(first)
    second = await url.input_value()
    assert (await http.get(first)).status_code == 404
    await elsewhere.reload()
    await expect(elsewhere.get_by_test_id("feed-url")).to_have_value(second)
    await activate(pages, page, page.get_by_test_id("feed-revoke"))
    await expect(page.get_by_test_id("feed-status")).to_contain_text("turned off")
    await expect(page.get_by_test_id("feed-url")).to_have_count(0)
    assert (await http.get(second)).status_code == 404
    await elsewhere.reload()
    await expect(elsewhere.get_by_test_id("feed-create")).to_have_text("Create calendar link")
    await expect(elsewhere.get_by_test_id("feed-url")).to_have_count(0)
    await expect(elsewhere.get_by_test_id("feed-revoke")).to_be_hidden()


async def test_a_student_asks_to_be_told_when_a_slot_opens_and_deletes_the_entry(http, pages):
    accounts = Accounts(http)
    ada = await teacher(accounts, "Ada Keys", 6000)
    sam = await accounts.student(name="Sam Student")
    page = await pages.open(f"#/instructors/{ada.id}", as_=sam)
    waitlist = page.get_by_test_id("waitlist")
    await expect(waitlist.get_by_test_id("waitlist-none")).to_be_visible()
    await waitlist.get_by_test_id("waitlist-length").select_option("60")
    await activate(pages, page, waitlist.get_by_test_id("waitlist-submit"))
    await expect(waitlist.get_by_test_id("waitlist-status")).to_contain_text(
        "we will tell you when Ada Keys has 1 hour open"
    )
    entry = waitlist.get_by_test_id("waitlist-entry")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text("1 hour between")
    [stored] = await accounts.call("GET", "/api/me/waitlist", sam, 200)
    assert (stored["instructor_id"], stored["duration_minutes"]) == (ada.id, 60)
    await shot(page, f"{pages.device}-waitlist")
    assert await serious_axe_violations(page) == []

    # A window longer than 14 days is refused before anything is sent.
    await waitlist.get_by_test_id("waitlist-end").fill("2099-01-01T09:00")
    await activate(pages, page, waitlist.get_by_test_id("waitlist-submit"))
    await expect(waitlist.get_by_test_id("waitlist-status")).to_have_text("A window can be at most 14 days long.")

    await activate(pages, page, entry.get_by_test_id("waitlist-delete"))
    await expect(waitlist.get_by_test_id("waitlist-none")).to_be_visible()
    assert await accounts.call("GET", "/api/me/waitlist", sam, 200) == []
