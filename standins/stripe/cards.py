"""Stripe's test payment methods and what each does when charged.

Passing a test id (`pm_card_visa`) anywhere a PaymentMethod is accepted makes a new PaymentMethod
with its own `pm_…` id, as test mode does; the card's fingerprint is stable (one per card number).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TestCard:
    number: str
    brand: str
    exp_month: int
    exp_year: int
    outcome: str = "success"  # success | declined | authentication_required
    decline_code: str | None = None

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(f"standin-card:{self.number}".encode()).hexdigest()[:16]


TEST_CARDS: dict[str, TestCard] = {
    "pm_card_visa": TestCard("4242424242424242", "visa", 12, 2034),
    "pm_card_mastercard": TestCard("5555555555554444", "mastercard", 11, 2033),
    "pm_card_amex": TestCard("378282246310005", "amex", 10, 2032),
    "pm_card_chargeDeclined": TestCard("4000000000000002", "visa", 9, 2034, "declined", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": TestCard(
        "4000000000009995", "visa", 8, 2034, "declined", "insufficient_funds"
    ),
    "pm_card_authenticationRequired": TestCard("4000002760003184", "visa", 7, 2034, "authentication_required"),
}


def card_details(card: TestCard) -> dict[str, Any]:
    return {
        "brand": card.brand,
        "display_brand": card.brand,
        "last4": card.last4,
        "exp_month": card.exp_month,
        "exp_year": card.exp_year,
        "fingerprint": card.fingerprint,
        "funding": "credit",
        "country": "US",
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": "pass"},
        "networks": {"available": [card.brand], "preferred": None},
        "wallet": None,
        "three_d_secure_usage": {"supported": True},
    }


_BY_FINGERPRINT = {card.fingerprint: card for card in TEST_CARDS.values()}


def card_of(payment_method: dict[str, Any]) -> TestCard:
    return _BY_FINGERPRINT[payment_method["card"]["fingerprint"]]
