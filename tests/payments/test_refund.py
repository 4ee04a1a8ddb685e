"""Admin refunds of completed lessons: the card refunded (up to what was captured), the
instructor's transfer reversed by the same share of its earning, both told, the audit clean."""

from __future__ import annotations

from tests.payments import test_earnings
from tests.payments.conftest import book
from tests.payments.test_earnings import (
    EARNED_CENTS,
    audit,
    balances,
    deliver,
    earning_row,
    earnings,
    onboard,
    run_job,
    sql,
    teaching_instructor,
    transfer_now,
    transfers_to,
)
from tests.support.accounts import Accounts

platform = test_earnings.platform  # the live server fixture


async def refund(http, who, booking_id: int, cents: int, reason: str = "The lesson was cut short"):
    return await http.post(
        f"/api/admin/bookings/{booking_id}/refund",
        json={"amount_cents": cents, "reason": reason},
        headers=who.headers,
    )


async def notice_types(http, user) -> list[str]:
    return [n["type"] for n in (await http.get("/api/notifications", headers=user.headers)).json()["items"]]


async def transferred_lesson(http, settings, stripe_client):
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    assert await transfer_now(settings, booking_id) == "transferred"
    return instructor, student, account_id, booking_id


async def test_a_partial_refund_reverses_the_same_share_of_the_earning(
    platform, admin, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, student, account_id, booking_id = await transferred_lesson(http, settings, stripe_client)
    intent_id = (await sql(settings, "SELECT payment_intent_id FROM payments WHERE booking = $1", booking_id))[0][0]

    response = await refund(http, admin, booking_id, 1500)

    assert response.status_code == 200, response.text
    body = response.json()
    share = 1275  # 5100 x 1500 / 6000
    assert (body["amount_cents"], body["reversal_cents"]) == (1500, share)
    assert (body["payment"]["status"], body["payment"]["refunded_cents"]) == ("refunded", 1500)
    refunds = await stripe_client.v1.refunds.list_async({"payment_intent": intent_id})
    assert [r.amount for r in refunds.data] == [1500]
    assert [(t["amount"], t["amount_reversed"]) for t in await transfers_to(stripe_client, account_id)] == [
        (EARNED_CENTS, share)
    ]
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS - share, 0)
    assert "payment.refunded" in await notice_types(http, student)
    assert "earning.reversed" in await notice_types(http, instructor)
    assert await audit(settings) == []
    # The deferred job that would finish a refund a crash left half done: this one is done, so nothing more.
    assert await run_job(settings, "finish_admin_refund", body["refund_id"], job_id="refund:again") == "done"
    assert len((await stripe_client.v1.refunds.list_async({"payment_intent": intent_id})).data) == 1

    # The rest of the captured amount: the whole earning is reversed, however the shares rounded.
    rest = await refund(http, admin, booking_id, 4500)
    assert (rest.status_code, rest.json()["reversal_cents"]) == (200, EARNED_CENTS - share)
    assert [(t["amount"], t["amount_reversed"]) for t in await transfers_to(stripe_client, account_id)] == [
        (EARNED_CENTS, EARNED_CENTS)
    ]
    assert balances(await earnings(http, instructor)) == (0, 0, 0)
    assert await audit(settings) == []

    too_much = await refund(http, admin, booking_id, 1)
    assert (too_much.status_code, too_much.json()["code"]) == (409, "amount_too_large")
    assert too_much.json()["refundable_cents"] == 0


async def test_a_refund_before_the_transfer_sends_the_instructor_less(
    platform, admin, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)

    response = await refund(http, admin, booking_id, 3000)
    assert (response.status_code, response.json()["reversal_cents"]) == (200, 2550)
    assert await transfer_now(settings, booking_id) == "transferred"

    assert [(t["amount"], t["amount_reversed"]) for t in await transfers_to(stripe_client, account_id)] == [
        (EARNED_CENTS - 2550, 0)
    ]
    assert (await earning_row(settings, booking_id))["reversed_cents"] == 2550
    assert await audit(settings) == []


async def test_refusals_change_nothing(platform, admin, settings, stripe_client, stripe_standin):
    http = platform
    instructor, student, account_id, booking_id = await transferred_lesson(http, settings, stripe_client)

    assert (await refund(http, student, booking_id, 100)).status_code == 403
    assert (await refund(http, instructor, booking_id, 100)).status_code == 403
    too_large = await refund(http, admin, booking_id, 6001)
    assert (too_large.status_code, too_large.json()["code"], too_large.json()["refundable_cents"]) == (
        409, "amount_too_large", 6000,
    )  # fmt: skip
    unknown = await refund(http, admin, booking_id + 1000, 100)
    assert unknown.status_code == 404
    zero = await refund(http, admin, booking_id, 0)
    assert zero.status_code == 400

    _, service_id, monday = await teaching_instructor(http)
    upcoming = await book(http, student, instructor, service_id, monday, at="13:00")
    not_completed = await refund(http, admin, upcoming["id"], 100)
    assert (not_completed.status_code, not_completed.json()["code"]) == (409, "not_completed")

    credits_only = await deliver(http, settings, stripe_client, instructor, student, service_id, monday, at="15:00")
    await sql(settings, "UPDATE payments SET payment_intent_id = NULL, captured_cents = 0 WHERE booking = $1",
              credits_only)  # fmt: skip
    nothing = await refund(http, admin, credits_only, 100)
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_captured")

    payment = (await sql(settings, "SELECT status, refunded_cents FROM payments WHERE booking = $1", booking_id))[0]
    assert tuple(payment) == ("captured", 0)
    assert await sql(settings, "SELECT id FROM admin_refunds") == []
    assert [t["amount_reversed"] for t in await transfers_to(stripe_client, account_id)] == [0]
