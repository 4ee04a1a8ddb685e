"""Onboarding in the browser (issue 12 item 7), on a desktop and on a 390x844 touch phone: a new
instructor walks the checklist to live (profile, a service, the stand-in's hosted identity and
payouts pages, a background-check upload), the steps updating live as the webhooks land; an admin
approves the document in the review list; going offline."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.booking_pages import open_menu, press
from tests.e2e.pages import serious_axe_violations
from tests.media.pictures import png as tiny_png
from tests.support.accounts import BACKGROUND_CHECK_PDF, Accounts
from tests.support.screenshots import E2E, screenshot_path

WEBHOOK = "/api/payments/webhook"


pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


@pytest.fixture
def webhooks_to_server(stripe_standin, server):
    """The stand-in delivers its events to the live server, as Stripe would."""
    stripe_standin.configure(webhook_url=f"{server.url}{WEBHOOK}")
    return stripe_standin


async def shot(page: Page, name: str, device: str) -> None:
    await page.screenshot(path=str(screenshot_path(E2E, f"onboarding/{device}-{name}.png")), full_page=True)


def step(page: Page, key: str):
    return page.locator(f'[data-testid="step"][data-step="{key}"]')


async def open_hosted_page(page: Page, button) -> None:
    """The hosted page opens in a new tab; the stand-in's page does what its buttons do and returns."""
    async with page.context.expect_page() as opened:
        await press(page, button)
    hosted = await opened.value
    await hosted.wait_for_load_state()
    await expect(hosted).to_have_url(re.compile(r"#/onboarding$"))  # back on our site
    await hosted.close()


async def write_profile_and_service(page: Page) -> None:
    await page.get_by_test_id("profile-headline").fill("Patient piano teacher")
    await page.get_by_test_id("place-kind").select_option("neighborhood")
    await page.get_by_test_id("place-value").fill("Park Slope")
    await page.get_by_test_id("profile-radius").fill("3")
    await press(page, page.get_by_test_id("profile-save"))
    await expect(page.get_by_test_id("profile-status")).to_have_text("Profile saved (Park Slope, Brooklyn).")

    await page.get_by_test_id("offer-service").select_option(label="Piano")
    await page.get_by_test_id("offer-rate").fill("60")
    await press(page, page.get_by_test_id("offer-ages-adults"))
    await press(page, page.get_by_test_id("offer-locations-online"))
    await press(page, page.get_by_test_id("offer-save"))
    await expect(page.get_by_test_id("offer-row")).to_contain_text("Piano $60/h")


async def test_a_new_instructor_walks_the_checklist_to_live_and_an_admin_approves_the_document(
    http, pages, webhooks_to_server
):
    accounts = Accounts(http)
    nina = await accounts.instructor(live=False, name="Nina Newcomer")
    admin = await accounts.admin()
    device = pages.device

    page = await pages.open("#/onboarding", as_=nina)
    await expect(page.get_by_test_id("step")).to_have_count(6)
    keys = await page.get_by_test_id("step").evaluate_all("els => els.map(e => e.dataset.step)")
    assert keys == ["profile", "services", "identity", "background_check", "payouts", "live"]
    await expect(page.get_by_test_id("onboarding-progress")).to_have_text("0 of 5 steps done.")
    await expect(page.get_by_test_id("go-live")).to_be_disabled()
    await expect(page.get_by_test_id("live-detail")).to_have_text(
        "Finish first: Profile, Services and prices, Identity verification, Background check, Payouts."
    )
    await open_menu(page)
    await expect(page.get_by_test_id("nav-onboarding")).to_be_visible()
    await page.keyboard.press("Escape")  # closes a phone's menu
    await shot(page, "start", device)
    assert await serious_axe_violations(page) == []

    # Profile and a service, on the profile screen the first step links to.
    await press(page, step(page, "profile").get_by_test_id("step-profile-action"))
    await expect(page.get_by_role("heading", name="Your profile")).to_be_visible()
    await write_profile_and_service(page)
    await page.goto("/#/onboarding")
    await expect(step(page, "profile").get_by_test_id("step-state")).to_have_text("Done")
    await expect(step(page, "services").get_by_test_id("step-state")).to_have_text("Done")

    # Identity: the hosted page; the step turns verified when the webhook lands, with no reload.
    await open_hosted_page(page, page.get_by_test_id("identity-start"))
    await expect(step(page, "identity").get_by_test_id("step-state")).to_have_text("Verified")

    # The background check: refused in words before sending (wrong type, too big), then a real PDF.
    upload = page.get_by_test_id("document-file")
    await upload.set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"hello"})
    await expect(page.get_by_test_id("document-error")).to_have_text(
        "notes.txt is not a PDF, JPEG or PNG: choose one of those."
    )
    await expect(page.get_by_test_id("document-submit")).to_be_disabled()
    big = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    await upload.set_input_files({"name": "scan.pdf", "mimeType": "application/pdf", "buffer": big})
    await expect(page.get_by_test_id("document-error")).to_have_text("scan.pdf is too big (11.0 MB): at most 10 MB.")
    await upload.set_input_files({"name": "check.pdf", "mimeType": "application/pdf", "buffer": BACKGROUND_CHECK_PDF})
    await expect(page.get_by_test_id("document-error")).to_have_text("")
    await press(page, page.get_by_test_id("document-submit"))
    submitted = "Your document is submitted: an admin will review it."
    await expect(page.get_by_test_id("onboarding-status")).to_have_text(submitted)
    await expect(step(page, "background_check").get_by_test_id("step-state")).to_have_text("Waiting for review")

    # The admin approves it in the review list; Nina's checklist follows live.
    review = await pages.open("#/admin/background-checks", as_=admin)
    row = review.get_by_test_id("check-row").filter(has_text="Nina Newcomer")
    await expect(row).to_contain_text("check.pdf")
    view = await row.get_by_test_id("check-view").get_attribute("href")
    assert view and view.startswith("http")
    async with httpx.AsyncClient() as storage:
        assert (await storage.get(view)).content == BACKGROUND_CHECK_PDF  # the presigned GET shows the document
    assert await serious_axe_violations(review) == []
    await shot(review, "review-list", device)
    await press(review, row.get_by_test_id("approve"))
    approved = f"Approved: Nina Newcomer (instructor #{nina.id}) passes the background check."
    await expect(row.get_by_test_id("check-result")).to_have_text(approved)
    await expect(step(page, "background_check").get_by_test_id("step-state")).to_have_text("Approved")

    # Payouts: the hosted page, then active by webhook.
    await open_hosted_page(page, page.get_by_test_id("payouts-start"))
    await expect(step(page, "payouts").get_by_test_id("step-state")).to_have_text("Active")
    await expect(page.get_by_test_id("onboarding-progress")).to_have_text("5 of 5 steps done.")
    await expect(page.get_by_test_id("go-live")).to_be_enabled()
    await shot(page, "ready", device)

    # Go live from the keyboard; then offline.
    await page.get_by_test_id("go-live").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("live-state")).to_have_text("Live")
    live = "You are live: students can now find and book you."
    await expect(page.get_by_test_id("onboarding-status")).to_have_text(live)
    await expect(page.get_by_test_id("nav-onboarding")).to_be_hidden()
    assert (await http.get(f"/api/instructors/{nina.id}")).status_code == 200  # public now
    assert await serious_axe_violations(page) == []
    await shot(page, "live", device)
    await press(page, page.get_by_test_id("go-offline"))
    await expect(page.get_by_test_id("live-state")).to_have_text("Not live")
    assert (await http.get(f"/api/instructors/{nina.id}")).status_code == 404


