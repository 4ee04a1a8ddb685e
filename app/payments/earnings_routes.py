from __future__ import annotations

from litestar import Request, Router, get, post

from app.core.auth import admins_only, instructors_only
from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.payments import connect, payouts, refunds
from app.payments.connect import PayoutsAccountLink
from app.payments.payouts import Earnings, PayoutOut, PayoutRequest
from app.payments.refunds import RefundOut, RefundRequest
from app.services import Services


@post(
    "/instructors/me/payouts-account",
    guards=[instructors_only],
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 403, 503),
    summary="The instructor's Connect Express account and a fresh onboarding link",
    description="The account is made once; each call returns a new link to its hosted onboarding page. "
    "The result arrives by webhook (`account.updated`).",
)
async def payouts_account(request: Request, services: Services) -> PayoutsAccountLink:
    return await connect.onboarding_link(services, request.user.id, str(request.base_url))


@get(
    "/instructors/me/earnings",
    guards=[instructors_only],
    security=BEARER,
    responses=errors(401, 403),
    summary="The instructor's pending, available and paid earnings and its payouts, newest first",
    description="`pending`: earned, not yet transferred (waiting for an active payouts account); `available`: "
    "transferred, not paid out; `paid`: payouts Stripe paid. A payout in flight counts in none until it is "
    "paid, or failed (available again).",
)
async def my_earnings(request: Request) -> Earnings:
    return await payouts.earnings_of(request.user.id)


@post(
    "/instructors/me/payouts",
    guards=[instructors_only],
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 403, 409, 503),
    summary="Pay out the whole available balance (instant: less its fee)",
    description="409 `payouts_not_set_up` without an active payouts account, `nothing_available` when "
    "nothing (or, instant, nothing beyond the fee) is available.",
)
async def request_payout(request: Request, services: Services, data: PayoutRequest) -> PayoutOut:
    return await payouts.request_payout(services, request.user.id, data.method)


@post(
    "/admin/bookings/{booking_id:str}/refund",
    guards=[admins_only],
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409, 503),
    summary="Refund a completed lesson's card payment, reversing the same share of the instructor's earning",
    description="409 `not_completed`, `nothing_captured`, `amount_too_large` (`refundable_cents` says what is "
    "left), `transfer_in_progress` (retry shortly).",
)
async def refund_booking(request: Request, services: Services, booking_id: Id, data: RefundRequest) -> RefundOut:
    return await refunds.refund_booking(services, request.user.id, booking_id, data)


router = Router(
    "/api", route_handlers=[payouts_account, my_earnings, request_payout, refund_booking], tags=["payments"]
)
