from __future__ import annotations

from typing import Annotated, Literal

from litestar import Request, Response, Router, get, post
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter

from app.bookings import cancel, complete, reschedule, service
from app.bookings.schemas import BookingCreate, BookingOut, CancelPolicy, CancelResult, Reschedule
from app.core.auth import students_only
from app.core.openapi import BEARER, Error, errors
from app.core.params import Id
from app.services import Services

PAYMENT_REFUSED = {
    402: ResponseSpec(
        data_container=Error,
        description="Payment required: `payment_method_required` (no card, credits short), or the card refused "
        "the authorization (`card_declined`, `authentication_required`)",
        generate_examples=False,
    )
}
PAYMENT_UNAVAILABLE = {
    503: ResponseSpec(
        data_container=Error,
        description="`payment_unavailable`: Stripe could not be reached for the card's authorization (after "
        "retries); nothing was booked or changed and credits are back: retry after `Retry-After` seconds (with "
        "the same `Idempotency-Key` for a booking)",
        generate_examples=False,
    )
}


@post(
    "/bookings",
    guards=[students_only],
    status_code=201,
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 409), **PAYMENT_REFUSED, **PAYMENT_UNAVAILABLE},
    summary="Book (or hold) an open slot (students)",
    description="Priced at booking; the student's credits pay first, the card the rest (`payment`); a hold "
    "spends no credits until its confirm. 404: unknown instructor or service. 409 `slot_taken`: not open, in "
    "the past, inside the minimum notice or overlapping a live booking; 409 `idempotency_key_reused`: the key "
    "came with another body; 409 `credit_balance_changed`: another booking spent the same credits meanwhile "
    "(nothing was booked; book again). 402 `payment_method_required`: no saved card and credits short of the "
    "price; 402 `card_declined` / `authentication_required`: a lesson less than 24 h ahead is authorized "
    "before the answer and the card refused (no booking is left). 503 `payment_unavailable`: Stripe could not "
    "be reached for that authorization (no booking is left; retry with the same key).",
)
async def create_booking(
    request: Request,
    services: Services,
    data: BookingCreate,
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            min_length=1,
            max_length=200,
            description="A retry with the same key and body returns the same booking",
        ),
    ] = None,
) -> Response[BookingOut]:
    booked = await service.create_booking(services, request.user.id, data, idempotency_key)
    booking = await service.with_parties(booked.booking)
    return Response(service.booking_out(booking, booked.instructor.timezone), status_code=201)


@post(
    "/bookings/{booking_id:str}/confirm",
    guards=[students_only],
    status_code=200,
    security=BEARER,
    responses={**errors(400, 401, 403, 404, 409), **PAYMENT_REFUSED, **PAYMENT_UNAVAILABLE},
    summary="Confirm a held booking (its student)",
    description="Spends the student's credits first, as a booking does. 409 `hold_expired`: the hold expired or "
    "was cancelled; 409 `credit_balance_changed`: another booking spent the same credits meanwhile (the hold "
    "stays; confirm again). 402 as for a booking (the hold stays until it expires: add another card); 503 "
    "`payment_unavailable`: Stripe could not be reached (the hold stays; confirm again).",
)
async def confirm_booking(request: Request, services: Services, booking_id: Id) -> BookingOut:
    booking, instructor = await service.confirm_booking(services, request.user.id, booking_id)
    return service.booking_out(await service.with_parties(booking), instructor.timezone)


@post(
    "/bookings/{booking_id:str}/cancel",
    status_code=200,
    security=BEARER,
    responses={**errors(400, 401, 404, 409), **PAYMENT_UNAVAILABLE},
    summary="Cancel under the automated policy (its student or instructor)",
    description="`policy` says what happened to the money (API.md's cancel table) and in words. Cancelling "
    "twice returns the same result; 409 `already_completed` for a completed lesson. A student's late cancel "
    "of a lesson not authorized yet authorizes the card first: a decline charges nothing (payment `failed`, "
    "credits back); 503 `payment_unavailable` when Stripe cannot be reached (nothing changes).",
)
async def cancel_booking(request: Request, services: Services, booking_id: Id) -> CancelResult:
    booking, instructor = await cancel.cancel_booking(services, request.user.id, booking_id)
    return cancel.cancel_result(await service.with_parties(booking), instructor.timezone)