async def test_a_rejected_document_shows_its_reason_and_a_reject_needs_one(http, pages, webhooks_to_server):
    accounts = Accounts(http)
    nina = await accounts.instructor(live=False, name="Nina Rejected")
    document = await accounts.upload_background_check(nina)
    submit = f"/api/instructors/me/background-check/{document['document_id']}/submit"
    await accounts.call("POST", submit, nina, 200)
    admin = await accounts.admin()
    page = await pages.open("#/onboarding", as_=nina)
    await expect(step(page, "background_check").get_by_test_id("step-state")).to_have_text("Waiting for review")

    review = await pages.open("#/admin/background-checks", as_=admin)
    row = review.get_by_test_id("check-row").filter(has_text="Nina Rejected")
    await press(review, row.get_by_test_id("reject"))
    await expect(row.get_by_test_id("reject-reason")).to_be_focused()
    await press(review, row.get_by_test_id("reject-confirm"))
    await expect(row.get_by_test_id("reject-error")).to_have_text("Say why the document is rejected.")
    await row.get_by_test_id("reject-reason").fill("The scan is unreadable")
    await press(review, row.get_by_test_id("reject-confirm"))
    rejected = "Rejected: The scan is unreadable. Nina Rejected is told."
    await expect(row.get_by_test_id("check-result")).to_have_text(rejected)

    background = step(page, "background_check")
    await expect(background.get_by_test_id("step-state")).to_have_text("Rejected")
    await expect(background.get_by_test_id("step-detail")).to_contain_text("The scan is unreadable")
    await expect(background.get_by_text("Choose a new document")).to_be_visible()
    await expect(page.get_by_test_id("go-live")).to_be_disabled()


async def test_going_live_early_names_each_missing_step_and_pages_refuse_other_roles(http, pages):
    accounts = Accounts(http)
    nina = await accounts.instructor(live=False, name="Nina Early")
    student = await accounts.student(name="Sam Student")
    page = await pages.open("#/onboarding", as_=nina)
    await expect(page.get_by_test_id("go-live")).to_be_disabled()
    # The server's 409 in words, when the button is pressed anyway (e.g. a stale checklist).
    await page.get_by_test_id("go-live").evaluate("b => { b.disabled = false; b.click(); }")
    await expect(page.get_by_test_id("onboarding-status")).to_have_text(
        "You can't go live yet. Still missing: Profile, Services and prices, Identity verification, "
        "Background check, Payouts."
    )
    other = await pages.open("#/admin/background-checks", as_=student)
    await expect(other.get_by_text("Only admins review background checks.")).to_be_visible()
    await other.goto("/#/onboarding")
    await expect(other.get_by_text("Only instructors have an onboarding checklist.")).to_be_visible()


async def test_a_png_sent_as_a_pdf_is_refused_at_submit_in_words_and_the_step_starts_over(http, pages):
    nina = await Accounts(http).instructor(live=False, name="Nina Mislabelled")
    page = await pages.open("#/onboarding", as_=nina)
    png = tiny_png()
    await page.get_by_test_id("document-file").set_input_files(
        {"name": "check.pdf", "mimeType": "application/pdf", "buffer": png}
    )
    await press(page, page.get_by_test_id("document-submit"))
    await expect(page.get_by_test_id("document-error")).to_have_text(
        "Refused: The file is a PNG, not the declared application/pdf. Choose another file."
    )
    background = step(page, "background_check")
    await expect(background.get_by_test_id("step-state")).to_have_text("Not started")
    await expect(background.get_by_test_id("step-detail")).to_have_text(
        "Your last upload was refused: The file is a PNG, not the declared application/pdf"
    )
    assert await serious_axe_violations(page) == []
