from __future__ import annotations

from litestar import Request, Router, get, post

from app.core.auth import admins_only
from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.payments import credits
from app.payments.schemas import CreditEntryOut, Credits, GoodwillCredit
from app.services import Services


@get("/me/credits", security=BEARER, responses=errors(401), summary="The caller's credit balance and entries")
async def my_credits(request: Request) -> Credits:
    return await credits.credits_of(request.user.id)


@post(
    "/admin/users/{user_id:str}/credits",
    guards=[admins_only],
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409, 503),
    summary="Give (or take back) goodwill credit (admins)",
    description="A negative amount takes credit back; 409 `insufficient_credits` when the balance would go "
    "below zero (the database refuses it; `balance_cents` says what there is). 404: no such user.",
)
async def grant_credit(services: Services, user_id: Id, data: GoodwillCredit) -> CreditEntryOut:
    return await credits.grant_goodwill(services, user_id, data)


router = Router("/api", route_handlers=[my_credits, grant_credit], tags=["payments"])
