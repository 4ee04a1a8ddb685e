"""Stripe's error shape: `{"error": {"type", "code", "decline_code", "message", "param", ...}}` with
the HTTP status the SDK maps to its exception classes (400/404 InvalidRequestError, 401
AuthenticationError, 402 CardError, 403 PermissionError, 400 `idempotency_error` IdempotencyError)."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """A refusal answered as Stripe answers it. State written before it is raised is kept (a decline
    leaves its PaymentIntent in `requires_payment_method`), and `replayable` errors are stored
    under the call's idempotency key like a success (Stripe keeps results of calls that ran)."""

    def __init__(self, status: int, body: dict[str, Any], *, replayable: bool = False) -> None:
        super().__init__(body.get("message"))
        self.status = status
        self.body = body
        self.replayable = replayable

    def payload(self) -> dict[str, Any]:
        return {"error": {key: value for key, value in self.body.items() if value is not None}}


def invalid_request(
    message: str, *, param: str | None = None, code: str | None = None, replayable: bool = False, **extra: Any
) -> StripeError:
    body = {"type": "invalid_request_error", "message": message, "param": param, "code": code, **extra}
    return StripeError(400, body, replayable=replayable)


def no_such(kind: str, object_id: str, *, param: str = "id") -> StripeError:
    return StripeError(
        404,
        {
            "type": "invalid_request_error",
            "code": "resource_missing",
            "message": f"No such {kind}: '{object_id}'",
            "param": param,
        },
    )


def card_error(code: str, decline_code: str | None, message: str, **extra: Any) -> StripeError:
    body = {"type": "card_error", "code": code, "decline_code": decline_code, "message": message, **extra}
    return StripeError(402, body, replayable=True)


def authentication_error(message: str) -> StripeError:
    return StripeError(401, {"type": "invalid_request_error", "message": message})


def permission_error(message: str, code: str | None = None) -> StripeError:
    return StripeError(403, {"type": "invalid_request_error", "message": message, "code": code})
