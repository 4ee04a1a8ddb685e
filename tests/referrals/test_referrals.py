"""Referrals (API.md "Reviews and referrals"): a code and link per user; the referred student's
credit when it makes its first booking (spent on it), the referrer's once that booking is
completed; nothing for oneself (same card, same mailbox), twice, after a cancelled first booking,
or for anyone but students. All of it through the credits ledger, which the money audit checks."""

from __future__ import annotations

from tests.payments.conftest import LESSON_CENTS, book
from tests.payments.test_audit import run_cli
from tests.referrals.conftest import complete, credits, referral, register

CREDIT = 2000


async def test_each_user_has_one_code_and_link(client, accounts):
    user = await accounts.student()
    first, again = await referral(client, user), await referral(client, user)
    assert first == again
    assert (first["referred"], first["earned_cents"]) == (0, 0)
    assert len(first["code"]) == 8 and first["url"].endswith(f"ref={first['code']}")
    other = await referral(client, await accounts.student())
    assert other["code"] != first["code"]
    assert (await client.get("/api/me/referral")).status_code == 401


async def test_an_unknown_referral_code_is_400_and_no_account_is_made(client):
    refused = await register(client, "nobody@example.test", "NOSUCHCODE")
    assert refused.status_code == 400
    assert [p["key"] for p in refused.json()["extra"]] == ["referral_code"]
    login = await client.post("/api/auth/login", json={"email": "nobody@example.test", "password": "x" * 12})
    assert login.status_code == 401


async def test_referred_student_is_credited_at_its_first_booking_and_the_referrer_once_it_is_completed(
    client, accounts, open_week, referred, clock, settings
):
    instructor, service_id, monday = open_week
    referrer = await accounts.student()
    code = (await referral(client, referrer))["code"]
    student = await referred(code.lower())  # codes compare case-insensitively
    assert (await referral(client, referrer))["referred"] == 1
    assert (await credits(client, student))["balance_cents"] == 0

    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["credits_applied_cents"] == CREDIT
    assert booking["payment"]["card_amount_cents"] == LESSON_CENTS - CREDIT
    ledger = await credits(client, student)
    assert [(e["kind"], e["amount_cents"]) for e in ledger["entries"]] == [("spend", -CREDIT), ("referral", CREDIT)]
    assert (await credits(client, referrer))["balance_cents"] == 0

    second = await book(client, student, instructor, service_id, monday, at="11:00")
    assert second["payment"]["credits_applied_cents"] == 0, "the referral credit comes once"
    await complete(client, instructor, second, clock)
    assert (await credits(client, referrer))["balance_cents"] == 0, "only the first booking rewards the referrer"
    await complete(client, instructor, booking, clock)
    mine = await credits(client, referrer)
    assert [(e["kind"], e["amount_cents"], e["booking_id"]) for e in mine["entries"]] == [
        ("referral", CREDIT, booking["id"])
    ]
    again = await client.post(f"/api/bookings/{booking['id']}/complete", headers=instructor.headers)
    assert again.status_code == 200
    assert (await credits(client, referrer))["balance_cents"] == CREDIT
    assert (await referral(client, referrer))["earned_cents"] == CREDIT
    feed = (await client.get("/api/notifications", headers=referrer.headers)).json()["items"]
    assert [i["type"] for i in feed] == ["credit.added"]
    returncode, out = await run_cli(settings)
    assert returncode == 0, out


async def test_a_referred_student_with_the_referrers_card_earns_nobody_anything(
    client, accounts, open_week, referred, clock
):
    instructor, service_id, monday = open_week
    referrer = await accounts.student(card="pm_card_visa")
    student = await referred((await referral(client, referrer))["code"], card="pm_card_visa")
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["credits_applied_cents"] == 0
    await complete(client, instructor, booking, clock)
    assert (await credits(client, student))["entries"] == []
    assert (await credits(client, referrer))["entries"] == []


