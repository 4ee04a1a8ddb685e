"""Logging in and registering through the page."""

from __future__ import annotations

import itertools
import os
import re

from playwright.async_api import expect

from tests.support.accounts import PASSWORD, Accounts

_ids = itertools.count(1)


async def test_log_in_through_the_page_and_a_wrong_password_is_refused(http, new_page):
    # API.md "Running": GET / is the browser client, so a browser must render it, not download it.
    root = await http.get("/")
    assert root.status_code == 200
    assert root.headers["content-type"].startswith("text/html"), dict(root.headers)
    assert '<script type="module" src="/static/js/app.js">' in root.text

    student = await Accounts(http).student(name="Lena Learner")
    page = await new_page("#/login")

    await page.get_by_test_id("login-email").fill(student.email)
    await page.get_by_test_id("login-password").fill(PASSWORD + "-wrong")
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("form-error")).to_be_visible()
    await expect(page.get_by_test_id("form-error")).not_to_be_empty()
    await expect(page.get_by_test_id("user-name")).to_have_count(0)
    await expect(page).to_have_url(re.compile(r"#/login$"))

    await page.get_by_test_id("login-password").fill(PASSWORD)
    await page.get_by_test_id("login-submit").click()
    await expect(page.get_by_test_id("user-name")).to_have_text("Lena Learner")
    await expect(page).to_have_url(re.compile(r"#/instructors$"))  # a student's home
    await expect(page.get_by_test_id("form-error")).to_have_count(0)


async def test_register_through_the_page(http, new_page):
    email = f"new-teacher-{os.getpid()}-{next(_ids)}@example.test"
    page = await new_page("#/login")

    await page.get_by_test_id("register-name").fill("Nora Newcomer")
    await page.get_by_test_id("register-email").fill(email)
    await page.get_by_test_id("register-password").fill(PASSWORD)
    await page.get_by_test_id("register-role").select_option("instructor")
    await page.get_by_test_id("register-timezone").select_option("Europe/Berlin")
    await page.get_by_test_id("register-submit").click()

    await expect(page.get_by_test_id("user-name")).to_have_text("Nora Newcomer")
    await expect(page).to_have_url(re.compile(r"#/calendar$"))  # an instructor's home
    await expect(page.get_by_test_id("week-grid")).to_be_visible()

    login = await http.post("/api/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    me = login.json()["user"]
    assert (me["full_name"], me["email"], me["role"], me["timezone"]) == (
        "Nora Newcomer",
        email,
        "instructor",
        "Europe/Berlin",
    )


async def test_an_address_that_is_no_page_opens_the_start_page(http, new_page):
    page = await new_page("#/no-such-page")
    await expect(page).to_have_url(re.compile(r"#/$"))  # a visitor's: the discovery home, not the login form
    await expect(page.get_by_test_id("home-tagline")).to_be_visible()
    student = await Accounts(http).student(name="Stray Student")
    lost = await new_page("#/no-such-page", as_=student)
    await expect(lost).to_have_url(re.compile(r"#/instructors$"))  # a student's home