@get(
    "/bookings/{booking_id:str}/cancellation",
    security=BEARER,
    responses=errors(400, 401, 404, 409),
    summary="What cancelling now would do (its student or instructor); nothing changes",
    description="A cancelled booking answers what its cancellation did; 409 `already_completed` for a "
    "completed lesson.",
)
async def quote_cancellation(request: Request, booking_id: Id) -> CancelPolicy:
    return await cancel.quote_cancellation(request.user.id, booking_id)


@post(
    "/bookings/{booking_id:str}/reschedule",
    status_code=200,
    security=BEARER,
    responses={**errors(400, 401, 404, 409), **PAYMENT_REFUSED, **PAYMENT_UNAVAILABLE},
    summary="Move a booking to another open slot of the same length (its student or instructor)",
    description="Same id, price and payment at the new time. 409 `slot_taken`: the new time is not an open "
    "slot; 409 `reschedule_closed`: the lesson starts 24 hours ahead or sooner; 409 `not_reschedulable`: the "
    "booking is not confirmed. 402 `card_declined` / `authentication_required`: a new start less than 24 h "
    "ahead is authorized at once and the card refused (the booking stays at its old time); 503 "
    "`payment_unavailable`: Stripe could not be reached for it (nothing changes). A move refused after that "
    "authorization releases it.",
)
async def reschedule_booking(request: Request, services: Services, booking_id: Id, data: Reschedule) -> BookingOut:
    booking, instructor = await reschedule.reschedule_booking(services, request.user.id, booking_id, data)
    return service.booking_out(await service.with_parties(booking), instructor.timezone)


@post(
    "/bookings/{booking_id:str}/complete",
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409, 503),
    summary="Mark a lesson completed (its instructor, after its end)",
    description="The worker then captures the card's share and transfers price - fee. Completing twice "
    "returns the same booking. 403 `not_the_instructor`: its student; 409 `lesson_not_ended`: before its "
    "end; 409 `not_completable`: a cancelled or held booking; 409 `payment_failed`: the card's authorization "
    "failed (the failure deadline cancels the lesson as unpaid).",
)
async def complete_booking(request: Request, services: Services, booking_id: Id) -> BookingOut:
    booking, instructor = await complete.complete_booking(services, request.user.id, booking_id)
    return service.booking_out(await service.with_parties(booking), instructor.timezone)


@get(
    "/bookings/{booking_id:str}",
    security=BEARER,
    responses=errors(400, 401, 404),
    summary="One booking with its price and payment (its student, its instructor, admins)",
    description="404 for anyone else, as for a booking that does not exist.",
)
async def get_booking(request: Request, booking_id: Id) -> BookingOut:
    booking = await service.booking_for(request.user, booking_id)
    return service.booking_out(booking, booking["instructor_timezone"])


@get(
    "/bookings",
    security=BEARER,
    responses=errors(400, 401),
    summary="The caller's bookings",
    description="Each with its lesson's `review` (`id`, `rating`), null while it has none, so any device shows "
    "which lessons are reviewed.",
)
async def list_bookings(
    request: Request,
    role: Literal["student", "instructor"] = "student",
    when: Literal["upcoming", "past", "cancelled"] = "upcoming",
) -> list[BookingOut]:
    rows = await service.bookings_of(request.user.id, role, when)
    return [service.booking_out(r, r["instructor.timezone"]) for r in rows]


router = Router(
    "/api",
    route_handlers=[
        create_booking, confirm_booking, cancel_booking, quote_cancellation, reschedule_booking, complete_booking,
        list_bookings, get_booking,
    ],
    tags=["bookings"],
)  # fmt: skip
