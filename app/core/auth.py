"""Signed, revocable tokens shared by REST and websockets, the current user, and role guards."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from app.accounts.tables import RevokedToken, User

if TYPE_CHECKING:  # app.services imports Tokens from here
    from app.services import Services

ALGORITHM = "HS256"


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    full_name: str
    role: str
    timezone: str
    token_id: str
    token_expires: float


@dataclass(frozen=True)
class Tokens:
    secret: str
    ttl_seconds: int

    def issue(self, user_id: int) -> tuple[str, float]:
        now = time.time()
        expires = now + self.ttl_seconds
        claims = {"sub": str(user_id), "jti": uuid.uuid4().hex, "iat": int(now), "exp": int(expires)}
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM), float(int(expires))

    async def revoke(self, token_id: str, expires: float) -> None:
        await RevokedToken.delete().where(RevokedToken.expires_at < datetime.now(UTC))
        await RevokedToken.insert(
            RevokedToken(token_id=token_id, expires_at=datetime.fromtimestamp(expires, UTC))
        ).on_conflict(action="DO NOTHING")

    async def authenticate(self, token: str | None) -> CurrentUser | None:
        """The user behind a valid, unexpired, unrevoked token; None otherwise."""
        if not token:
            return None
        try:
            claims: dict[str, Any] = jwt.decode(token, self.secret, algorithms=[ALGORITHM])
            user_id = int(claims["sub"])
            token_id = str(claims["jti"])
        except (jwt.PyJWTError, KeyError, ValueError):
            return None
        rows = await User.raw(
            "SELECT id, email, full_name, role, timezone FROM users WHERE id = {} "
            "AND NOT EXISTS (SELECT 1 FROM revoked_tokens WHERE token_id = {})",
            user_id,
            token_id,
        )
        row = rows[0] if rows else None
        if row is None:
            return None
        return CurrentUser(**row, token_id=token_id, token_expires=float(claims["exp"]))


def bearer_token(headers: Any) -> str | None:
    value = headers.get("authorization") or ""
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class TokenAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        services: Services = connection.app.state.services
        user = await services.tokens.authenticate(bearer_token(connection.headers))
        if user is None:
            raise NotAuthorizedException("A valid bearer token is required")
        return AuthenticationResult(user=user, auth=user.token_id)


def requires_role(*roles: str):
    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.user.role not in roles:
            raise PermissionDeniedException(f"Only {' or '.join(roles)} accounts may do this")

    return guard


instructors_only = requires_role("instructor")
students_only = requires_role("student")
admins_only = requires_role("admin")
