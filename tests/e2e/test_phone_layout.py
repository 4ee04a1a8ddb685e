"""Every screen a visitor, a student, an instructor and an admin reach, on a 390x844 touch phone:
nothing is wider than the screen (no sideways scrolling of the page) and every control is big
enough for a thumb."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.e2e.booking_pages import press
from tests.e2e.discovery_pages import open_monday, teacher
from tests.e2e.pages import PHONE
from tests.support.accounts import Accounts
from tests.support.screenshots import E2E, screenshot_path

# What a person sees wrong: the page scrolls sideways, a control is smaller than a fingertip (44 CSS
# px, Apple's and WCAG 2.5.5's size), or a field's text is small enough for iOS to zoom in on it. A
# link inside a sentence is exempt (WCAG 2.5.8), as are the week grid's cells and ranges, which are
# drawn to the scale of the hours they stand for. And a status pill stretched across its cell.
AUDIT = """() => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.dataset.testid ? `[${el.dataset.testid}]` : ''}` +
    `${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : ''}` +
    ` "${(el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 24)}"`;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width && r.right > innerWidth + 1 && !clipped(el)) wide.push(`${name(el)} right=${Math.round(r.right)}`);
  }
  const small = [];
  const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.body.querySelectorAll(controls)) {
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true })) continue;
    if (el.closest('.week-grid')) continue;
    const style = getComputedStyle(el);
    if (el.tagName === 'A' && style.display === 'inline' && el.parentElement.closest('p, li, dd, span')) continue;
    const target = el.matches('input[type=checkbox], input[type=radio]') ? (el.closest('label') ?? el) : el;
    const r = target.getBoundingClientRect();
    if (r.width <= 2 || r.height <= 2) continue;
    if (r.height < 43.5 || r.width < 43.5) small.push(`${name(el)} ${Math.round(r.width)}x${Math.round(r.height)}`);
    // A field's text under 16px makes iOS zoom the page in when the field is tapped.
    const text = parseFloat(style.fontSize);
    if (el.matches('input, select, textarea') && text < 16) small.push(`${name(el)} text ${text}px`);
  }
  // A status pill stretched across its grid cell reads as an empty bar.
  const words = document.createRange();
  const stretched = [...document.querySelectorAll('.pill')].filter((pill) => {
    words.selectNodeContents(pill);
    return pill.checkVisibility() && pill.getBoundingClientRect().width > words.getBoundingClientRect().width + 24;
  }).map(name);
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth, wide: wide.slice(0, 8), small, stretched };
}"""


async def audit(page: Page, name: str, findings: dict) -> None:
    """What is wrong on the page as it is now (nothing, or `findings[name]` says what)."""
    await page.screenshot(path=str(screenshot_path(E2E, f"phone-walk/{name}.png")), full_page=True)
    found = await page.evaluate(AUDIT)
    if found["scrollWidth"] > found["innerWidth"] or found["wide"] or found["small"] or found["stretched"]:
        findings[name] = found


async def a_student_of_ada(http, accounts: Accounts, name: str):
    """Ada Keys teaching piano with the Monday `open_monday` gives open, a student called `name`, that
    Monday, and `book(clock)`: an hour's piano lesson for the student that Monday at `clock` (New York)."""
    ada = await teacher(accounts, "Ada Keys", 6000)
    monday = await open_monday(http, ada)
    piano = await accounts.offer_piano(ada)
    student = await accounts.student(name=name)

    async def book(clock: str) -> dict:
        body = {
            "instructor_id": ada.id,
            "service_id": piano,
            "start": f"{monday}T{clock}:00-05:00",
            "duration_minutes": 60,
        }
        return await accounts.call("POST", "/api/bookings", student, 201, json=body)

    return ada, student, monday, book


async def test_every_screen_fits_a_phone_and_its_controls_a_thumb(http, pages):
    accounts = Accounts(http)
    admin = await accounts.admin()
    ada, sam, _, book = await a_student_of_ada(http, accounts, "Sam Student")
    await book("09:00")
    cancelled = await book("10:00")
    await accounts.call("POST", f"/api/bookings/{cancelled['id']}/cancel", sam, 200)
    nina = await accounts.instructor(live=False, name="Nina Newcomer")
    await accounts.write_profile(nina)
    upload = await accounts.upload_background_check(nina)
    await accounts.call("POST", f"/api/instructors/me/background-check/{upload['document_id']}/submit", nina, 200)

    findings: dict = {}
    screens = {
        "visitor": (None, ["#/", "#/search?q=piano", "#/browse/music/piano", f"#/instructors/{ada.id}",
                           "#/instructors", f"#/instructor/{ada.id}", "#/login"]),
        "student": (sam, ["#/", "#/bookings", "#/bookings/cancelled", "#/cards", "#/credits", "#/referral",
                          "#/account", f"#/instructor/{ada.id}"]),
        "instructor": (ada, ["#/calendar", f"#/calendar/{ada.id}/weekly", "#/settings", "#/collaborators",
                             "#/bookings", "#/earnings", "#/profile", "#/discover"]),
        "newcomer": (nina, ["#/onboarding", "#/profile"]),
        "admin": (admin, ["#/admin/catalog", "#/admin/background-checks", "#/referral"]),
    }  # fmt: skip
    for who, (account, routes) in screens.items():
        page = await pages.open("#/", as_=account, device=PHONE)
        for route in routes:
            await expect(page.locator("#view h1").first).to_be_visible()
            if not page.url.endswith(route):  # and the heading then on screen is the new page's
                await page.locator("#view h1").first.evaluate("h1 => h1.setAttribute('data-seen', '')")
                await page.goto("/" + route)
                await expect(page.locator("#view h1:not([data-seen])").first).to_be_visible()
            await expect(page.locator(".placeholder-loading")).to_have_count(0)  # the page's content is in
            await audit(page, f"{who}-{route.strip('#/').replace('/', '-').replace('?', '-') or 'home'}", findings)
        if account is not None:
            await press(page, page.get_by_role("button", name="Menu"))
            await audit(page, f"{who}-menu", findings)
            await press(page, page.get_by_role("button", name="Menu"))
            await press(page, page.get_by_test_id("notif-bell"))
            await expect(page.get_by_role("dialog", name="Notifications")).to_be_visible()
            await audit(page, f"{who}-notifications", findings)
            await press(page, page.get_by_test_id("notif-bell"))
        if account is sam:  # the booking's review step, and cancelling a lesson
            await page.goto(f"/#/instructor/{ada.id}")
            await press(page, page.locator('[data-testid="slot-day"]:enabled').first)
            await press(page, page.get_by_test_id("slot").first)
            await expect(page.get_by_test_id("booking-review")).to_be_visible()
            await audit(page, "student-review", findings)
            await page.goto("/#/bookings")
            await press(page, page.get_by_test_id("booking-cancel"))
            await expect(page.get_by_test_id("booking-cancel-confirm")).to_be_visible()
            await audit(page, "student-cancel", findings)
            await press(page, page.get_by_test_id("booking-cancel-keep"))
            await press(page, page.get_by_test_id("booking-reschedule"))
            await expect(page.get_by_test_id("reschedule-select")).to_be_visible()
            await audit(page, "student-reschedule", findings)
        if account is admin:  # a new category refused with its fields' errors, and a document being rejected
            await page.goto("/#/admin/catalog")
            await press(page, page.get_by_test_id("category-add"))
            await press(page, page.get_by_test_id("category-save"))
            await expect(page.locator(".field-error:not(:empty)").first).to_be_visible()
            await audit(page, "admin-catalog-refused", findings)
            await page.goto("/#/admin/background-checks")
            await press(page, page.get_by_test_id("reject"))
            await expect(page.get_by_test_id("reject-reason")).to_be_visible()
            await audit(page, "admin-reject", findings)
        if account is ada:  # the week as a grid
            await page.goto(f"/#/calendar/{ada.id}")
            await press(page, page.get_by_test_id("view-grid"))
            await expect(page.get_by_test_id("grid-cell").first).to_be_attached()
            await audit(page, "instructor-grid", findings)
    assert findings == {}, "\n".join(f"{name}: {found}" for name, found in findings.items())


# How many lines each piece of a lesson's date and time takes in each row of the lessons list.
WHEN_LINES = """() => [...document.querySelectorAll('[data-testid="booking-row"] .booking-when > *')].map((el) => {
  const words = document.createRange();
  words.selectNodeContents(el);
  return [el.textContent, new Set([...words.getClientRects()].map((r) => Math.round(r.top))).size];
})"""


async def test_a_lessons_date_and_time_read_on_one_line_each_on_a_phone(http, pages):
    """The lessons list at 390px, for the student and the instructor: the day and start time on one
    line, the end time and length on the next, nothing scrolling sideways."""
    accounts = Accounts(http)
    ada, sam, monday, book = await a_student_of_ada(http, accounts, "Maximilian Bartholomew-Featherstonehaugh")
    await book("10:00")
    for who, account in (("student", sam), ("instructor", ada)):
        page = await pages.open("#/bookings", as_=account, device=PHONE)
        await expect(page.get_by_test_id("booking-row")).to_have_count(1)
        await page.screenshot(path=str(screenshot_path(E2E, f"phone-walk/{who}-lesson-row.png")), full_page=True)
        lines = await page.evaluate(WHEN_LINES)
        assert [text for text, _ in lines] == [f"{monday:%a, %b} {monday.day}, 10:00 AM", "until 11:00 AM EST · 1 hour"]
        assert [count for _, count in lines] == [1, 1], lines
        found = await page.evaluate(AUDIT)
        assert found["scrollWidth"] <= found["innerWidth"] and found["wide"] == [], found
