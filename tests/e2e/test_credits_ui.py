"""The credits screen in the browser (#/credits), on a desktop from the keyboard and on a 390x844 touch
phone: the balance and every entry with its kind in words and its lesson, reached from the menu and
from the review step where credits pay."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.booking_pages import open_menu, press, screenshot
from tests.e2e.pages import serious_axe_violations
from tests.e2e.test_payments_ui import open_first_time
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

CHICAGO = "America/Chicago"


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def test_a_student_reads_the_credit_balance_and_each_entry_in_words(http, pages):
    accounts = Accounts(http)
    admin = await accounts.admin()
    ada = await accounts.instructor(name="Ada Keys", timezone=CHICAGO)
    service_id = await offer_piano(http, ada)
    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "13:00"}]})
    student = await accounts.student(name="Cleo Credit", timezone=CHICAGO)
    given = await http.post(f"/api/admin/users/{student.id}/credits", json={"amount_cents": 2500, "reason": "Welcome"},
                            headers=admin.headers)  # fmt: skip
    assert given.status_code == 201, given.text
    body = {"instructor_id": ada.id, "service_id": service_id, "start": f"{monday}T10:00:00-06:00",
            "duration_minutes": 60}  # fmt: skip
    booked = (await http.post("/api/bookings", json=body, headers=student.headers)).json()
    assert booked["payment"]["credits_applied_cents"] == 2500
    cancelled = await http.post(f"/api/bookings/{booked['id']}/cancel", headers=student.headers)
    assert cancelled.json()["policy"]["outcome"] == "free"

    page = await pages.open("#/bookings", as_=student)
    menu = page.locator('a[data-nav="credits"]')
    if pages.device == "desktop":
        await menu.focus()
        await page.keyboard.press("Enter")
    else:
        await open_menu(page)
        await press(page, menu)
    await expect(page.get_by_role("heading", name="Credits", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("credits-balance")).to_have_text("$25")
    entries = page.get_by_test_id("credit-entry")
    await expect(entries.get_by_test_id("credit-kind")).to_have_text(
        ["Given back from a lesson", "Paid for a lesson", "Credit from InstaInstru"]
    )
    await expect(entries.get_by_test_id("credit-amount")).to_have_text(["+$25", "\u2212$25", "+$25"])
    await expect(entries.first.get_by_test_id("credit-lesson")).to_have_attribute(
        "href", f"#/bookings/cancelled/{booked['id']}"
    )
    await screenshot(page, f"credits-{pages.device}.png")
    assert await serious_axe_violations(page) == []

    await page.goto(f"/#/instructor/{ada.id}")
    await open_first_time(page)
    payer = page.get_by_test_id("review-payer")
    await expect(payer).to_contain_text("$25 from credits, $35 Visa ending 4242")
    await press(page, payer.get_by_test_id("review-credits"))
    await expect(page.get_by_test_id("credits-balance")).to_have_text("$25")


async def test_a_student_without_credit_is_told_where_it_comes_from(http, pages):
    student = await Accounts(http).student(name="Nell New", timezone=CHICAGO)
    page = await pages.open("#/credits", as_=student)
    await expect(page.get_by_test_id("credits-balance")).to_have_text("$0")
    await expect(page.get_by_text("No credit yet.")).to_be_visible()
    await expect(page.get_by_text("Credit comes from referrals")).to_be_visible()
