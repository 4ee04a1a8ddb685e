"""The one error shape of the API: {"status_code", "detail", "code", "extra"?}, small and path-free."""

from __future__ import annotations

import re
from typing import Any

import structlog
from botocore.exceptions import ClientError
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotFoundException, ValidationException

log = structlog.get_logger()

# Every 4xx names its case; these are the defaults for refusals that did not name one.
DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    428: "precondition_required",
    429: "rate_limited",
    503: "unavailable",
}
# Error bodies stay small whatever the input: never echo more than this of anything.
MAX_DETAIL = 300
MAX_KEY = 80
MAX_MESSAGE = 200
MAX_PROBLEMS = 20
_MISSING = re.compile(r"Missing required (\w+) parameter '([^']*)'")


class ApiError(HTTPException):
    """A refusal the client can act on: `code` names the case, `body` carries what it needs to recover."""

    def __init__(
        self,
        status_code: int,
        detail: str,
        *,
        code: str | None = None,
        extra: Any = None,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status_code=status_code, detail=detail, extra=extra, headers=headers)
        self.code = code
        self.body = body or {}


def bad_input(problems: list[dict[str, str]]) -> ApiError:
    detail = "; ".join(f"{p['key']}: {p['message']}" for p in problems) or "Invalid input"
    return ApiError(400, detail, code="bad_request", extra=problems)


def shorten(text: object, limit: int) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_body(status_code: int, detail: str, code: str | None = None, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "detail": shorten(detail, MAX_DETAIL)}
    code = code or DEFAULT_CODES.get(status_code, "bad_request" if 400 <= status_code < 500 else None)
    if code:
        body["code"] = code
    if extra:
        body["extra"] = extra
    return body


def _problems(extra: Any) -> list[dict[str, str]]:
    problems = []
    for item in extra[:MAX_PROBLEMS] if isinstance(extra, list) else [extra]:
        item = item if isinstance(item, dict) else {"message": item}
        key = item.get("key") or ("body" if item.get("source") in (None, "body") else str(item.get("source")))
        problems.append({"key": shorten(key, MAX_KEY), "message": shorten(item.get("message", ""), MAX_MESSAGE)})
    return problems


def _problem_from_detail(detail: str) -> dict[str, str]:
    # Litestar names a missing parameter only in its detail, after which it echoes the whole URL.
    missing = _MISSING.match(detail)
    if missing:
        return {"key": shorten(missing[2], MAX_KEY), "message": f"Required {missing[1]} parameter"}
    return {"key": "body", "message": shorten(detail, MAX_MESSAGE)}


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    extra = exc.extra
    if exc.status_code == 400 or isinstance(exc, ValidationException):
        extra = _problems(extra) if extra else [_problem_from_detail(exc.detail)]
    detail = exc.detail
    if isinstance(exc, NotFoundException) and not isinstance(exc, ApiError):
        detail = "Nothing here"  # Litestar's own 404s (static files) name paths on the server
    elif isinstance(exc, ValidationException) and extra:
        detail = "; ".join(f"{p['key']}: {p['message']}" for p in extra)
    body = error_body(exc.status_code, detail, getattr(exc, "code", None), extra)
    body.update(getattr(exc, "body", {}))
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def handle_unstorable_value(request: Request, exc: Exception) -> Response:
    # PostgreSQL refused a value that passed validation: an id past the integer range, a NUL character.
    log.info("unstorable_value", path=request.url.path, error=str(exc))
    detail = "A value in the request is out of range (e.g. an id too large to exist) or holds a NUL character"
    return Response(error_body(400, detail, "bad_request", [{"key": "request", "message": detail}]), status_code=400)


def handle_redis_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("redis_unavailable", path=request.url.path, error=str(exc))
    body = error_body(503, "A backing service is briefly unavailable; retry shortly", "unavailable")
    return Response(body, status_code=503, headers={"Retry-After": "2"})


def handle_storage_error(request: Request, exc: Exception) -> Response:
    """Object storage unreachable or failing on its side (a botocore connection error, an S3 5xx):
    503 with Retry-After, as for Stripe and Redis. Anything else it refused is our bug: 500."""
    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if isinstance(exc, ClientError) and status < 500:
        return handle_unexpected(request, exc)
    log.warning("storage_unavailable", path=request.url.path, error=str(exc))
    body = error_body(503, "File storage is briefly unavailable; retry shortly", "storage_unavailable")
    return Response(body, status_code=503, headers={"Retry-After": "5"})


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return Response(error_body(500, "Internal server error"), status_code=500)
