from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get, post
from litestar.params import HeaderParameter

from app.availability.service import find_instructor
from app.bookings import events, service
from app.bookings.schemas import BookingCreate, BookingOut
from app.core.auth import students_only


@post("/bookings", guards=[students_only], status_code=201, summary="Book (or hold) an open slot")
async def create_booking(
    request: Request,
    data: BookingCreate,
    idempotency_key: Annotated[str | None, HeaderParameter(name="Idempotency-Key", max_length=200)] = None,
) -> Response[BookingOut]:
    booked = await service.create_booking(request.user.id, data, idempotency_key)
    booking = booked.booking
    if booked.created:
        hub = request.app.state.hub
        await events.booking_changed(hub, booked.instructor, booking, by=request.user.id)
        if booking["status"] == "held":
            # arq's job ids are not prefixed: ours carry the deployment prefix so deployments never collide.
            job_id = f"{request.app.state.settings.redis_prefix}hold:{booking['id']}"
            await request.app.state.arq.enqueue_job(
                "release_expired_hold", booking["id"], _job_id=job_id, _defer_until=booking["expires_at"]
            )
        else:
            await events.notify_booked(hub, booked.instructor, booking)
    return Response(service.booking_out(booking, booked.instructor.timezone), status_code=201)


@post("/bookings/{booking_id:int}/confirm", guards=[students_only], status_code=200)
async def confirm_booking(request: Request, booking_id: int) -> BookingOut:
    before = await service.get_booking(booking_id)
    booking = await service.confirm_booking(request.user.id, booking_id)
    instructor = await find_instructor(booking["instructor"])
    if before["status"] == "held":
        await events.booking_changed(request.app.state.hub, instructor, booking, by=request.user.id)
        await events.notify_booked(request.app.state.hub, instructor, booking)
    return service.booking_out(booking, instructor.timezone)


@post("/bookings/{booking_id:int}/cancel", status_code=200, summary="Cancel under the automated policy")
async def cancel_booking(request: Request, booking_id: int) -> dict[str, Any]:
    booking, changed = await service.cancel_booking(request.user.id, booking_id)
    instructor = await find_instructor(booking["instructor"])
    if changed:
        hub = request.app.state.hub
        await events.booking_changed(hub, instructor, booking, by=request.user.id)
        await events.notify_cancelled(hub, instructor, booking, by=request.user.id)
    out = service.booking_out(booking, instructor.timezone)
    return {**{f: getattr(out, f) for f in out.__struct_fields__ if getattr(out, f) is not None},
            "policy": service.policy_of(booking)}  # fmt: skip


@get("/bookings", summary="The caller's bookings")
async def list_bookings(
    request: Request,
    role: Literal["student", "instructor"] = "student",
    when: Literal["upcoming", "past"] = "upcoming",
) -> list[BookingOut]:
    rows = await service.bookings_of(request.user.id, role, when)
    return [service.booking_out(r, r["instructor.timezone"]) for r in rows]


router = Router(
    "/api", route_handlers=[create_booking, confirm_booking, cancel_booking, list_bookings], tags=["bookings"]
)
