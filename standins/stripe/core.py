"""The stand-in's runtime: its store, switches, clock, and how a state change becomes an event.

Every handler gets a `Call`: the decoded params, the account it acts for (`Stripe-Account`, or
`""` for the platform) and the `Standin`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from standins.stripe.forms import Params
from standins.stripe.store import Store, new_id

API_VERSION = "2026-10-28.endive"

# Switches, all settable at run time through POST /_standin/config and kept in the store.
DEFAULTS: dict[str, Any] = {
    "webhook_url": None,
    "webhook_secret": None,
    "webhook_duplicates": 1,  # each event is delivered this many times
    "webhook_hold": False,  # keep events back until POST /_standin/webhooks/release
    "webhook_retry_base_ms": 100,  # backoff after a failed delivery: base * 2^(attempt-1)
    "webhook_max_attempts": 8,
    "webhook_concurrency": 1,  # deliveries in flight at once; more than 1 gives up their order
    "latency_ms": 0,  # every /v1 call answers after this long
    "fail_next": None,  # {"count", "status", "path_prefix"?}: the next calls fail (faults.py)
    "payout_auto": True,  # payouts move pending → in_transit → paid by themselves
    "payout_standard_seconds": 2,  # stand-in time from creation to paid (in_transit at half)
    "payout_instant_seconds": 1,
    # Stripe's price for an instant payout, taken from the paying account's balance on top of the amount.
    "instant_payout_fee_percent": 1,
    "instant_payout_min_fee_cents": 50,
}


class Standin:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.webhooks_wake = asyncio.Event()

    def config(self) -> dict[str, Any]:
        return {name: self.store.setting(name, default) for name, default in DEFAULTS.items()}

    def setting(self, name: str) -> Any:
        return self.store.setting(name, DEFAULTS[name])

    def configure(self, **changes: Any) -> None:
        for name, value in changes.items():
            if name not in DEFAULTS:
                raise KeyError(name)
            self.store.set_setting(name, value)
        self.webhooks_wake.set()

    # The platform's test clock moves this offset forward; `created`, `capture_before`, payout
    # arrival and authorization expiry all read `now()`.
    def clock_offset(self) -> float:
        return float(self.store.setting("clock_offset_seconds", 0.0))

    def set_clock_offset(self, seconds: float) -> None:
        self.store.set_setting("clock_offset_seconds", seconds)

    def now(self) -> int:
        return int(time.time() + self.clock_offset())

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        account: str = "",
        previous: dict[str, Any] | None = None,
        call: Call | None = None,
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        event = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {
                "id": call.request_id if call else None,
                "idempotency_key": call.idempotency_key if call else None,
            },
            "type": event_type,
        }
        if account:
            event["account"] = account
        if self.setting("webhook_url"):
            copies = max(1, int(self.setting("webhook_duplicates")))
            event["pending_webhooks"] = copies
            state = "held" if self.setting("webhook_hold") else "pending"
            for _ in range(copies):
                self.store.db.execute(
                    "INSERT INTO deliveries (event_id, state, due_at) VALUES (?, ?, ?)", (event["id"], state, 0.0)
                )
            self.webhooks_wake.set()
        return self.store.put(event, account)


@dataclass
class Call:
    standin: Standin
    params: Params
    account: str = ""
    base_url: str = ""
    request_id: str = field(default_factory=lambda: new_id("req"))
    idempotency_key: str | None = None

    @property
    def store(self) -> Store:
        return self.standin.store

    def now(self) -> int:
        return self.standin.now()

    def emit(
        self, event_type: str, obj: dict[str, Any], previous: dict[str, Any] | None = None, account: str | None = None
    ) -> None:
        self.standin.emit(event_type, obj, self.account if account is None else account, previous, self)


def list_page(call: Call, url: str, object_type: str, **equal: Any) -> dict[str, Any]:
    """Stripe's list envelope over stored objects, newest first: `limit` (default 10, at most 100)
    and `starting_after`; `equal` filters on top-level fields (None values are ignored)."""
    limit = min(call.params.int("limit", minimum=1) or 10, 100)
    after = call.params.str("starting_after")
    filters = {name: value for name, value in equal.items() if value is not None}
    items = call.store.find(object_type, call.account, after=after, limit=limit + 1, **filters)
    call.params.done()
    return {"object": "list", "url": url, "has_more": len(items) > limit, "data": items[:limit]}


def list_object(url: str, items: list[dict[str, Any]], params: Params) -> dict[str, Any]:
    """The list envelope over a list already in hand (a transfer's reversals)."""
    limit = min(params.int("limit", minimum=1) or 10, 100)
    after = params.str("starting_after")
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    params.done()
    return {"object": "list", "url": url, "has_more": len(items) > limit, "data": items[:limit]}
