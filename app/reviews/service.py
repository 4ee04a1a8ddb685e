"""Reviews of completed lessons: one per lesson (the database's UNIQUE holds it under races), one
response by the instructor, hidden by admins; the per-instructor summary is kept by a trigger in
the reviewing transaction (piccolo_migrations/instainstru_0014_...)."""

from __future__ import annotations

from typing import Any

import asyncpg

from app.bookings.events import _when
from app.bookings.tables import Booking, BookingStatus
from app.core.errors import ApiError
from app.core.outbox import change
from app.core.time import now
from app.instructors.service import instructor_exists
from app.notifications.service import notify
from app.reviews.schemas import (
    HiddenReview,
    LessonReview,
    RatingSummary,
    ReviewCreate,
    ReviewHide,
    ReviewOut,
    ReviewPage,
    ReviewResponse,
)
from app.reviews.tables import Review, ReviewSummary
from app.services import Services

COLUMNS = (
    Review.id, Review.rating, Review.text, Review.response, Review.responded_at, Review.created_at,
    Review.student.full_name.as_alias("student_name"),
)  # fmt: skip


def first_name(full_name: str) -> str:
    return (full_name.split() or [""])[0]


def review_out(row: dict[str, Any]) -> ReviewOut:
    response = None
    if row["response"] is not None:
        response = ReviewResponse(text=row["response"], created_at=row["responded_at"].isoformat())
    return ReviewOut(
        id=row["id"],
        rating=row["rating"],
        text=row["text"],
        student_first_name=first_name(row["student_name"]),
        created_at=row["created_at"].isoformat(),
        response=response,
    )


def not_found(what: str, id_: int) -> ApiError:
    return ApiError(404, f"No {what} with id {id_}", code="not_found")


async def _review(review_id: int) -> dict[str, Any]:
    row = await Review.select(*COLUMNS).where(Review.id == review_id).first()
    if row is None:
        raise not_found("review", review_id)
    return row


async def review_lesson(services: Services, student_id: int, booking_id: int, data: ReviewCreate) -> ReviewOut:
    """Its student, once the lesson is completed; anyone else is told there is no such booking."""
    lesson = (
        await Booking.select(
            Booking.id, Booking.student, Booking.instructor, Booking.status, Booking.start_at, Booking.end_at,
            Booking.student.full_name.as_alias("student_name"), Booking.service.name.as_alias("service_name"),
            Booking.instructor.timezone.as_alias("instructor_timezone"),
        ).where(Booking.id == booking_id).first()
    )  # fmt: skip
    if lesson is None or lesson["student"] != student_id:
        raise not_found("booking", booking_id)
    if lesson["status"] != BookingStatus.completed:
        raise ApiError(409, "Only a completed lesson can be reviewed", code="not_completed")
    if await Review.exists().where(Review.booking == booking_id):
        raise already_reviewed()
    try:
        async with change(services.relay) as effects:
            rows = await Review.insert(
                Review(
                    booking=booking_id, instructor=lesson["instructor"], student=student_id, rating=data.rating,
                    text=(data.text or "").strip(), created_at=now(),
                )
            ).returning(Review.id)  # fmt: skip
            review_id = rows[0]["id"]
            await _notify_received(effects, lesson, review_id, data.rating)
    except asyncpg.UniqueViolationError:
        # A concurrent review of the same lesson won: the constraint, not our check, decides.
        raise already_reviewed() from None
    return review_out(await _review(review_id))


async def reviews_of_lessons(booking_ids: list[int]) -> dict[int, LessonReview]:
    """By booking id, for the lessons that have a review."""
    if not booking_ids:
        return {}
    rows = await Review.select(Review.id, Review.booking, Review.rating).where(Review.booking.is_in(booking_ids))
    return {row["booking"]: LessonReview(id=row["id"], rating=row["rating"]) for row in rows}


def already_reviewed() -> ApiError:
    return ApiError(409, "This lesson is already reviewed", code="already_reviewed")


async def _notify_received(effects: Any, lesson: dict[str, Any], review_id: int, rating: int) -> None:
    student, service = first_name(lesson["student_name"]), lesson["service_name"]
    minutes = round((lesson["end_at"] - lesson["start_at"]).total_seconds() / 60)
    when = _when(lesson["start_at"], lesson["instructor_timezone"])
    body = f"{student} rated the {minutes}-minute {service} lesson on {when} {rating} out of 5."
    data = {"review_id": review_id, "booking_id": lesson["id"], "instructor_id": lesson["instructor"], "rating": rating}
    await notify(
        effects, lesson["instructor"], "review.received", f"{student} reviewed your {service} lesson", body, data
    )


async def respond(instructor_id: int, review_id: int, text: str) -> ReviewOut:
    """The reviewed instructor, once; anyone else is told there is no such review."""
    owner = await Review.select(Review.instructor).where(Review.id == review_id).first()
    if owner is None or owner["instructor"] != instructor_id:
        raise not_found("review", review_id)
    answered = (
        await Review.update({Review.response: text.strip() or text, Review.responded_at: now()})
        .where((Review.id == review_id) & Review.response.is_null())
        .returning(Review.id)
    )
    if not answered:
        raise ApiError(409, "This review already has your response", code="already_responded")
    return review_out(await _review(review_id))


async def hide(review_id: int, data: ReviewHide) -> HiddenReview:
    """Admins; hiding twice keeps the first hiding (and the trigger subtracts the review once)."""
    await Review.update({Review.hidden_at: now(), Review.hidden_reason: data.reason}).where(
        (Review.id == review_id) & Review.hidden_at.is_null()
    )
    row = await Review.select(Review.id, Review.hidden_at, Review.hidden_reason).where(Review.id == review_id).first()
    if row is None:
        raise not_found("review", review_id)
    return HiddenReview(id=row["id"], hidden=True, reason=row["hidden_reason"], hidden_at=row["hidden_at"].isoformat())


def _summary(row: dict[str, Any] | None) -> RatingSummary:
    if not row or not row["review_count"]:
        return RatingSummary(average=None, count=0)
    return RatingSummary(average=round(row["rating_sum"] / row["review_count"], 2), count=row["review_count"])


async def ratings_of(instructor_ids: list[int]) -> dict[int, RatingSummary]:
    """Every instructor's summary in one query (search results, profiles)."""
    rows = await ReviewSummary.select(
        ReviewSummary.instructor, ReviewSummary.review_count, ReviewSummary.rating_sum
    ).where(ReviewSummary.instructor.is_in(instructor_ids or [0]))
    found = {row["instructor"]: _summary(row) for row in rows}
    return {id_: found.get(id_, _summary(None)) for id_ in instructor_ids}


async def rating_of(instructor_id: int) -> RatingSummary:
    return (await ratings_of([instructor_id]))[instructor_id]


async def recent_reviews(instructor_id: int, before: int | None = None, limit: int = 10) -> list[ReviewOut]:
    """Visible reviews, newest first."""
    condition = (Review.instructor == instructor_id) & Review.hidden_at.is_null()
    if before is not None:
        condition &= Review.id < before
    rows = await Review.select(*COLUMNS).where(condition).order_by(Review.id, ascending=False).limit(limit)
    return [review_out(row) for row in rows]


async def reviews_page(instructor_id: int, before: int | None, limit: int) -> ReviewPage:
    if not await instructor_exists(instructor_id):
        raise not_found("instructor", instructor_id)
    summary = await rating_of(instructor_id)
    items = await recent_reviews(instructor_id, before, limit)
    return ReviewPage(average=summary.average, count=summary.count, items=items)
