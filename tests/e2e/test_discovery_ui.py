"""Discovery in the browser (issue 13 item 8), at desktop size from the keyboard and on a 390x844
touch phone: the home page's search and categories, results with understood-filter chips (removing
one searches again without just it, the user's other words kept), the public profile whose open
times follow the instructor live."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.e2e.booking_pages import press
from tests.e2e.discovery_pages import open_monday, shot, teacher
from tests.e2e.pages import Pages, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.calendar import monday_after, save_week

pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def activate(pages: Pages, page, target) -> None:
    """Enter on a focused control at desktop size (the keyboard), a tap on the phone."""
    if pages.device == "desktop":
        await target.focus()
        await page.keyboard.press("Enter")
    else:
        await press(page, target)


async def test_a_visitor_searches_in_words_sees_the_filters_as_chips_and_removes_one(http, pages):
    accounts = Accounts(http)
    ada = await teacher(accounts, "Ada Keys", 6000)
    bea = await teacher(accounts, "Bea Grand", 9500)
    await open_monday(http, ada)

    page = await pages.open("#/")
    await expect(page.get_by_test_id("home-tagline")).to_contain_text("InstaInstru finds you")
    categories = page.get_by_test_id("category")
    await expect(categories.filter(has=page.get_by_role("heading", name="Kids"))).to_have_count(1)
    await expect(categories.get_by_role("heading")).to_contain_text(["Music"])
    await shot(page, f"{pages.device}-home")
    assert await serious_axe_violations(page) == []

    box = page.get_by_test_id("search-q")
    if pages.device == "desktop":
        await box.focus()
    else:
        await box.tap()
    await box.fill("patient pianno lessons in Park Slope under $80")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(r"#/search\?q=patient\+pianno"))
    chips = page.get_by_test_id("filter-chip")
    understood = [re.compile("^Piano"), re.compile("^Near Park Slope"), re.compile(r"^Up to \$80/h")]
    await expect(chips).to_have_text(understood)
    results = page.get_by_test_id("search-result")
    await expect(results.get_by_test_id("result-name")).to_have_text(["Ada Keys"])
    first = results.first
    await expect(first.get_by_test_id("result-price")).to_have_text("$60/h")
    await expect(first.get_by_test_id("result-distance")).to_contain_text("mi away")
    await expect(first.get_by_test_id("result-rating")).to_have_text("No reviews yet")
    await expect(first.get_by_test_id("avatar-initials")).to_have_text("AK")
    await expect(first.get_by_test_id("next-slot")).to_have_count(3)
    await shot(page, f"{pages.device}-results")
    assert await serious_axe_violations(page) == []

    # Removing a chip keeps the rest: the other filters and the user's own words, less the ones it was read
    # from (the server's understood_from): two readings of the text and the new search, not one per word.
    searches: list[str] = []
    page.on("request", lambda request: searches.append(request.url) if "/api/search" in request.url else None)
    await activate(pages, page, chips.nth(2).get_by_test_id("chip-remove"))
    await expect(chips).to_have_text([re.compile("^Piano"), re.compile("^Near Park Slope")])
    await expect(page).to_have_url(re.compile(r"#/search\?q=patient\+pianno\+lessons\+in\+Park\+Slope$"))
    await expect(page.get_by_test_id("search-q")).to_have_value("patient pianno lessons in Park Slope")
    await expect(results.get_by_test_id("result-name")).to_have_text(["Ada Keys", "Bea Grand"], ignore_case=False)
    assert len(searches) == 3, searches
    await expect(results.nth(1).get_by_test_id("next-slots-none")).to_be_visible()
    await shot(page, f"{pages.device}-results-chip-removed")

    # Sorting by price puts the dearer one last; the choice is kept in the address.
    await page.get_by_test_id("sort-select").select_option("price")
    await expect(page).to_have_url(re.compile("sort=price"))
    await expect(results.get_by_test_id("result-price")).to_have_text(["$60/h", "$95/h"])

    # A place of two words goes with both; the sort stays.
    await activate(pages, page, chips.filter(has_text="Near Park Slope").get_by_test_id("chip-remove"))
    await expect(chips).to_have_text([re.compile("^Piano")])
    await expect(page).to_have_url(re.compile(r"#/search\?q=patient\+pianno\+lessons\+in&sort=price$"))
    await expect(results.get_by_test_id("result-price")).to_have_text(["$60/h", "$95/h"])
    await expect(results.get_by_test_id("result-distance")).to_have_count(0)

    # A result's name opens the public profile.
    await activate(pages, page, results.filter(has_text="Bea Grand").get_by_test_id("result-name"))
    await expect(page.get_by_test_id("profile-name")).to_have_text("Bea Grand")
    assert bea.id


async def test_a_search_with_no_match_says_what_to_try(http, pages):
    page = await pages.open("#/search?q=harp+in+Staten+Island+under+%2415")
    await expect(page.get_by_text("No instructors match all of that.")).to_be_visible()
    await expect(page.get_by_test_id("search-try")).to_have_count(3)
    assert await serious_axe_violations(page) == []


async def test_the_kids_category_lists_only_kids_capable_instructors(http, pages):
    accounts = Accounts(http)
    await teacher(accounts, "Kim Kids", 5000, ages=("kids", "adults"))
    await teacher(accounts, "Al Adults", 5000)
    page = await pages.open("#/")
    kids = page.get_by_test_id("category").filter(has=page.get_by_role("heading", name="Kids"))
    await activate(pages, page, kids.get_by_test_id("category-service").filter(has_text="Piano"))
    await expect(page.get_by_role("heading", name="Piano for kids")).to_be_visible()
    await expect(page.get_by_test_id("result-name")).to_have_text(["Kim Kids"])
    await page.goto("/#/browse/music/piano")
    await expect(page.get_by_role("heading", name="Piano instructors")).to_be_visible()
    await expect(page.get_by_test_id("result-name")).to_have_count(2)


async def test_the_public_profile_shows_who_teaches_and_its_open_times_follow_the_instructor_live(http, pages):
    accounts = Accounts(http)
    ada = await teacher(accounts, "Ada Keys", 6000)
    page = await pages.open(f"#/instructors/{ada.id}")
    await expect(page.get_by_test_id("profile-name")).to_have_text("Ada Keys")
    await expect(page.get_by_test_id("profile-headline")).to_have_text("Classical piano, patient with beginners")
    await expect(page.get_by_test_id("profile-place")).to_have_text("Park Slope, Brooklyn")
    await expect(page.get_by_test_id("profile-service")).to_contain_text(["Piano"])
    await expect(page.get_by_test_id("profile-service")).to_contain_text(["$60/h"])
    await expect(page.get_by_test_id("reviews-none")).to_be_visible()
    await expect(page.get_by_test_id("profile-slots").get_by_test_id("next-slots-none")).to_be_visible()
    await expect(page.get_by_test_id("ws-status")).to_have_text("live")

    monday = monday_after()
    await save_week(http, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]})
    slots = page.get_by_test_id("profile-slots").get_by_test_id("next-slot")
    await expect(slots).to_have_count(1)  # one hour open: one start for the hour-long lesson
    await expect(slots.first).to_contain_text("9:00 AM")
    await shot(page, f"{pages.device}-profile")
    assert await serious_axe_violations(page) == []

    # An open time leads into the booking flow at that time (log in first as a visitor).
    await activate(pages, page, slots.first)
    await expect(page).to_have_url(re.compile(rf"#/instructor/{ada.id}\?start="))
