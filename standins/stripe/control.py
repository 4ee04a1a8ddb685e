"""Control endpoints under /_standin/ (JSON in, JSON out) for tests, `bin/dev` and audits:

GET  /_standin/health                    {"ok": true}
GET  /_standin/config                    the switches (core.DEFAULTS)
POST /_standin/config                    {"latency_ms": 300, "webhook_duplicates": 3, ...} → the switches
                                         ({"fail_next": {"count", "status", "path_prefix"?}}: faults.py)
POST /_standin/config/reset              switches back to their defaults, webhook URL and secret kept
GET  /_standin/clock                     {"now", "offset_seconds"}
POST /_standin/clock                     {"advance_seconds": n} | {"now": unix} | {"offset_seconds": n}
GET  /_standin/webhooks                  {"counts", "deliveries": [{"event_id", "type", "state", "attempts", ...}]}
POST /_standin/webhooks/release          {"order": "created" | "reversed"} → {"released": n}
POST /_standin/webhooks/discard          held and pending deliveries are dropped → {"discarded": n}
POST /_standin/webhooks/flush            {"timeout_seconds": 10} → counts once nothing is pending
POST /_standin/accounts/{id}             {"onboarded": true|false} → the account (sends account.updated)
POST /_standin/payouts/{id}              {"status": "in_transit"|"paid"|"failed", "failure_code"?} → the payout
POST /_standin/identity/{id}             {"outcome": "verified"|"requires_input"} → the session
GET  /_standin/state                     an audit dump: counts, PaymentIntents, captures, refunds, transfers, payouts
"""

from __future__ import annotations

import time
from typing import Any

from standins.stripe import faults, webhooks
from standins.stripe.connect import set_onboarded
from standins.stripe.core import DEFAULTS, Call, Standin
from standins.stripe.errors import StripeError
from standins.stripe.forms import Params
from standins.stripe.identity import finish_verification
from standins.stripe.payouts import move_payout

Answer = tuple[int, Any]


async def handle(standin: Standin, method: str, path: str, body: dict[str, Any]) -> Answer:
    parts = path.removeprefix("/_standin/").strip("/").split("/")
    call = Call(standin, Params({}))
    match method, parts:
        case "GET", ["health"]:
            return 200, {"ok": True}
        case "GET", ["config"]:
            return 200, standin.config()
        case "POST", ["config"]:
            unknown = set(body) - set(DEFAULTS)
            if unknown:
                return 400, {"error": f"unknown switches: {sorted(unknown)}"}
            if "fail_next" in body:
                body = {**body, "fail_next": faults.checked(body["fail_next"])}
            with standin.store.transaction():
                standin.configure(**body)
            return 200, standin.config()
        case "POST", ["config", "reset"]:
            keep = {"webhook_url", "webhook_secret"}
            with standin.store.transaction():
                standin.configure(**{k: v for k, v in DEFAULTS.items() if k not in keep})
            return 200, standin.config()
        case "GET", ["clock"]:
            return 200, _clock(standin)
        case "POST", ["clock"]:
            return _move_clock(standin, body)
        case "GET", ["webhooks"]:
            return 200, {"counts": webhooks.counts(standin), "deliveries": webhooks.deliveries(standin)}
        case "POST", ["webhooks", "release"]:
            return 200, {"released": webhooks.release(standin, body.get("order", "created"))}
        case "POST", ["webhooks", "discard"]:
            return 200, {"discarded": webhooks.discard(standin)}
        case "POST", ["webhooks", "flush"]:
            return 200, await webhooks.flush(standin, within=float(body.get("timeout_seconds", 10)))
        case "POST", ["accounts", account_id]:
            return _on(standin, call, account_id, "account", lambda a: set_onboarded(call, a, bool(body["onboarded"])))
        case "POST", ["payouts", payout_id]:
            return _on(
                standin,
                call,
                payout_id,
                "payout",
                lambda p: move_payout(call, p, body["status"], body.get("failure_code")),
            )
        case "POST", ["identity", session_id]:
            return _on(
                standin,
                call,
                session_id,
                "identity.verification_session",
                lambda s: finish_verification(call, s, body.get("outcome", "verified")),
            )
        case "GET", ["state"]:
            return 200, state(standin)
    return 404, {"error": f"no control endpoint {method} {path}"}


def _on(standin: Standin, call: Call, object_id: str, kind: str, change: Any) -> Answer:
    obj = standin.store.get(object_id)
    if obj is None or obj["object"] != kind:
        return 404, {"error": f"no such {kind}: {object_id}"}
    try:
        with standin.store.transaction():
            return 200, change(obj)
    except StripeError as refusal:
        return refusal.status, refusal.payload()


def _clock(standin: Standin) -> dict[str, Any]:
    return {"now": standin.now(), "offset_seconds": standin.clock_offset()}


def _move_clock(standin: Standin, body: dict[str, Any]) -> Answer:
    if "advance_seconds" in body:
        offset = standin.clock_offset() + float(body["advance_seconds"])
    elif "now" in body:
        offset = float(body["now"]) - time.time()
    elif "offset_seconds" in body:
        offset = float(body["offset_seconds"])
    else:
        return 400, {"error": "give advance_seconds, now or offset_seconds"}
    with standin.store.transaction():
        standin.set_clock_offset(offset)
    return 200, _clock(standin)


def pick(obj: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: obj.get(name) for name in ("id", *names)}


def state(standin: Standin) -> dict[str, Any]:
    """What happened at "Stripe", for audits: every money-moving object in a compact form."""
    store = standin.store
    intents = [
        pick(pi, "status", "amount", "amount_capturable", "amount_received", "customer", "latest_charge", "metadata")
        for pi in store.find("payment_intent")
    ]
    charges = store.find("charge")
    return {
        "counts": store.count_by_type(),
        "payment_intents": intents,
        "authorizations": [
            pick(c, "payment_intent", "amount", "captured", "metadata") for c in charges if c["status"] == "succeeded"
        ],
        "captures": [
            pick(c, "payment_intent", "amount_captured", "amount_refunded", "metadata")
            for c in charges
            if c["captured"]
        ],
        "refunds": [pick(r, "payment_intent", "charge", "amount", "metadata") for r in store.find("refund")],
        "transfers": [
            pick(t, "destination", "amount", "amount_reversed", "transfer_group", "metadata")
            for t in store.find("transfer")
        ],
        "reversals": [pick(r, "transfer", "amount", "metadata") for r in store.find("transfer_reversal")],
        "payouts": [
            {**pick(p, "amount", "method", "status", "metadata"), "account": store.account_of(p["id"])}
            for p in store.find("payout")
        ],
        "accounts": [pick(a, "charges_enabled", "payouts_enabled", "details_submitted") for a in store.find("account")],
        "webhooks": webhooks.counts(standin),
    }
