"""The public profile (`GET /api/instructors/{id}`): public for live instructors, always for the
instructor itself and admins, else 404 (the same 404 as for no such instructor)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.availability.open_slots import compute_open_slots
from app.catalog.schemas import ServiceSummary
from app.core.auth import CurrentUser
from app.core.errors import ApiError
from app.core.time import now, slot_time_iso, today_in
from app.instructors.live import is_live
from app.instructors.profile import bio_of, offers_for_bio, stored_profile
from app.instructors.profile_schemas import OfferedService, PublicLocation, PublicProfile, Rating
from app.instructors.service import Instructor, find_instructor
from app.media.service import picture_of
from app.reviews.schemas import ReviewOut
from app.reviews.service import rating_of, recent_reviews
from app.services import Services

NEXT_SLOTS = 5
NEXT_SLOT_DAYS = 14


async def rating_and_reviews(instructor_id: int) -> tuple[Rating, list[ReviewOut]]:
    # The one call site for the rating summary and the 10 newest visible reviews.
    summary = await rating_of(instructor_id)
    recent = await recent_reviews(instructor_id, limit=10)
    return Rating(average=summary.average, count=summary.count), recent


async def next_open_starts(instructor: Instructor, offers: list[dict[str, Any]]) -> list[str]:
    """Up to 5 starts over the next 14 days for the shortest duration the instructor offers."""
    durations = [d for offer in offers for d in offer["durations_minutes"]]
    if not durations:
        return []
    at = now()
    first = today_in(instructor.tz, at)
    last = first + timedelta(days=NEXT_SLOT_DAYS - 1)
    slots = await compute_open_slots(instructor, first, last, min(durations), now=at)
    return [slot_time_iso(start, instructor.tz) for start, _ in slots[:NEXT_SLOTS]]


async def public_profile(services: Services, instructor_id: int, viewer: CurrentUser | None) -> PublicProfile:
    instructor = await find_instructor(instructor_id)
    privileged = viewer is not None and (viewer.id == instructor_id or viewer.role == "admin")
    if not privileged and not await is_live(instructor_id):
        raise ApiError(404, f"No instructor with id {instructor_id}", code="not_found")
    profile = await stored_profile(instructor_id)
    offers = await offers_for_bio(instructor_id)
    bio, generated = bio_of(instructor.full_name, profile, offers)
    rating, reviews = await rating_and_reviews(instructor_id)
    return PublicProfile(
        id=instructor_id,
        full_name=instructor.full_name,
        headline=profile["headline"] if profile else None,
        bio=bio,
        bio_generated=generated,
        picture=await picture_of(services, instructor_id),
        location=PublicLocation(
            neighborhood=profile["neighborhood"] if profile else None,
            borough=profile["borough"] if profile else None,
        ),
        services=[
            OfferedService(
                service=ServiceSummary(o["service_id"], o["slug"], o["name"]),
                hourly_rate_cents=o["hourly_rate_cents"],
                durations_minutes=o["durations_minutes"],
                age_groups=o["age_groups"],
                locations=o["locations"],
            )
            for o in offers
        ],
        rating=rating,
        reviews=reviews,
        next_slots=await next_open_starts(instructor, offers),
    )
