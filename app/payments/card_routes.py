from __future__ import annotations

from litestar import Request, Router, delete, get, post
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_204_NO_CONTENT

from app.core.auth import students_only
from app.core.openapi import BEARER, Error, errors
from app.core.params import Id
from app.payments import cards
from app.payments.cards import CardAdd, CardOut
from app.services import Services

CARD_REFUSED = {
    402: ResponseSpec(
        data_container=Error, description="Stripe refused the card: `code` is Stripe's", generate_examples=False
    )
}


@post(
    "/me/payment-methods",
    guards=[students_only],
    status_code=201,
    security=BEARER,
    responses={**errors(400, 401, 403, 503), **CARD_REFUSED},
    summary="Save a card (students); it becomes the default",
    description="`payment_method_id`: what Stripe.js returned, or a test id (`pm_card_visa`, "
    "`pm_card_chargeDeclined`, ...). 400 `invalid_payment_method` when Stripe knows no such card. "
    "Every failed authorization of the student is retried at once.",
)
async def add_payment_method(request: Request, services: Services, data: CardAdd) -> CardOut:
    return await cards.add_card(services, request.user, data.payment_method_id)


@get(
    "/me/payment-methods",
    guards=[students_only],
    security=BEARER,
    responses=errors(401, 403),
    summary="The caller's saved cards, newest (the default) first",
)
async def list_payment_methods(request: Request) -> list[CardOut]:
    return await cards.cards_of(request.user.id)


@delete(
    "/me/payment-methods/{card_id:str}",
    guards=[students_only],
    status_code=HTTP_204_NO_CONTENT,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 503),
    summary="Remove a saved card; the next newest becomes the default",
)
async def remove_payment_method(request: Request, services: Services, card_id: Id) -> None:
    await cards.remove_card(services, request.user.id, card_id)


router = Router(
    "/api", route_handlers=[add_payment_method, list_payment_methods, remove_payment_method], tags=["payments"]
)
