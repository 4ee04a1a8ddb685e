"""Referral codes and their rewards, all through the credits ledger (app.payments.credits): the
referred student's credit when its first booking is made (so that booking spends it), the
referrer's once that booking is completed. Nothing for oneself under another email alias or with
the referrer's card, nothing twice (one referral row per referred user), only students rewarded."""

from __future__ import annotations

import secrets
from typing import Any

from app.accounts.tables import User
from app.core.outbox import Effects
from app.core.time import now
from app.notifications.service import notify
from app.payments import credits
from app.payments.money import dollars
from app.payments.tables import CreditKind
from app.referrals.schemas import ReferralOut
from app.referrals.tables import NoReward, Referral, ReferralCode
from app.services import Services

# No 0/O, 1/I: codes are read aloud and typed from paper.
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
GMAIL = ("gmail.com", "googlemail.com")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def same_mailbox(email: str) -> str:
    """The mailbox an address delivers to: plus-addressing dropped and, for gmail, the dots."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), GMAIL[0]
    return f"{local}@{domain}"


async def code_of(user_id: int) -> str:
    """The user's code, made on first ask; a collision of random codes just draws again."""
    while True:
        row = await ReferralCode.select(ReferralCode.code).where(ReferralCode.user == user_id).first()
        if row:
            return row["code"]
        await ReferralCode.raw(
            'INSERT INTO referral_codes ("user", code, created_at) VALUES ({}, {}, {}) ON CONFLICT DO NOTHING',
            user_id, new_code(), now(),
        )  # fmt: skip


async def referral_of(user_id: int, base_url: str) -> ReferralOut:
    code = await code_of(user_id)
    rows = await Referral.raw(
        "SELECT count(*) FILTER (WHERE no_reward IS DISTINCT FROM 'same_email') AS referred, "
        "coalesce(sum(referrer_credit_cents), 0) AS earned FROM referrals WHERE referrer = {}",
        user_id,
    )
    url = f"{base_url.rstrip('/')}/#/register?ref={code}"
    return ReferralOut(code=code, url=url, referred=rows[0]["referred"], earned_cents=int(rows[0]["earned"]))


def normal_code(code: str) -> str:
    return code.strip().upper()


async def referrer_of(code: str) -> dict[str, Any] | None:
    return (
        await ReferralCode.select(ReferralCode.user.id.as_alias("id"), ReferralCode.user.email.as_alias("email"))
        .where(ReferralCode.code == normal_code(code))
        .first()
    )


async def record_referral(referred: dict[str, Any], code: str) -> None:
    """In the registration's transaction; the code was checked to exist (referrer_of)."""
    referrer = await referrer_of(code)
    if referrer is None:
        return
    alias = same_mailbox(referrer["email"]) == same_mailbox(referred["email"])
    await Referral.insert(
        Referral(
            referrer=referrer["id"], referred=referred["id"], no_reward=NoReward.same_email if alias else None,
            created_at=now(),
        )
    )  # fmt: skip


async def _shares_a_card(referral: dict[str, Any]) -> bool:
    """Any card the referred student ever saved with the fingerprint of one the referrer saved."""
    rows = await Referral.raw(
        "SELECT 1 FROM payment_methods a JOIN payment_methods b ON a.fingerprint = b.fingerprint "
        'WHERE a."user" = {} AND b."user" = {} LIMIT 1',
        referral["referred"], referral["referrer"],
    )  # fmt: skip
    return bool(rows)


async def _refuse(referral_id: int, why: NoReward) -> None:
    await Referral.update({Referral.no_reward: why}).where(Referral.id == referral_id)


async def credit_first_booking(services: Services, effects: Effects, booking: dict[str, Any]) -> None:
    """In the booking's (or a hold's confirm's) transaction, before credits pay for it: a referred
    student's first booking brings its referral credit, which that booking then spends."""
    if booking["status"] != "confirmed":
        return
    rows = await Referral.raw(
        "SELECT * FROM referrals WHERE referred = {} AND first_booking IS NULL FOR UPDATE", booking["student"]
    )
    if not rows:
        return
    referral = rows[0]
    await Referral.update({Referral.first_booking: booking["id"]}).where(Referral.id == referral["id"])
    if referral["no_reward"]:
        return
    if await _shares_a_card(referral):
        return await _refuse(referral["id"], NoReward.same_card)
    cents = services.settings.referral_credit_cents
    await _credit(effects, booking["student"], cents, booking["id"], "Referral credit: your first booking")
    await Referral.update({Referral.referred_credit_cents: cents}).where(Referral.id == referral["id"])


async def reward_referrer(services: Services, effects: Effects, booking: dict[str, Any]) -> None:
    """In the completion's transaction: the referred student's first booking was delivered."""
    rows = await Referral.raw(
        "SELECT r.* FROM referrals r WHERE r.first_booking = {} AND r.referrer_credit_cents = 0 "
        "AND r.no_reward IS NULL FOR UPDATE",
        booking["id"],
    )
    if not rows:
        return
    referral = rows[0]
    referrer = await User.select(User.role).where(User.id == referral["referrer"]).first()
    if referrer is None or referrer["role"] != "student":
        return
    if await _shares_a_card(referral):
        return await _refuse(referral["id"], NoReward.same_card)
    cents = services.settings.referral_credit_cents
    await _credit(effects, referral["referrer"], cents, booking["id"], "Referral credit: a friend's first lesson")
    await Referral.update({Referral.referrer_credit_cents: cents}).where(Referral.id == referral["id"])


async def _credit(effects: Effects, user_id: int, cents: int, booking_id: int, reason: str) -> None:
    if cents <= 0:
        return
    entry = await credits.add_entry(user_id, cents, CreditKind.referral, booking_id=booking_id, reason=reason)
    data = {"entry_id": entry["id"], "booking_id": booking_id, "amount_cents": cents}
    await notify(effects, user_id, "credit.added", f"{dollars(cents)} of referral credit", reason, data)
