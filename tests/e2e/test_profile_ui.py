"""The instructor's profile in the browser (issue 12 item 7), on a desktop and on a 390x844 touch
phone: the generated bio previewed while none is written, a place the gazetteer does not know shown
at the place field, then a neighbourhood that it knows; a service's 400 at its field, then the
service offered; the neighbourhood suggestions match the gazetteer's data file."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.async_api import expect

from app.settings import PROJECT_ROOT
from tests.e2e.booking_pages import press
from tests.e2e.pages import serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.screenshots import E2E, screenshot_path

pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def test_a_place_the_gazetteer_does_not_know_is_shown_at_its_field_then_a_neighbourhood_saves(http, pages):
    nina = await Accounts(http).instructor(live=False, name="Nina Profile")
    page = await pages.open("#/profile", as_=nina)
    await expect(page.get_by_test_id("bio-preview")).to_contain_text("Nina")  # generated: she wrote none
    await expect(page.get_by_test_id("avatar-initials").first).to_have_text("NP")
    await expect(page.get_by_test_id("user-link").get_by_test_id("avatar-initials")).to_have_text("NP")

    await page.get_by_test_id("profile-headline").fill("Cello for grown-up beginners")
    await page.get_by_test_id("place-value").fill("99999")
    await page.get_by_test_id("profile-radius").fill("4")
    await press(page, page.get_by_test_id("profile-save"))
    await expect(page.get_by_test_id("profile-place-error")).to_have_text("99999 is not a New York City zip code")
    await expect(page.get_by_test_id("place-value")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_test_id("profile-status")).to_have_text("Check the fields marked below.")
    await page.screenshot(path=str(screenshot_path(E2E, f"profile/{pages.device}-place-error.png")), full_page=True)
    assert await serious_axe_violations(page) == []

    await page.get_by_test_id("place-kind").select_option("neighborhood")
    await expect(page.get_by_test_id("place-value")).to_have_attribute("list", "place-suggestions")
    await page.get_by_test_id("place-value").fill("Park Slpoe")
    await press(page, page.get_by_test_id("profile-save"))
    await expect(page.get_by_test_id("profile-place-error")).to_have_text(
        "No New York City neighborhood called 'Park Slpoe'"
    )
    await page.get_by_test_id("place-value").fill("Park Slope")
    await press(page, page.get_by_test_id("profile-save"))
    await expect(page.get_by_test_id("profile-status")).to_have_text("Profile saved (Park Slope, Brooklyn).")
    await expect(page.get_by_test_id("profile-place-error")).to_have_text("")
    saved = (await http.get("/api/instructors/me/profile", headers=nina.headers)).json()
    assert (saved["headline"], saved["location"]["neighborhood"], saved["service_radius_miles"]) == (
        "Cello for grown-up beginners",
        "Park Slope",
        4,
    )

    # A service: a rate under $1 is the server's 400 at the rate field; then offered.
    await page.get_by_test_id("offer-service").select_option(label="Piano")
    await page.get_by_test_id("offer-rate").fill("0.5")
    await press(page, page.get_by_test_id("offer-ages-adults"))
    await press(page, page.get_by_test_id("offer-locations-student_home"))
    await press(page, page.get_by_test_id("offer-save"))
    await expect(page.get_by_test_id("offer-rate-error")).not_to_be_empty()
    await expect(page.get_by_test_id("offer-row")).to_have_count(0)
    await page.get_by_test_id("offer-rate").fill("75")
    await press(page, page.get_by_test_id("offer-save"))
    row = page.get_by_test_id("offer-row")
    await expect(row).to_contain_text("Piano $75/h")
    await expect(row).to_contain_text("60 min · Adults · Student's home")
    await expect(page.get_by_test_id("offer-rate-error")).to_have_text("")
    await page.screenshot(path=str(screenshot_path(E2E, f"profile/{pages.device}-saved.png")), full_page=True)
    assert await serious_axe_violations(page) == []

    await press(page, row.get_by_test_id("offer-remove"))
    await expect(page.get_by_test_id("offer-row")).to_have_count(0)
    await expect(page.get_by_test_id("services-status")).to_have_text("Piano removed.")


async def test_a_student_has_no_teaching_profile(http, pages):
    sam = await Accounts(http).student(name="Sam Student", card=None)
    page = await pages.open("#/profile", as_=sam)
    await expect(page.get_by_text("Only instructors have a teaching profile.")).to_be_visible()
    await expect(page.get_by_test_id("user-link")).to_have_attribute("href", "#/account")


def test_the_neighbourhood_suggestions_are_the_gazetteers_names():
    data = json.loads((PROJECT_ROOT / "app/places/data/nyc_neighborhoods.json").read_text(encoding="utf-8"))
    script = Path(PROJECT_ROOT / "static/js/neighborhoods.js").read_text(encoding="utf-8")
    boroughs, hoods = (json.loads(re.sub(r",\s*\]$", "]", m)) for m in re.findall(r"= (\[.*?\]);", script, flags=re.S))
    assert boroughs == [b["name"] for b in data["boroughs"]]
    assert hoods == sorted({n["name"] for n in data["neighborhoods"]})
