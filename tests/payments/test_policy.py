"""API.md's cancel table, exactly, for its example (a 6000 lesson: 2000 by credits, 4000 by card),
at the boundaries of its tiers. The function is pure: `now` is passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.payments.policy import Canceller, PaymentState, cancellation

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
SECOND, HOUR = timedelta(seconds=1), timedelta(hours=1)
SCHEDULED = PaymentState("scheduled", credits_applied_cents=2000, card_amount_cents=4000)
AUTHORIZED = PaymentState("authorized", credits_applied_cents=2000, card_amount_cents=4000)
FAILED = PaymentState("failed", credits_applied_cents=2000, card_amount_cents=4000)
CAPTURED = PaymentState("captured", credits_applied_cents=2000, card_amount_cents=4000, captured_cents=4000)
CREDITS_ONLY = PaymentState("not_needed", credits_applied_cents=6000, card_amount_cents=0)
HELD = PaymentState("scheduled", credits_applied_cents=0, card_amount_cents=6000)

# (who, how long before the start, held?, payment) → outcome, refund / credit / charged, payment status
TABLE = [
    ("student", 48 * HOUR, False, AUTHORIZED, "free", 0, 2000, 0, "released", "48h"),
    ("student", 24 * HOUR + SECOND, False, SCHEDULED, "free", 0, 2000, 0, "released", "24h+1s"),
    ("student", 24 * HOUR, False, AUTHORIZED, "credit_refund", 0, 6000, 4000, "captured", "24h"),
    ("student", 24 * HOUR - SECOND, False, AUTHORIZED, "credit_refund", 0, 6000, 4000, "captured", "24h-1s"),
    ("student", 12 * HOUR, False, AUTHORIZED, "credit_refund", 0, 6000, 4000, "captured", "12h"),
    ("student", 12 * HOUR - SECOND, False, AUTHORIZED, "charged_in_full", 0, 0, 4000, "captured", "12h-1s"),
    ("student", HOUR, False, AUTHORIZED, "charged_in_full", 0, 0, 4000, "captured", "1h"),
    ("instructor", 48 * HOUR, False, SCHEDULED, "full_refund", 0, 2000, 0, "released", "instructor-48h"),
    ("instructor", HOUR, False, AUTHORIZED, "full_refund", 0, 2000, 0, "released", "instructor-1h"),
    ("instructor", -HOUR, False, CAPTURED, "full_refund", 4000, 2000, 0, "refunded", "instructor-captured"),
    ("system", 12 * HOUR, False, FAILED, "payment_failed", 0, 2000, 0, "failed", "payment-failed"),
    ("student", 2 * HOUR, True, HELD, "hold_released", 0, 0, 0, "released", "held"),
    ("instructor", 30 * HOUR, True, HELD, "hold_released", 0, 0, 0, "released", "held-instructor"),
    # A failed authorization: a late student cancel is charged nothing and gets its credits back.
    ("student", 18 * HOUR, False, FAILED, "credit_refund", 0, 2000, 0, "failed", "failed-18h"),
    ("student", HOUR, False, FAILED, "charged_in_full", 0, 2000, 0, "failed", "failed-1h"),
    # Credits paid everything: no card; 12-24 h gives them back, < 12 h keeps them spent.
    ("student", 48 * HOUR, False, CREDITS_ONLY, "free", 0, 6000, 0, "released", "credits-only-48h"),
    ("student", 18 * HOUR, False, CREDITS_ONLY, "credit_refund", 0, 6000, 0, "not_needed", "credits-only-18h"),
    ("student", HOUR, False, CREDITS_ONLY, "charged_in_full", 0, 0, 0, "not_needed", "credits-only-1h"),
]


@pytest.mark.parametrize(
    ("who", "ahead", "held", "payment", "outcome", "refund", "credit", "charged", "status"),
    [pytest.param(*case[:-1], id=case[-1]) for case in TABLE],
)
def test_cancellation_table(who, ahead, held, payment, outcome, refund, credit, charged, status):
    result = cancellation(Canceller(who), NOW, NOW + ahead, held, payment)
    assert (result.outcome, result.refund_cents, result.credit_cents, result.charged_cents) == (
        outcome,
        refund,
        credit,
        charged,
    )
    assert result.payment_status == status


def test_credit_refund_splits_its_credit_into_the_returned_spend_and_the_card_as_cancellation_credit():
    result = cancellation(Canceller.student, NOW, NOW + 18 * HOUR, False, AUTHORIZED)
    assert (result.returned_cents, result.cancellation_credit_cents) == (2000, 4000)


def test_every_outcome_is_explained_with_its_amounts():
    credit_refund = cancellation(Canceller.student, NOW, NOW + 18 * HOUR, False, AUTHORIZED)
    assert credit_refund.detail == (
        "Cancelled 12 to 24 hours ahead: refunded as platform credit; $40.00 is charged to the card, "
        "and $60.00 comes back as platform credit."
    )
    free = cancellation(Canceller.student, NOW, NOW + 48 * HOUR, False, SCHEDULED)
    assert free.detail == "Cancelled more than 24 hours ahead: free; $20.00 comes back as platform credit."
    held = cancellation(Canceller.student, NOW, NOW + 48 * HOUR, True, HELD)
    assert held.detail == "The hold was released; nothing is charged."
