"""Profile pictures in the browser (issue 12 item 7), on a desktop and on a 390x844 touch phone:
initials before, a file refused in words, a square crop moved from the keyboard and by dragging,
the upload through the presigned PUT, "processing" until `picture.ready` arrives live, the picture
in the header and on the page; a second upload within the minute explained."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from tests.e2e.booking_pages import press
from tests.e2e.pages import serious_axe_violations
from tests.media.pictures import truncated_jpeg, two_colour_jpeg
from tests.support.accounts import Accounts
from tests.support.screenshots import E2E, screenshot_path

pytestmark = pytest.mark.both_devices  # `pages` opens at desktop size and as a touch phone


async def crop_of(page: Page) -> tuple[int, int, int]:
    x, y, size = (await page.get_by_test_id("crop-box").get_attribute("data-crop") or "").split(",")
    return int(x), int(y), int(size)


async def shot(page: Page, name: str, device: str) -> None:
    await page.screenshot(path=str(screenshot_path(E2E, f"picture/{device}-{name}.png")), full_page=True)


async def test_a_student_crops_and_uploads_a_picture_that_replaces_the_initials(http, pages, run_worker_burst):
    sam = await Accounts(http).student(name="Sam Student", card=None)
    page = await pages.open("#/", as_=sam)
    header = page.get_by_test_id("user-link")
    await expect(header.get_by_test_id("avatar-initials")).to_have_text("SS")
    await press(page, header)  # the account menu
    await expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    current = page.get_by_test_id("picture-current")
    await expect(current.get_by_test_id("avatar-initials")).to_have_text("SS")

    chooser = page.get_by_test_id("picture-file")
    await chooser.set_input_files({"name": "notes.png", "mimeType": "text/plain", "buffer": b"not a picture"})
    await expect(page.get_by_test_id("picture-status")).to_have_text(
        "notes.png is not a JPEG, PNG or WebP picture: choose one of those."
    )
    await expect(page.get_by_test_id("picture-upload")).to_be_disabled()

    # A phone photo stored sideways (EXIF orientation 6): the crop is in the upright picture's pixels.
    sideways = two_colour_jpeg(1200, 800, orientation=6)
    await chooser.set_input_files({"name": "side.jpg", "mimeType": "image/jpeg", "buffer": sideways})
    box = page.get_by_test_id("crop-box")
    await expect(box).to_have_attribute("data-crop", "0,200,800")  # upright it is 800 wide, 1200 high

    photo = two_colour_jpeg(1200, 800)
    await chooser.set_input_files({"name": "me.jpg", "mimeType": "image/jpeg", "buffer": photo})
    await expect(box).to_have_attribute("data-crop", "200,0,800")  # the largest centred square

    # Keyboard: - shrinks about the centre (16 px a step each side), arrows move it.
    await box.focus()
    for _ in range(5):
        await page.keyboard.press("-")
    await page.keyboard.press("ArrowLeft")
    await page.keyboard.press("ArrowUp")
    assert await crop_of(page) == (264, 64, 640)
    await shot(page, "crop", pages.device)
    assert await serious_axe_violations(page) == []

    # Pointer: drag the square right and down, then its corner in.
    area = await box.bounding_box()
    assert area is not None
    await page.mouse.move(area["x"] + area["width"] / 2, area["y"] + area["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(area["x"] + area["width"] / 2 + 30, area["y"] + area["height"] / 2 + 20, steps=5)
    await page.mouse.up()
    x, y, size = await crop_of(page)
    assert x > 264 and y > 64 and size == 640
    handle = await page.get_by_test_id("crop-handle").bounding_box()
    assert handle is not None
    await page.mouse.move(handle["x"] + 10, handle["y"] + 10)
    await page.mouse.down()
    await page.mouse.move(handle["x"] - 40, handle["y"] - 40, steps=5)
    await page.mouse.up()
    x2, y2, smaller = await crop_of(page)
    assert (x2, y2) == (x, y) and smaller < size

    await press(page, page.get_by_test_id("picture-upload"))
    status = page.get_by_test_id("picture-status")
    await expect(status).to_have_text("Processing your picture…")
    await expect(current.get_by_test_id("avatar-initials")).to_be_visible()  # nothing new until it is ready
    await run_worker_burst(max_jobs=10)
    await expect(status).to_have_text("Your new picture is up.")
    picture = current.get_by_test_id("avatar-picture")
    await expect(picture).to_be_visible()
    await expect(header.get_by_test_id("avatar-picture")).to_be_visible()
    loaded = await header.get_by_test_id("avatar-picture").evaluate(
        "img => img.decode().then(() => [img.naturalWidth, img.naturalHeight])"
    )
    assert loaded == [200, 200]
    await shot(page, "ready", pages.device)
    assert await serious_axe_violations(page) == []

    # A second upload within the minute: the 429 in words.
    await chooser.set_input_files({"name": "again.jpg", "mimeType": "image/jpeg", "buffer": photo})
    await press(page, page.get_by_test_id("picture-upload"))
    await expect(status).to_contain_text("You can upload one picture a minute. Try again in")


async def test_a_truncated_picture_ends_in_its_reason_live_and_the_initials_stay(http, pages, run_worker_burst):
    sam = await Accounts(http).student(name="Sam Student", card=None)
    page = await pages.open("#/account", as_=sam)
    await page.get_by_test_id("picture-file").set_input_files(
        {"name": "broken.jpg", "mimeType": "image/jpeg", "buffer": truncated_jpeg()}
    )
    await expect(page.get_by_test_id("crop-box")).to_be_visible()  # the browser shows what it can of it
    await press(page, page.get_by_test_id("picture-upload"))
    status = page.get_by_test_id("picture-status")
    await expect(status).to_have_text("Processing your picture…")
    await run_worker_burst(max_jobs=10)
    await expect(status).to_have_text("Your picture could not be used: The picture is damaged or truncated")
    await expect(page.get_by_test_id("picture-current").get_by_test_id("avatar-initials")).to_have_text("SS")
    await expect(page.get_by_test_id("user-link").get_by_test_id("avatar-initials")).to_have_text("SS")
