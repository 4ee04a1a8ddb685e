from __future__ import annotations

from litestar import Request, Router, get, post

from app.core.auth import admins_only
from app.core.openapi import BEARER, errors
from app.core.params import Id, PageSize
from app.reviews import service
from app.reviews.schemas import HiddenReview, ResponseCreate, ReviewCreate, ReviewHide, ReviewOut, ReviewPage
from app.services import Services


@post(
    "/bookings/{booking_id:str}/review",
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 404, 409, 503),
    summary="Review a completed lesson (its student, once)",
    description="409 `not_completed` before the lesson is completed, `already_reviewed` the second time; "
    "404 for anyone but the lesson's student.",
)
async def review_lesson(request: Request, services: Services, booking_id: Id, data: ReviewCreate) -> ReviewOut:
    return await service.review_lesson(services, request.user.id, booking_id, data)


@post(
    "/reviews/{review_id:str}/response",
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 404, 409),
    summary="Respond to a review (the reviewed instructor, once)",
    description="409 `already_responded` the second time; 404 for anyone but the reviewed instructor.",
)
async def respond_to_review(request: Request, review_id: Id, data: ResponseCreate) -> ReviewOut:
    return await service.respond(request.user.id, review_id, data.text)


@get(
    "/instructors/{instructor_id:str}/reviews",
    exclude_from_auth=True,
    responses=errors(400, 404),
    summary="An instructor's visible reviews, newest first, with the average and count (public)",
)
async def list_reviews(instructor_id: Id, before: Id | None = None, limit: PageSize = 20) -> ReviewPage:
    return await service.reviews_page(instructor_id, before, limit)


@post(
    "/admin/reviews/{review_id:str}/hide",
    guards=[admins_only],
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 404),
    summary="Hide an abusive review (admins): it leaves the list and the average",
)
async def hide_review(review_id: Id, data: ReviewHide) -> HiddenReview:
    return await service.hide(review_id, data)


router = Router("/api", route_handlers=[review_lesson, respond_to_review, list_reviews, hide_review], tags=["reviews"])
