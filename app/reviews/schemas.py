from __future__ import annotations

from typing import Annotated

import msgspec

Stars = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 to 5")]
ReviewText = Annotated[str, msgspec.Meta(max_length=2000)]
ResponseText = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ReviewCreate(msgspec.Struct, forbid_unknown_fields=True):
    rating: Stars
    text: ReviewText | None = None


class ResponseCreate(msgspec.Struct, forbid_unknown_fields=True):
    text: ResponseText


class ReviewHide(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class ReviewResponse(msgspec.Struct):
    text: str
    created_at: str


class ReviewOut(msgspec.Struct):
    id: int
    rating: int
    text: str
    student_first_name: str
    created_at: str
    response: ReviewResponse | None


class LessonReview(msgspec.Struct):
    """A lesson's review as its booking carries it (one an admin hid too: the lesson stays reviewed)."""

    id: int
    rating: int


class RatingSummary(msgspec.Struct):
    average: float | None  # null without visible reviews
    count: int


class ReviewPage(msgspec.Struct):
    average: float | None
    count: int
    items: list[ReviewOut]


class HiddenReview(msgspec.Struct):
    id: int
    hidden: bool
    reason: str
    hidden_at: str
