"""What happens at "Stripe" with time, a few times a second of real time: authorizations past
their capture_before are cancelled, payouts move toward paid (core.DEFAULTS `payout_auto`)."""

from __future__ import annotations

import asyncio
import logging

from standins.stripe.core import Call, Standin
from standins.stripe.forms import Params
from standins.stripe.payment_intents import due_for_expiry, expire_if_due
from standins.stripe.payouts import advance_due_payouts

log = logging.getLogger(__name__)


def sweep(standin: Standin) -> None:
    with standin.store.transaction():
        for pi in due_for_expiry(Call(standin, Params({}))):
            account = standin.store.account_of(pi["id"]) or ""
            expire_if_due(Call(standin, Params({}), account), pi)
        advance_due_payouts(Call(standin, Params({})))


async def sweep_forever(standin: Standin, interval: float = 0.2) -> None:
    while True:
        try:
            sweep(standin)
        except Exception:  # keep sweeping; the next tick retries
            log.exception("stand-in sweep failed")
        await asyncio.sleep(interval)
