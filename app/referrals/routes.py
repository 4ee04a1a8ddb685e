from __future__ import annotations

from litestar import Request, Router, get

from app.core.openapi import BEARER, errors
from app.referrals import service
from app.referrals.schemas import ReferralOut


@get(
    "/me/referral",
    security=BEARER,
    responses=errors(401),
    summary="The caller's referral code and link, how many signed up with it and the credit it earned",
)
async def my_referral(request: Request) -> ReferralOut:
    return await service.referral_of(request.user.id, str(request.base_url))


router = Router("/api", route_handlers=[my_referral], tags=["referrals"])