async def test_the_referrers_card_added_after_the_first_booking_stops_the_referrers_reward(
    client, accounts, open_week, referred, clock
):
    instructor, service_id, monday = open_week
    referrer = await accounts.student(card="pm_card_amex")
    student = await referred((await referral(client, referrer))["code"])
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["credits_applied_cents"] == CREDIT
    await accounts.add_card(student, "pm_card_amex")
    await complete(client, instructor, booking, clock)
    assert (await credits(client, referrer))["entries"] == []


async def test_the_referrers_own_email_under_another_alias_earns_nothing(client, accounts, open_week, referred, clock):
    instructor, service_id, monday = open_week
    aliases = [("ann.lee@gmail.com", "annlee+piano@googlemail.com"), ("bob@example.test", "Bob+kids@example.test")]
    for at, (own, alias) in zip(("09:00", "10:00"), aliases, strict=True):
        made = await register(client, own, None)
        assert made.status_code == 201
        login = (await client.post("/api/auth/login", json={"email": own, "password": "correct-horse-battery"})).json()
        referrer_headers = {"Authorization": f"Bearer {login['token']}"}
        code = (await client.get("/api/me/referral", headers=referrer_headers)).json()["code"]
        student = await referred(code, email=alias)
        booking = await book(client, student, instructor, service_id, monday, at=at)
        assert booking["payment"]["credits_applied_cents"] == 0, alias
        mine = (await client.get("/api/me/referral", headers=referrer_headers)).json()
        assert (mine["referred"], mine["earned_cents"]) == (0, 0)


async def test_a_cancelled_first_booking_earns_the_referrer_nothing(client, accounts, open_week, referred, clock):
    instructor, service_id, monday = open_week
    referrer = await accounts.student()
    student = await referred((await referral(client, referrer))["code"])
    first = await book(client, student, instructor, service_id, monday)
    cancelled = await client.post(f"/api/bookings/{first['id']}/cancel", headers=student.headers)
    assert cancelled.json()["policy"]["outcome"] == "free"
    assert (await credits(client, student))["balance_cents"] == CREDIT, "its own credit comes back to it"
    second = await book(client, student, instructor, service_id, monday, at="10:00")
    assert second["payment"]["credits_applied_cents"] == CREDIT
    await complete(client, instructor, second, clock)
    assert (await credits(client, referrer))["entries"] == []
    assert (await referral(client, referrer))["earned_cents"] == 0


async def test_only_students_are_rewarded(client, accounts, open_week, referred, clock):
    instructor, service_id, monday = open_week
    teacher = await accounts.instructor()
    student = await referred((await referral(client, teacher))["code"])
    booking = await book(client, student, instructor, service_id, monday)
    assert booking["payment"]["credits_applied_cents"] == CREDIT
    await complete(client, instructor, booking, clock)
    assert (await credits(client, teacher))["entries"] == []
    # An instructor signing up with a student's code is recorded, and never credited.
    referrer = await accounts.student()
    code = (await referral(client, referrer))["code"]
    made = await register(client, "new-teacher@example.test", code, role="instructor")
    assert made.status_code == 201
    assert (await credits(client, referrer))["entries"] == []


async def test_a_referred_student_without_a_card_books_a_first_lesson_its_credits_pay_for_in_full(
    client, accounts, open_week, referred, give_credits
):
    instructor, service_id, monday = open_week
    referrer = await accounts.student()
    student = await referred((await referral(client, referrer))["code"], card=None)
    await give_credits(student, 1000)  # with the referral credit: 3000, a 30-minute lesson's price
    booking = await book(client, student, instructor, service_id, monday, minutes=30)
    assert (booking["payment"]["credits_applied_cents"], booking["payment"]["card_amount_cents"]) == (3000, 0)
    assert (await credits(client, student))["balance_cents"] == 0

    refused = await client.post(
        "/api/bookings",
        json={"instructor_id": instructor.id, "service_id": service_id, "start": f"{monday}T11:00:00-05:00",
              "duration_minutes": 30},
        headers=student.headers,
    )  # fmt: skip
    assert refused.status_code == 402 and refused.json()["code"] == "payment_method_required"
