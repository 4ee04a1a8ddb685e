"""The money audit finds what does not add up: each test plants one inconsistency (at the
stand-in or in our rows) after a clean lesson and expects exactly the finding it causes."""

from __future__ import annotations

import asyncio
import sys

from app.settings import PROJECT_ROOT
from tests.payments import test_earnings
from tests.payments.test_earnings import (
    audit,
    deliver,
    onboard,
    sql,
    teaching_instructor,
    transfer_now,
)
from tests.support.accounts import Accounts
from tests.support.live import server_env

platform = test_earnings.platform  # the live server fixture


async def clean_lesson(http, settings, stripe_client):
    instructor, service_id, monday = await teaching_instructor(http)
    account_id = await onboard(http, settings, instructor)
    student = await Accounts(http).student()
    booking_id = await deliver(http, settings, stripe_client, instructor, student, service_id, monday)
    assert await transfer_now(settings, booking_id) == "transferred"
    assert await audit(settings) == []
    return student, account_id, booking_id


def codes(findings: list[str]) -> list[str]:
    return sorted(finding.split(":")[0] for finding in findings)


async def run_cli(settings) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "app", "audit-money",
        env=server_env(settings), cwd=PROJECT_ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode, out.decode()


async def test_a_transfer_made_at_stripe_without_an_earning_is_found(platform, settings, stripe_client, stripe_standin):
    _, account_id, _ = await clean_lesson(platform, settings, stripe_client)
    stray = await stripe_client.v1.transfers.create_async({"amount": 700, "currency": "usd", "destination": account_id})

    findings = await audit(settings)

    # The stray money sits in the instructor's account too: more there than we say is available.
    assert codes(findings) == ["account_balance", "transfer_without_earning"]
    assert any(stray.id in finding for finding in findings)
    code, out = await run_cli(settings)
    assert code == 1 and stray.id in out and "2 finding(s)" in out, out


async def test_a_second_transfer_for_a_booking_is_found(platform, settings, stripe_client, stripe_standin):
    _, account_id, booking_id = await clean_lesson(platform, settings, stripe_client)
    await stripe_client.v1.transfers.create_async(
        {"amount": 5100, "currency": "usd", "destination": account_id, "metadata": {"booking_id": str(booking_id)}}
    )
    assert codes(await audit(settings)) == ["account_balance", "transfer_without_earning", "two_transfers"]


async def test_a_payment_intent_holding_money_without_its_booking_is_found(
    platform, settings, stripe_client, stripe_standin
):
    student, _, booking_id = await clean_lesson(platform, settings, stripe_client)
    customer = (await sql(settings, 'SELECT customer_id FROM stripe_customers WHERE "user" = $1', student.id))[0][0]
    card = await sql(settings, 'SELECT stripe_payment_method_id FROM payment_methods WHERE "user" = $1', student.id)
    await stripe_client.v1.payment_intents.create_async(
        {
            "amount": 6000, "currency": "usd", "customer": customer, "payment_method": card[0][0],
            "capture_method": "manual", "confirm": True, "off_session": True,
            "metadata": {"booking_id": str(booking_id)},
        }
    )  # fmt: skip
    assert codes(await audit(settings)) == ["intent_without_booking", "two_intents"]


async def test_our_rows_disagreeing_with_stripe_or_each_other_are_found(
    platform, settings, stripe_client, stripe_standin
):
    _, _, booking_id = await clean_lesson(platform, settings, stripe_client)
    await sql(settings, "UPDATE payments SET captured_cents = 5000, refunded_cents = 0 WHERE booking = $1", booking_id)
    await sql(settings, "UPDATE earnings SET amount_cents = 5200 WHERE booking = $1", booking_id)

    assert codes(await audit(settings)) == ["account_balance", "captured", "earning_amount", "transfer_amount"]


async def test_a_clean_platform_passes_the_command(platform, settings, stripe_client, stripe_standin):
    await clean_lesson(platform, settings, stripe_client)
    code, out = await run_cli(settings)
    assert (code, out.strip()) == (0, "0 finding(s)")
