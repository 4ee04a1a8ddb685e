"""Payouts of the available balance, standard and instant, following Stripe's payout events."""

from __future__ import annotations

import pytest

from app.payments.payouts import instant_fee, instant_split
from tests.payments import test_earnings
from tests.payments.test_earnings import (
    EARNED_CENTS,
    audit,
    balances,
    deliver,
    earnings,
    onboard,
    sql,
    teaching_instructor,
    transfer_now,
    wait_until,
)
from tests.support.accounts import Accounts

platform = test_earnings.platform  # the live server fixture


async def earned(http, settings, stripe_client):
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    assert await transfer_now(settings, booking_id) == "transferred"
    assert balances(await earnings(http, instructor)) == (0, EARNED_CENTS, 0)
    return instructor, account_id


async def payout(http, instructor, method: str):
    return await http.post("/api/instructors/me/payouts", json={"method": method}, headers=instructor.headers)


async def test_a_standard_payout_takes_the_whole_balance_and_is_paid_by_its_webhook(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, account_id = await earned(http, settings, stripe_client)

    response = await payout(http, instructor, "standard")

    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["amount_cents"], body["fee_cents"], body["method"]) == (EARNED_CENTS, 0, "standard")
    at_stripe = await stripe_client.v1.payouts.list_async({"limit": 10}, {"stripe_account": account_id})
    assert [(p.amount, p.method) for p in at_stripe.data] == [(EARNED_CENTS, "standard")]
    assert balances(await earnings(http, instructor))[:2] == (0, 0)

    async def paid():
        now = await earnings(http, instructor)
        return now if now["payouts"][0]["status"] == "paid" else None

    settled = await wait_until(paid)  # the stand-in pays it after 2 s and sends payout.paid
    assert settled, "payout.paid never reached the platform"
    assert balances(settled) == (0, 0, EARNED_CENTS)
    assert [n["type"] for n in (await http.get("/api/notifications", headers=instructor.headers)).json()["items"]
            ].count("payout.sent") == 1  # fmt: skip
    assert await audit(settings) == []
    again = await payout(http, instructor, "standard")
    assert (again.status_code, again.json()["code"]) == (409, "nothing_available")


async def test_an_instant_payouts_fee_is_taken_by_stripe_from_the_account_and_every_cent_agrees(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, account_id = await earned(http, settings, stripe_client)

    response = await payout(http, instructor, "instant")

    assert response.status_code == 201, response.text
    # Stripe takes 1 % of the payout (at least 50 cents) from the balance on top of the amount: the
    # largest payout that fits with its fee in 5100 is 5049 + 50; the cent left over stays available.
    assert (response.json()["amount_cents"], response.json()["fee_cents"]) == (5049, 50)
    stripe_account = {"stripe_account": account_id}
    at_stripe = await stripe_client.v1.payouts.list_async({"limit": 10}, stripe_account)
    assert [(p.amount, p.method) for p in at_stripe.data] == [(5049, "instant")]
    taken = await stripe_client.v1.balance_transactions.retrieve_async(at_stripe.data[0].balance_transaction,
                                                                       options=stripe_account)  # fmt: skip
    assert (taken.fee, taken.net) == (50, -5099)
    balance = await stripe_client.v1.balance.retrieve_async(options=stripe_account)
    assert [f.amount for f in balance.available] == [1]
    after = await earnings(http, instructor)
    assert balances(after)[:2] == (0, 1)
    assert after["payouts"][0]["fee_cents"] == 50
    assert await audit(settings) == []


async def test_the_audit_finds_an_instant_payout_fee_we_recorded_wrong(
    platform, settings, stripe_client, stripe_standin
):
    http = platform
    instructor, _ = await earned(http, settings, stripe_client)
    assert (await payout(http, instructor, "instant")).status_code == 201
    await sql(settings, "UPDATE payouts SET fee_cents = 51")

    findings = await audit(settings)

    assert sorted(finding.split(":")[0] for finding in findings) == ["account_balance", "payout_fee"]


@pytest.mark.parametrize(
    ("available", "amount", "fee"),
    [(5100, 5049, 50), (10_000, 9901, 99), (123_456, 122_234, 1222), (100, 50, 50), (99, 49, 50), (50, 0, 0)],
)
def test_an_instant_payout_is_the_largest_amount_that_fits_with_its_fee(available, amount, fee):
    assert instant_split(available, 1) == (amount, fee)


@pytest.mark.parametrize(("cents", "fee"), [(100, 50), (5000, 50), (5100, 51), (123_456, 1235)])
def test_the_instant_fee_is_one_percent_rounded_half_up_at_least_50_cents(cents, fee):
    assert instant_fee(cents, 1) == fee


async def test_a_failed_payout_makes_its_money_available_again(platform, settings, stripe_client, stripe_standin):
    http = platform
    instructor, _ = await earned(http, settings, stripe_client)
    stripe_standin.configure(payout_auto=False)
    response = await payout(http, instructor, "standard")
    assert response.status_code == 201, response.text
    row = (await sql(settings, "SELECT stripe_payout_id FROM payouts WHERE id = $1", response.json()["id"]))[0]

    stripe_standin.control("POST", f"payouts/{row['stripe_payout_id']}", status="failed")

    async def available_again():
        now = await earnings(http, instructor)
        return now if now["payouts"][0]["status"] == "failed" else None

    after = await wait_until(available_again)
    assert after, "payout.failed never reached the platform"
    assert balances(after) == (0, EARNED_CENTS, 0)
    assert await audit(settings) == []


async def test_payouts_need_an_active_account_and_something_available(platform, settings):
    http = platform
    instructor = await Accounts(http).instructor(live=False)  # no payouts account yet

    no_account = await payout(http, instructor, "standard")
    assert (no_account.status_code, no_account.json()["code"]) == (409, "payouts_not_set_up")
    assert (await http.post("/api/instructors/me/payouts-account", headers=instructor.headers)).status_code == 201
    not_onboarded = await payout(http, instructor, "instant")
    assert (not_onboarded.status_code, not_onboarded.json()["code"]) == (409, "payouts_not_set_up")

    await onboard(http, settings, instructor)
    nothing = await payout(http, instructor, "standard")
    assert (nothing.status_code, nothing.json()["code"]) == (409, "nothing_available")
    assert await sql(settings, "SELECT id FROM payouts") == []
    assert (await earnings(http, instructor))["payouts"] == []


async def test_only_instructors_have_earnings_and_payouts(platform):
    http = platform
    student = await Accounts(http).student()
    assert (await http.get("/api/instructors/me/earnings", headers=student.headers)).status_code == 403
    assert (await payout(http, student, "standard")).status_code == 403
    assert (await http.post("/api/instructors/me/payouts-account", headers=student.headers)).status_code == 403
    assert (await http.get("/api/instructors/me/earnings")).status_code == 401
    bad = await http.post(
        "/api/instructors/me/payouts", json={"method": "overnight"}, headers=(await Accounts(http).instructor()).headers
    )
    assert bad.status_code == 400
