"""The `fail_next` switch: the next N /v1 calls (or those whose path starts with `path_prefix`)
answer as Stripe answers an outage or a rate limit, before any handler runs, so nothing changes
and nothing is kept under the call's `Idempotency-Key` (a retry with the same key runs for real).

    POST /_standin/config {"fail_next": {"count": 2, "status": 500, "path_prefix": "/v1/payment_intents"}}

Neither answer carries `Stripe-Should-Retry`, so the SDK retries the 500/503 itself (up to its
`max_network_retries`, each retry another faulted call) and leaves the 429 to the caller.
"""

from __future__ import annotations

import json
from typing import Any

from standins.stripe.core import Standin

ANSWERS: dict[int, tuple[dict[str, Any], list[tuple[bytes, bytes]]]] = {
    429: (
        {
            "type": "rate_limit_error",
            "code": "rate_limit",
            "message": "Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.",
        },
        [(b"stripe-rate-limited-reason", b"global-rate")],
    ),
    500: ({"type": "api_error", "message": "Sorry, something went wrong. We've been notified of the problem."}, []),
    503: ({"type": "api_error", "message": "Stripe is temporarily unavailable; please retry shortly."}, []),
}


def checked(value: Any) -> dict[str, Any] | None:
    """The switch as given to POST /_standin/config; a ValueError names what is wrong (a 400)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - {"count", "status", "path_prefix"}:
        raise ValueError('fail_next is {"count": n, "status": 429|500|503, "path_prefix"?: "/v1/..."}')
    count, status, prefix = value.get("count"), value.get("status"), value.get("path_prefix", "/v1/")
    if not isinstance(count, int) or count < 0 or status not in ANSWERS or not isinstance(prefix, str):
        raise ValueError(f"fail_next needs a count >= 0, a status in {sorted(ANSWERS)} and a string path_prefix")
    return {"count": count, "status": status, "path_prefix": prefix}


def take(standin: Standin, path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
    """The faulted answer for this call when the switch covers it (one fewer left), else None."""
    with standin.store.transaction():
        fault = standin.setting("fail_next")
        if not fault or fault["count"] <= 0 or not path.startswith(fault["path_prefix"]):
            return None
        standin.configure(fail_next={**fault, "count": fault["count"] - 1})
    body, headers = ANSWERS[fault["status"]]
    return fault["status"], headers, json.dumps({"error": body}).encode()
