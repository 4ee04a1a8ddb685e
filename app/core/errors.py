"""The one error shape of the API: {"status_code", "detail", "code"?, "extra"?}."""

from __future__ import annotations

from typing import Any

import structlog
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

log = structlog.get_logger()


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


def error_body(status_code: int, detail: str, code: str | None = None, extra: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"status_code": status_code, "detail": detail}
    if code:
        body["code"] = code
    if extra:
        body["extra"] = extra
    return body


def handle_http_exception(request: Request, exc: HTTPException) -> Response:
    extra = exc.extra
    if isinstance(exc, ValidationException) and isinstance(extra, list):
        extra = [{"key": e.get("key", ""), "message": e.get("message", "")} for e in extra]
        code = "bad_request"
    else:
        code = getattr(exc, "code", None)
    body = error_body(exc.status_code, exc.detail, code, extra)
    body.update(getattr(exc, "body", {}))
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def handle_unstorable_value(request: Request, exc: Exception) -> Response:
    # PostgreSQL refused a value that passed validation: an id past the integer range, a NUL character.
    log.info("unstorable_value", path=request.url.path, error=str(exc))
    detail = "A value in the request is out of range (e.g. an id too large to exist) or holds a NUL character"
    return Response(error_body(400, detail, "bad_request"), status_code=400)


def handle_redis_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("redis_unavailable", path=request.url.path, error=str(exc))
    body = error_body(503, "A backing service is briefly unavailable; retry shortly", "unavailable")
    return Response(body, status_code=503, headers={"Retry-After": "2"})


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return Response(error_body(500, "Internal server error"), status_code=500)
