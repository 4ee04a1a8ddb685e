from __future__ import annotations

from datetime import UTC, datetime

import msgspec
from litestar import Request, Router, get, post
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from app.accounts import service
from app.accounts.schemas import LoginResult, Me, UserLogin, UserOut, UserRegister
from app.core.auth import CurrentUser
from app.core.errors import ApiError
from app.core.openapi import BEARER, errors
from app.media.schemas import Picture
from app.media.service import picture_of
from app.services import Services


@post(
    "/auth/register",
    status_code=HTTP_201_CREATED,
    exclude_from_auth=True,
    responses=errors(400, 409, 429, 503),
    description="400 also for a weak password, a bad email or an unknown time zone; 409 `email_taken`.",
)
async def register(services: Services, data: UserRegister) -> UserOut:
    return await service.register(data, services.passwords)


@post(
    "/auth/login",
    status_code=200,
    exclude_from_auth=True,
    responses=errors(400, 401, 429, 503),
    description="401 `bad_credentials`; 429 `too_many_attempts` after repeated failures for one email.",
)
async def login(services: Services, data: UserLogin) -> LoginResult:
    limiter = services.login_limiter
    await limiter.refuse_if_locked(data.email)
    user = await service.check_password(data.email, data.password, services.passwords)
    if user is None:
        await limiter.record_failure(data.email)
        raise ApiError(401, "Wrong email or password", code="bad_credentials")
    token, expires = services.tokens.issue(user.id)
    user = await service.with_managed_calendars(user)
    return LoginResult(token=token, expires_at=datetime.fromtimestamp(expires, UTC).isoformat(), user=user)


@post("/auth/logout", status_code=HTTP_204_NO_CONTENT, security=BEARER, responses=errors(401, 503))
async def logout(request: Request[CurrentUser, str, object], services: Services) -> None:
    await service.log_out(services, request.user)


@get("/me", security=BEARER, responses=errors(401))
async def me(request: Request[CurrentUser, str, object], services: Services) -> Me:
    u = request.user
    user = UserOut(id=u.id, email=u.email, full_name=u.full_name, role=u.role, timezone=u.timezone)
    user = await service.with_managed_calendars(user)
    picture = await picture_of(services, u.id)
    return Me(**msgspec.structs.asdict(user), picture=msgspec.convert(picture, Picture) if picture else None)


router = Router("/api", route_handlers=[register, login, logout, me], tags=["accounts"])
