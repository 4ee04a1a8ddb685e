"""The cancellation policy with its money, as API.md's cancel table has it: a pure function of who
cancels, when, and where the booking and its payment stand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from app.bookings.tables import CancelOutcome
from app.payments.money import dollars
from app.payments.tables import PaymentStatus

FREE_CANCELLATION = timedelta(hours=24)
CREDIT_CANCELLATION = timedelta(hours=12)


class Canceller(StrEnum):
    student = "student"
    instructor = "instructor"
    # The worker: an authorization still failed 12 h before the start.
    system = "system"


@dataclass(frozen=True)
class PaymentState:
    status: PaymentStatus
    credits_applied_cents: int
    card_amount_cents: int
    captured_cents: int = 0


@dataclass(frozen=True)
class Cancellation:
    outcome: CancelOutcome
    refund_cents: int  # back to the card
    returned_cents: int  # the booking's spent credits coming back (`return` entry)
    cancellation_credit_cents: int  # the card's charge turned into credit (`cancellation` entry)
    charged_cents: int  # taken from the card
    payment_status: PaymentStatus
    detail: str

    @property
    def credit_cents(self) -> int:
        """All credit the student gets back."""
        return self.returned_cents + self.cancellation_credit_cents


def outcome_of(by: Canceller, held: bool, ahead: timedelta) -> CancelOutcome:
    if held:
        return CancelOutcome.hold_released
    if by is Canceller.system:
        return CancelOutcome.payment_failed
    if by is Canceller.instructor:
        return CancelOutcome.full_refund
    if ahead > FREE_CANCELLATION:
        return CancelOutcome.free
    if ahead >= CREDIT_CANCELLATION:
        return CancelOutcome.credit_refund
    return CancelOutcome.charged_in_full


def cancellation(by: Canceller, now: datetime, start: datetime, held: bool, payment: PaymentState) -> Cancellation:
    """What cancelling now does; `ahead` is elapsed time, so a DST change shifts nothing."""
    outcome = outcome_of(by, held, start - now)
    applied, card, status = payment.credits_applied_cents, payment.card_amount_cents, PaymentStatus(payment.status)
    late = outcome in (CancelOutcome.credit_refund, CancelOutcome.charged_in_full)
    if late and status is PaymentStatus.failed:
        # No card money was ever held: nothing is charged and the credits come back.
        return _made(outcome, returned=applied, status=status)
    if late and not card:
        # Credits paid it all: returned for a 12-24 h cancel, kept for a late one.
        return _made(outcome, returned=applied if outcome is CancelOutcome.credit_refund else 0, status=status)
    if outcome is CancelOutcome.credit_refund:
        return _made(outcome, returned=applied, credit=card, charged=card, status=PaymentStatus.captured)
    if outcome is CancelOutcome.charged_in_full:
        return _made(outcome, charged=card, status=PaymentStatus.captured)
    if outcome is CancelOutcome.full_refund and status is PaymentStatus.captured:
        return _made(outcome, refund=payment.captured_cents, returned=applied, status=PaymentStatus.refunded)
    if outcome is CancelOutcome.payment_failed:
        return _made(outcome, returned=applied, status=PaymentStatus.failed)
    # free, hold released, instructor before any capture: the authorization (if any) is released.
    return _made(outcome, returned=applied, status=PaymentStatus.released)


def unreachable(payment: PaymentState) -> Cancellation:
    """A booking undone because Stripe could not be reached for its authorization: nothing was held."""
    return _made(CancelOutcome.payment_failed, returned=payment.credits_applied_cents, status=PaymentStatus.released)


def _made(
    outcome: CancelOutcome,
    *,
    status: PaymentStatus,
    refund: int = 0,
    returned: int = 0,
    credit: int = 0,
    charged: int = 0,
) -> Cancellation:
    words = in_words(outcome, refund, returned + credit, charged)
    return Cancellation(outcome, refund, returned, credit, charged, status, words)


LEADS = {
    CancelOutcome.hold_released: "The hold was released",
    CancelOutcome.full_refund: "Cancelled by the instructor: the student is refunded in full",
    CancelOutcome.free: "Cancelled more than 24 hours ahead: free",
    CancelOutcome.credit_refund: "Cancelled 12 to 24 hours ahead: refunded as platform credit",
    CancelOutcome.charged_in_full: "Cancelled less than 12 hours ahead: charged in full",
    CancelOutcome.payment_failed: "Cancelled because the card could not be authorized in time",
    CancelOutcome.hold_expired: "The hold expired before checkout finished",
}


def in_words(outcome: CancelOutcome, refund: int, credit: int, charged: int) -> str:
    """One sentence a student can read: the rule, then every cent that moves."""
    moves = []
    if charged:
        moves.append(f"{dollars(charged)} is charged to the card")
    if refund:
        moves.append(f"{dollars(refund)} is refunded to the card")
    if credit:
        moves.append(f"{dollars(credit)} comes back as platform credit")
    if not moves:
        moves.append("nothing is charged")
    return f"{LEADS[outcome]}; {', and '.join(moves)}."
