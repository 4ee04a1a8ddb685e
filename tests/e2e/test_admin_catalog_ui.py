"""The admin's catalog screen (issue 12 item 1) in Chromium, at desktop size from the keyboard and on
a 390x844 touch phone: an admin adds a category and a service and everyone's catalog has them; moves
a category; a duplicate slug and bad fields are said at their fields; others see "admins only"."""

from __future__ import annotations

import pytest
from playwright.async_api import Locator, Page, expect

from tests.e2e.booking_pages import in_viewport, open_menu
from tests.e2e.pages import Pages, serious_axe_violations
from tests.support.accounts import Accounts
from tests.support.screenshots import E2E, screenshot_path

ADMINS_ONLY = "Admins only: the catalog is managed by InstaInstru admins."


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


def on_phone(page: Page) -> bool:
    return (page.viewport_size or {}).get("width", 1280) < 600


async def press(page: Page, target: Locator) -> None:
    """A tap on the phone; on a desktop the keyboard: focus the control and press Enter."""
    if on_phone(page):
        await target.tap()
    else:
        await target.focus()
        await expect(target).to_be_focused()
        await page.keyboard.press("Enter")


async def shot(page: Page, name: str) -> None:
    device = "phone" if on_phone(page) else "desktop"
    await page.screenshot(path=str(screenshot_path(E2E, f"admin-catalog/{device}-{name}.png")), full_page=True)


def category(page: Page, slug: str) -> Locator:
    return page.locator(f'[data-testid="catalog-category"][data-slug="{slug}"]')


async def public_categories(http) -> list[dict]:
    answer = await http.get("/api/catalog/categories")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def open_catalog(pages: Pages, http) -> Page:
    admin = await Accounts(http).admin()
    page = await pages.open("#/admin/catalog", as_=admin)
    await expect(category(page, "music")).to_be_visible()
    return page


