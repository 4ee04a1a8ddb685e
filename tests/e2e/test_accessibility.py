"""axe-core on every page of the client, at desktop size and on a 390x844 touch screen: 0 serious or
critical violations. Each page is checked once it shows its content (a list, a form, a review), as
the people who use it see it: visitors, a student, an instructor and a studio manager."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.bookings.conftest import booking_body
from tests.e2e.pages import serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, offer_piano, save_week

# Every page as axe saw it, to look at; never committed (the committed screenshots are the README's).
SEEN = Path(tempfile.gettempdir()) / "ii-screens" / "axe"


@pytest.fixture(params=["desktop", "phone"])
def device(request: pytest.FixtureRequest) -> str:
    return request.param


async def a_studio(http):
    """Ada teaches piano with weekly hours and an open week; Max manages her calendar; Sam has booked."""
    accounts = Accounts(http)
    ada = await accounts.instructor(name="Ada Keys")
    max_ = await accounts.student(name="Max Manager")
    sam = await accounts.student(name="Sam Student")
    service_id = await offer_piano(http, ada)
    added = await http.post(f"/api/instructors/{ada.id}/collaborators", json={"email": max_.email}, headers=ada.headers)
    assert added.status_code == 201, added.text
    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "17:00"}]})
    booked = await http.post("/api/bookings", json=booking_body(ada, service_id, monday), headers=sam.headers)
    assert booked.status_code == 201, booked.text
    return ada, max_, sam, monday


async def test_every_page_has_no_serious_or_critical_axe_violation(http, pages, device):
    ada, max_, sam, monday = await a_studio(http)
    day = monday.isoformat()
    found: dict[str, list[str]] = {}
    seen: list[str] = []

    async def check(name: str, page: Page) -> None:
        found[name] = await serious_axe_violations(page)
        seen.append(name)
        await page.screenshot(path=SEEN / f"{device}-{name}.png")

    async def visit(name: str, route: str, as_, ready: str) -> Page:
        page = await pages.open(route, as_=as_, device=device)
        await expect(page.locator(ready).first).to_be_visible()
        await check(name, page)
        return page

    # Visitors: log in, the instructors, an instructor's open times.
    await visit("home-login", "#/login", None, '[data-testid="login-submit"]')
    await visit("instructors", "#/instructors", None, '[data-testid="instructor-link"]')
    await visit("slots-visitor", f"#/instructor/{ada.id}", None, '[data-testid="slot-day"]')

    # A student: open times, the review step, their lessons.
    slots = await visit("slots", f"#/instructor/{ada.id}", sam, '[data-testid="slot-day"]')
    await slots.locator(f'[data-testid="slot-day"][data-date="{day}"]').click()
    await slots.get_by_test_id("slot").first.click()
    await expect(slots.get_by_test_id("booking-review")).to_be_visible()
    await check("review-step", slots)
    await visit("lessons-student", "#/bookings", sam, '[data-testid="booking-row"]')
    await visit("payment-cards", "#/cards", sam, '[data-testid="saved-card"]')

    # The instructor: the week editor (both views), weekly hours, settings, collaborators, lessons,
    # and the notification panel open (Sam's booking is in it).
    lesson = '[data-testid="week-booked"], [data-testid="day-lesson"]'  # the grid's block or the day list's line
    editor = await visit("calendar-editor", f"#/calendar/{ada.id}/{day}", ada, lesson)
    other = "grid" if device == "phone" else "list"  # a phone starts with the day list, a desktop with the grid
    await editor.get_by_test_id(f"view-{other}").click()
    await expect(editor.get_by_test_id("week-grid" if other == "grid" else "day-list")).to_be_visible()
    await check(f"calendar-editor-{other}", editor)
    await visit(
        "weekly-hours", f"#/calendar/{ada.id}/weekly", ada, '[data-testid="weekly-days"] [data-testid="day-add"]'
    )
    await visit("settings", "#/settings", ada, '[data-testid="settings-save"]')
    await visit("collaborators", "#/collaborators", ada, '[data-testid="collaborator"]')
    lessons = await visit("lessons-instructor", "#/bookings", ada, '[data-testid="booking-row"]')
    await lessons.get_by_test_id("notif-bell").click()
    await expect(lessons.get_by_test_id("notif-item").first).to_be_visible()
    await check("notifications-open", lessons)
    await visit("earnings", "#/earnings", ada, '[data-testid="earnings-available"]')

    # The studio manager: home is the calendars they manage.
    await visit("calendars-managed", "#/", max_, '[data-testid="managed-calendar"]')

    # Onboarding (issue 12): a newcomer's checklist, the profile, a student's account, the admin's review list.
    accounts = Accounts(http)
    newcomer = await accounts.instructor(live=False, name="Nina Newcomer")
    document = await accounts.upload_background_check(newcomer)
    submit = f"/api/instructors/me/background-check/{document['document_id']}/submit"
    await accounts.call("POST", submit, newcomer, 200)
    await visit("onboarding", "#/onboarding", newcomer, '[data-testid="go-live"]')
    await visit("profile", "#/profile", ada, '[data-testid="offer-row"]')
    await visit("account", "#/account", sam, '[data-testid="picture-current"] [data-testid="avatar-initials"]')
    await visit("background-checks", "#/admin/background-checks", await accounts.admin(), '[data-testid="check-row"]')
    # The admin's catalog (issue 12 item 1), and with the add-a-category form open.
    admin = await accounts.admin()
    catalog = await visit("admin-catalog", "#/admin/catalog", admin, '[data-testid="catalog-category"]')
    await catalog.get_by_test_id("category-add").click()
    await expect(catalog.get_by_test_id("category-form")).to_be_visible()
    await check("admin-catalog-form", catalog)

    # Discovery (issue 13): the home page, results, a context list, a public profile (a student sees the
    # waitlist form), the referral page.
    await visit("home", "#/", None, '[data-testid="category"]')
    await visit("search", "#/search?q=piano", None, '[data-testid="filter-chip"]')
    await visit("browse", "#/browse/music/piano", None, '[data-testid="search-result"]')
    await visit("public-profile", f"#/instructors/{ada.id}", sam, '[data-testid="waitlist-form"]')
    await visit("referral", "#/referral", sam, '[data-testid="referral-code"]')

    assert len(seen) == 27
    assert {name: v for name, v in found.items() if v} == {}
