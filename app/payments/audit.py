"""The money audit (`python -m app audit-money`): our rows against each other and against
Stripe's objects (the stand-in's or Stripe's, through the same SDK calls), every cent explained.

For every booking: price = credits applied + card amount; the credits ledger holds exactly that
spend and what was given back; captured <= authorized, refunded <= captured, and the PaymentIntent
and its refunds say the same; a delivered lesson has one earning of price - fee, its transfer
says what the earning says (reversals included), and nothing else earns. At Stripe: no
PaymentIntent holding money without the booking that names it, no second one for a booking, no
transfer to our instructors without its earning. Every balance is the sum of its entries, never
below zero; payouts (amount and Stripe's fee) match Stripe's and never exceed what was transferred;
each connected account's balance at Stripe is what we say its instructor has available. Run it when nothing is
in flight: a job between its two commits is reported too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import stripe

from app.payments.earnings import earning_of_price, is_delivered
from app.payments.stripe_api import StripeApi
from app.payments.tables import CreditKind, Payment
from app.settings import Settings

HOLDING_MONEY = ("requires_capture", "succeeded")


@dataclass(frozen=True)
class Finding:
    code: str
    detail: str
    booking_id: int | None = None

    def __str__(self) -> str:
        where = f"booking {self.booking_id}: " if self.booking_id is not None else ""
        return f"{self.code}: {where}{self.detail}"


class Audit:
    def __init__(self, settings: Settings, stripe_api: StripeApi) -> None:
        self.fee_percent = settings.platform_fee_percent
        self.stripe = stripe_api.client
        self.findings: list[Finding] = []

    def report(self, code: str, detail: str, booking_id: int | None = None) -> None:
        self.findings.append(Finding(code, detail, booking_id))

    async def run(self) -> list[Finding]:
        bookings = await _raw(
            "SELECT b.id, b.status, b.cancel_outcome, b.price_cents, b.instructor, p.id AS payment_id, "
            "p.status AS payment_status, p.amount_cents, p.credits_applied_cents, p.card_amount_cents, "
            "p.captured_cents, p.refunded_cents, p.credited_cents, p.fee_cents, p.payment_intent_id "
            "FROM bookings b LEFT JOIN payments p ON p.booking = b.id ORDER BY b.id"
        )
        credits = await self.credits_by_booking()
        earnings = {row["booking"]: row for row in await _raw("SELECT * FROM earnings")}
        for booking in bookings:
            await self.booking(booking, credits.get(booking["id"], {}), earnings.get(booking["id"]))
        await self.intents_at_stripe({b["id"]: b for b in bookings})
        await self.transfers_at_stripe(earnings)
        await self.balances()
        await self.payouts()
        await self.account_balances()
        return self.findings

    async def credits_by_booking(self) -> dict[int, dict[str, int]]:
        by_booking: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for row in await _raw(
            "SELECT booking, kind, sum(amount_cents) AS cents FROM credit_entries WHERE booking IS NOT NULL "
            "GROUP BY booking, kind"
        ):
            by_booking[row["booking"]][row["kind"]] = int(row["cents"])
        return by_booking

    async def booking(self, b: dict[str, Any], credits: dict[str, int], earning: dict[str, Any] | None) -> None:
        booking_id = b["id"]
        if b["payment_id"] is None:
            self.report("payment_missing", "a booking without its payment row", booking_id)
            return
        if b["amount_cents"] != b["price_cents"]:
            self.report("price", f"payment of {b['amount_cents']} for a price of {b['price_cents']}", booking_id)
        if b["amount_cents"] != b["credits_applied_cents"] + b["card_amount_cents"]:
            self.report(
                "price_split",
                f"{b['amount_cents']} != credits {b['credits_applied_cents']} + card {b['card_amount_cents']}",
                booking_id,
            )
        spent = -credits.get(CreditKind.spend, 0)
        if spent != b["credits_applied_cents"]:
            self.report("credits_spent", f"ledger spend {spent} != applied {b['credits_applied_cents']}", booking_id)
        given_back = credits.get(CreditKind.return_, 0) + credits.get(CreditKind.cancellation, 0)
        if given_back != b["credited_cents"]:
            self.report("credits_back", f"ledger gave back {given_back} != credited {b['credited_cents']}", booking_id)
        if b["captured_cents"] > b["card_amount_cents"]:
            self.report("captured_over_authorized", f"{b['captured_cents']} > {b['card_amount_cents']}", booking_id)
        if b["refunded_cents"] > b["captured_cents"]:
            self.report("refunded_over_captured", f"{b['refunded_cents']} > {b['captured_cents']}", booking_id)
        await self.intent(b)
        await self.earning(b, earning)

    async def intent(self, b: dict[str, Any]) -> None:
        booking_id, intent_id = b["id"], b["payment_intent_id"]
        if intent_id is None:
            if b["captured_cents"]:
                self.report("captured_without_intent", f"{b['captured_cents']} captured, no PaymentIntent", booking_id)
            return
        try:
            intent = (await self.stripe.v1.payment_intents.retrieve_async(intent_id)).to_dict()
        except stripe.InvalidRequestError:
            self.report("intent_missing", f"{intent_id} is unknown at Stripe", booking_id)
            return
        named = (intent.get("metadata") or {}).get("booking_id")
        if named != str(booking_id):
            self.report("intent_booking", f"{intent_id} names booking {named}", booking_id)
        if intent["amount"] != b["card_amount_cents"]:
            detail = f"{intent_id} authorized {intent['amount']}, card share {b['card_amount_cents']}"
            self.report("intent_amount", detail, booking_id)
        received = intent["amount_received"] if intent["status"] == "succeeded" else 0
        if received != b["captured_cents"]:
            self.report("captured", f"Stripe captured {received}, we recorded {b['captured_cents']}", booking_id)
        refunds = await self.stripe.v1.refunds.list_async({"payment_intent": intent_id, "limit": 100})
        refunded = sum(r.amount for r in refunds.data if r.status in ("succeeded", "pending"))
        if refunded != b["refunded_cents"]:
            self.report("refunded", f"Stripe refunded {refunded}, we recorded {b['refunded_cents']}", booking_id)

    async def earning(self, b: dict[str, Any], earning: dict[str, Any] | None) -> None:
        booking_id = b["id"]
        delivered = is_delivered(b, {**b, "status": b["payment_status"]})
        owed = earning_of_price(b, self.fee_percent) if delivered else 0
        if earning is None:
            if owed > 0:
                self.report("earning_missing", f"a delivered lesson earns {owed}, nothing recorded", booking_id)
            return
        if not delivered:
            self.report("earning_without_delivery", f"earning {earning['amount_cents']} for a lesson not delivered",
                        booking_id)  # fmt: skip
        elif earning["amount_cents"] != owed:
            self.report("earning_amount", f"earning {earning['amount_cents']} != price - fee {owed}", booking_id)
        if earning["status"] != "transferred":
            if earning["status"] == "transferring":
                self.report("transfer_unfinished", "a transfer claimed but not recorded", booking_id)
            return
        transfer = await self.stripe.v1.transfers.retrieve_async(earning["transfer_id"])
        reversed_after = earning["reversed_cents"] - (earning["amount_cents"] - earning["transferred_cents"])
        if (transfer.amount, transfer.amount_reversed) != (earning["transferred_cents"], reversed_after):
            self.report(
                "transfer_amount",
                f"{transfer.id} sent {transfer.amount} reversed {transfer.amount_reversed}; we recorded "
                f"{earning['transferred_cents']} reversed {reversed_after}",
                booking_id,
            )
        if transfer.destination != earning["destination"]:
            self.report("transfer_destination", f"{transfer.id} went to {transfer.destination}", booking_id)

    async def intents_at_stripe(self, bookings: dict[int, dict[str, Any]]) -> None:
        holding: dict[str, list[str]] = defaultdict(list)
        for customer in await _raw("SELECT customer_id FROM stripe_customers"):
            page = await self.stripe.v1.payment_intents.list_async({"customer": customer["customer_id"], "limit": 100})
            async for intent in page.auto_paging_iter():
                intent = intent.to_dict()
                if intent["status"] not in HOLDING_MONEY:
                    continue  # declined attempts and released authorizations hold nothing
                named = (intent.get("metadata") or {}).get("booking_id", "")
                booking = bookings.get(int(named)) if named.isdigit() else None
                if booking is None or booking["payment_intent_id"] != intent["id"]:
                    detail = f"{intent['id']} ({intent['status']}, {intent['amount']}) is no booking's payment"
                    self.report("intent_without_booking", detail, booking["id"] if booking else None)
                holding[named].append(intent["id"])
        for named, intents in holding.items():
            if len(intents) > 1:
                self.report("two_intents", f"PaymentIntents {', '.join(intents)} for one booking",
                            int(named) if named.isdigit() else None)  # fmt: skip

    async def transfers_at_stripe(self, earnings: dict[int, dict[str, Any]]) -> None:
        ours = {e["transfer_id"]: e for e in earnings.values() if e["transfer_id"]}
        per_booking: dict[str, list[str]] = defaultdict(list)
        for account in await _raw("SELECT account_id FROM connected_accounts"):
            page = await self.stripe.v1.transfers.list_async({"destination": account["account_id"], "limit": 100})
            async for transfer in page.auto_paging_iter():
                transfer = transfer.to_dict()
                named = (transfer.get("metadata") or {}).get("booking_id", "")
                per_booking[named].append(transfer["id"])
                claimed = earnings.get(int(named)) if named.isdigit() else None
                if claimed is not None and claimed["status"] == "transferring":
                    continue  # reported as transfer_unfinished
                if transfer["id"] not in ours:
                    detail = f"{transfer['id']} of {transfer['amount']} to {account['account_id']} is no earning's"
                    self.report("transfer_without_earning", detail, int(named) if named.isdigit() else None)
        for named, transfers in per_booking.items():
            if named and len(transfers) > 1:
                self.report("two_transfers", f"transfers {', '.join(transfers)} for one booking", int(named))

    async def balances(self) -> None:
        for row in await _raw(
            'SELECT u.user, u.total, b.balance_cents FROM (SELECT "user", sum(amount_cents) AS total '
            'FROM credit_entries GROUP BY "user") u LEFT JOIN credit_balances b ON b.user = u.user '
            "WHERE b.balance_cents IS DISTINCT FROM u.total OR u.total < 0"
        ):
            self.report("credit_balance", f"user {row['user']}: entries sum to {row['total']}, balance "
                        f"{row['balance_cents']}")  # fmt: skip

    async def payouts(self) -> None:
        for row in await _raw(
            "SELECT p.*, a.account_id FROM payouts p LEFT JOIN connected_accounts a ON a.instructor = p.instructor"
        ):
            if row["stripe_payout_id"] is None:
                if row["status"] != "failed":
                    self.report("payout_not_sent", f"payout {row['id']} has no Stripe payout")
                continue
            sent = await self.stripe.v1.payouts.retrieve_async(
                row["stripe_payout_id"], options={"stripe_account": row["account_id"]}
            )
            if sent.amount != row["amount_cents"] or sent.status != row["status"]:
                self.report("payout", f"payout {row['id']}: Stripe {sent.amount} {sent.status}, ours "
                            f"{row['amount_cents']} {row['status']}")  # fmt: skip
            await self.payout_fee(row, sent)
        for row in await _raw(
            "SELECT e.instructor, e.net, coalesce(p.out, 0) AS out FROM (SELECT instructor, "
            "sum(amount_cents - reversed_cents) AS net FROM earnings WHERE status = 'transferred' "
            "GROUP BY instructor) e "
            "LEFT JOIN (SELECT instructor, sum(amount_cents + fee_cents) AS out FROM payouts WHERE status <> 'failed' "
            "GROUP BY instructor) p ON p.instructor = e.instructor WHERE coalesce(p.out, 0) > e.net"
        ):
            self.report(
                "overpaid", f"instructor {row['instructor']}: paid out {row['out']} of {row['net']} transferred"
            )

    async def payout_fee(self, row: dict[str, Any], sent: Any) -> None:
        """Stripe's fee for the payout (its balance transaction's) is the one we recorded."""
        fee, transaction_id = 0, getattr(sent, "balance_transaction", None)
        if isinstance(transaction_id, str):
            transaction = await self.stripe.v1.balance_transactions.retrieve_async(
                transaction_id, options={"stripe_account": row["account_id"]}
            )
            fee = transaction.fee
        if fee != row["fee_cents"]:
            self.report("payout_fee", f"payout {row['id']}: Stripe took a fee of {fee}, we recorded {row['fee_cents']}")

    async def account_balances(self) -> None:
        """Each connected account holds at Stripe what we say is available to its instructor. An account
        with a transfer under way is judged once it finishes: Stripe may already hold the money
        (reported meanwhile as transfer_unfinished)."""
        for row in await _raw(
            "SELECT a.instructor, a.account_id, "
            "(SELECT coalesce(sum(amount_cents - reversed_cents), 0) FROM earnings e "
            " WHERE e.instructor = a.instructor AND e.status = 'transferred') - "
            "(SELECT coalesce(sum(amount_cents + fee_cents), 0) FROM payouts p "
            " WHERE p.instructor = a.instructor AND p.status <> 'failed') AS available "
            "FROM connected_accounts a WHERE NOT EXISTS (SELECT 1 FROM earnings e "
            " WHERE e.instructor = a.instructor AND e.status = 'transferring')"
        ):
            balance = await self.stripe.v1.balance.retrieve_async(options={"stripe_account": row["account_id"]})
            held = sum(f.amount for f in balance.available) + sum(f.amount for f in balance.pending)
            if held != row["available"]:
                self.report("account_balance", f"instructor {row['instructor']}: {row['account_id']} holds {held} "
                            f"at Stripe, we say {row['available']} is available")  # fmt: skip


async def _raw(sql: str, *args: Any) -> list[dict[str, Any]]:
    return await Payment.raw(sql, *args)


async def audit_payments(settings: Settings, stripe_api: StripeApi) -> list[Finding]:
    """Every discrepancy between our books and Stripe's; empty when every cent is explained."""
    return await Audit(settings, stripe_api).run()