async def test_an_admin_adds_a_category_and_a_service_and_everyone_sees_them(http, pages):
    page = await open_catalog(pages, http)
    menu = page.locator('[data-nav="admin-catalog"]')
    await expect(menu).to_have_text("Catalog")
    await expect(menu).to_have_class("is-active")
    await open_menu(page)
    assert await in_viewport(page, menu)  # first in the menu
    await page.keyboard.press("Escape")  # closes a phone's menu
    names = page.get_by_test_id("category-name")
    await expect(names).to_have_text(["Music", "Languages", "Fitness", "Art", "Tutoring", "Kids"])
    await expect(category(page, "music").get_by_test_id("service-name")).to_have_text(
        ["Drums", "Guitar", "Piano", "Violin", "Voice"]  # by name
    )

    await press(page, page.get_by_test_id("category-add"))
    form = page.get_by_test_id("category-form")
    await expect(form.get_by_label("Slug", exact=True)).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(form.get_by_label("Name", exact=True)).to_be_focused()
    await page.keyboard.type("Dance")
    await expect(form.get_by_label("Slug", exact=True)).to_have_value("dance")  # suggested from the name
    await page.keyboard.press("Tab")
    await page.keyboard.type("shoe")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Ballet, tap and more")
    await expect(form.get_by_label("Display order")).to_have_value("7")  # after the last one
    await shot(page, "category-form")
    await page.keyboard.press("Enter")

    await expect(page.get_by_test_id("catalog-status")).to_have_text("Dance added.")
    await expect(form).to_have_count(0)
    dance = category(page, "dance")
    await expect(dance.get_by_test_id("category-name")).to_be_focused()
    await expect(dance.get_by_test_id("category-subtitle")).to_have_text("Ballet, tap and more")
    await expect(dance.get_by_test_id("category-icon")).to_have_text("shoe")
    await expect(dance.get_by_test_id("category-order")).to_have_text("7")

    await press(page, dance.get_by_test_id("service-add"))
    service_form = dance.get_by_test_id("service-form")
    await expect(service_form.get_by_label("Category")).to_have_value(await dance.get_attribute("data-id"))
    await service_form.get_by_label("Name", exact=True).fill("Tap Dance")
    await expect(service_form.get_by_label("Slug", exact=True)).to_have_value("tap-dance")
    await press(page, service_form.get_by_test_id("service-save"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Tap Dance added to Dance.")
    await expect(dance.get_by_test_id("service-name")).to_have_text(["Tap Dance"])
    await shot(page, "added")

    listed = {c["slug"]: c for c in await public_categories(http)}
    assert listed["dance"]["name"] == "Dance" and listed["dance"]["icon"] == "shoe"
    assert listed["dance"]["subtitle"] == "Ballet, tap and more" and listed["dance"]["display_order"] == 7
    assert [s["slug"] for s in listed["dance"]["services"]] == ["tap-dance"]
    services = (await http.get("/api/catalog/services")).json()
    assert [s["category"]["slug"] for s in services if s["slug"] == "tap-dance"] == ["dance"]

    # Move up swaps display orders with the neighbour: Dance comes before Kids, for everyone.
    await press(page, dance.get_by_test_id("category-up"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Dance moved up.")
    await expect(names).to_have_text(["Music", "Languages", "Fitness", "Art", "Tutoring", "Dance", "Kids"])
    await expect(dance.get_by_test_id("category-up")).to_be_focused()  # the keyboard stays on Dance
    await expect(category(page, "kids").get_by_test_id("category-down")).to_be_disabled()
    orders = {c["slug"]: c["display_order"] for c in await public_categories(http)}
    assert [c["slug"] for c in await public_categories(http)][-2:] == ["dance", "kids"]
    assert (orders["dance"], orders["kids"]) == (6, 7)


async def test_an_admin_edits_a_category_and_moves_a_service_to_another_one(http, pages):
    page = await open_catalog(pages, http)
    music = category(page, "music")
    await press(page, music.get_by_test_id("category-edit"))
    form = music.get_by_test_id("category-form")
    await expect(form.get_by_role("heading")).to_have_text("Edit Music")
    await expect(form.get_by_label("Slug", exact=True)).to_have_value("music")  # no suggestion over a slug
    await form.get_by_label("Name", exact=True).fill("Music & Voice")
    await expect(form.get_by_label("Slug", exact=True)).to_have_value("music")
    await form.get_by_label("Subtitle (optional)").fill("Every instrument, and singing")
    await press(page, form.get_by_test_id("category-save"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Music & Voice saved.")
    await expect(music.get_by_test_id("category-subtitle")).to_have_text("Every instrument, and singing")

    voice = music.locator('[data-testid="catalog-service"][data-slug="voice"]')
    await press(page, voice.get_by_test_id("service-edit"))
    await voice.get_by_label("Category").select_option(label="Art")
    await press(page, voice.get_by_test_id("service-save"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Voice saved in Art.")
    await expect(category(page, "art").get_by_test_id("service-name")).to_contain_text(["Voice"])
    await expect(music.locator('[data-slug="voice"]')).to_have_count(0)
    listed = {c["slug"]: c for c in await public_categories(http)}
    assert listed["music"]["name"] == "Music & Voice" and listed["music"]["subtitle"] == "Every instrument, and singing"
    assert "voice" in [s["slug"] for s in listed["art"]["services"]]

    # Escape closes a form without saving and gives the keyboard back to the button that opened it.
    await press(page, music.get_by_test_id("category-edit"))
    await form.get_by_label("Name", exact=True).fill("Not saved")
    await page.keyboard.press("Escape")
    await expect(form).to_have_count(0)
    await expect(music.get_by_test_id("category-edit")).to_be_focused()
    assert {c["slug"]: c["name"] for c in await public_categories(http)}["music"] == "Music & Voice"

    # Kids is computed by its slug: the form keeps the slug and says why; no service is added to it by hand.
    kids = category(page, "kids")
    await expect(kids.get_by_test_id("service-add")).to_have_count(0)
    await press(page, kids.get_by_test_id("category-edit"))
    await expect(kids.get_by_label("Slug", exact=True)).not_to_be_editable()
    await expect(kids.get_by_text("Fixed: students' kids list is computed by this slug")).to_be_visible()


async def test_a_duplicate_slug_and_bad_fields_are_said_at_their_fields(http, pages):
    page = await open_catalog(pages, http)
    before = await public_categories(http)
    await press(page, page.get_by_test_id("category-add"))
    form = page.get_by_test_id("category-form")
    slug = form.get_by_label("Slug", exact=True)
    await form.get_by_label("Name", exact=True).fill("More music")
    await slug.fill("music")
    await form.get_by_label("Icon name").fill("music")
    await press(page, form.get_by_test_id("category-save"))
    taken = "“music” is taken: another category has this slug. Choose another."
    await expect(form.get_by_test_id("category-slug-error")).to_have_text(taken)
    await expect(form.get_by_test_id("category-form-message")).to_have_text("Not saved: see the marked field.")
    await expect(slug).to_be_focused()
    await expect(slug).to_have_attribute("aria-invalid", "true")
    await shot(page, "duplicate-slug")
    assert await serious_axe_violations(page) == []

    # The server's 400s, in words, at the field each one names; the slug's error is gone.
    await slug.fill("More Music")
    await press(page, form.get_by_test_id("category-save"))
    await expect(form.get_by_test_id("category-slug-error")).to_have_text(
        "Use lowercase letters and digits, words joined by single hyphens (like music-theory)."
    )
    await slug.fill("more-music")
    await form.get_by_label("Name", exact=True).fill("   ")
    await press(page, form.get_by_test_id("category-save"))
    await expect(form.get_by_test_id("category-name-error")).to_have_text("Must not be blank")
    await expect(form.get_by_test_id("category-slug-error")).to_be_hidden()
    await expect(form.get_by_label("Name", exact=True)).to_be_focused()
    await form.get_by_label("Name", exact=True).fill("More music")
    await form.get_by_label("Display order").fill("")
    await press(page, form.get_by_test_id("category-save"))
    await expect(form.get_by_test_id("category-display_order-error")).to_have_text(
        "A whole number from 0 to 10000 (lower comes first)."
    )
    assert await public_categories(http) == before  # nothing refused was written

    await press(page, form.get_by_test_id("category-cancel"))
    guitar = category(page, "music").locator('[data-testid="catalog-service"][data-slug="guitar"]')
    await press(page, guitar.get_by_test_id("service-edit"))
    await guitar.get_by_label("Slug", exact=True).fill("piano")
    await press(page, guitar.get_by_test_id("service-save"))
    await expect(guitar.get_by_test_id("service-slug-error")).to_have_text(
        "“piano” is taken: another service has this slug. Choose another."
    )
    await shot(page, "duplicate-service-slug")
    assert await public_categories(http) == before


async def test_moving_a_category_among_equal_display_orders_renumbers_them(http, pages):
    admin = await Accounts(http).admin()
    languages = next(c for c in await public_categories(http) if c["slug"] == "languages")
    body = {k: languages[k] for k in ("slug", "name", "icon", "subtitle")} | {"display_order": 1}  # ties Music
    tied = await http.put(f"/api/admin/catalog/categories/{languages['id']}", json=body, headers=admin.headers)
    assert tied.status_code == 200, tied.text
    page = await pages.open("#/admin/catalog", as_=admin)
    names = page.get_by_test_id("category-name")
    await expect(names).to_have_text(["Music", "Languages", "Fitness", "Art", "Tutoring", "Kids"])

    await press(page, category(page, "languages").get_by_test_id("category-up"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Languages moved up.")
    await expect(names).to_have_text(["Languages", "Music", "Fitness", "Art", "Tutoring", "Kids"])
    # At the top Up is disabled: the keyboard lands on Down.
    await expect(category(page, "languages").get_by_test_id("category-down")).to_be_focused()
    listed = await public_categories(http)
    assert [(c["slug"], c["display_order"]) for c in listed][:3] == [("languages", 1), ("music", 2), ("fitness", 3)]

    await press(page, category(page, "languages").get_by_test_id("category-down"))
    await expect(page.get_by_test_id("catalog-status")).to_have_text("Languages moved down.")
    await expect(names).to_have_text(["Music", "Languages", "Fitness", "Art", "Tutoring", "Kids"])
    listed = await public_categories(http)
    assert [(c["slug"], c["display_order"]) for c in listed][:3] == [("music", 1), ("languages", 2), ("fitness", 3)]


async def test_a_student_sees_admins_only_and_no_catalog_in_the_menu(http, pages):
    before = await public_categories(http)
    student = await Accounts(http).student(card=None, name="Sam Student")
    page = await pages.open("#/admin/catalog", as_=student)
    await expect(page.get_by_text(ADMINS_ONLY)).to_be_visible()
    await expect(page.get_by_text("Categories in the order students see them", exact=False)).to_have_count(0)
    await expect(page.get_by_test_id("user-name")).to_have_text("Sam Student")
    await expect(page.locator('[data-nav="admin-catalog"]')).to_have_count(0)
    await expect(page.get_by_test_id("category-add")).to_have_count(0)
    await expect(page.get_by_test_id("catalog-category")).to_have_count(0)
    await shot(page, "admins-only")
    refused = await http.post(
        "/api/admin/catalog/categories",
        json={"slug": "dance", "name": "Dance", "icon": "shoe", "subtitle": "", "display_order": 7},
        headers=student.headers,
    )
    assert refused.status_code == 403
    assert await public_categories(http) == before

    visitor = await pages.open("#/admin/catalog")  # anonymous: asked to log in first
    await expect(visitor.get_by_test_id("login-submit")).to_be_visible()
    await expect(visitor.locator('[data-nav="admin-catalog"]')).to_have_count(0)
