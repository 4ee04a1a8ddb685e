from __future__ import annotations

from typing import Annotated

import msgspec

from app.catalog.schemas import ServiceSummary
from app.reviews.schemas import ReviewOut

# Bounds of app.instructors.profile (HEADLINE_MAX, BIO_MAX, RADIUS_MIN/MAX); the service names each problem.
Headline = Annotated[str, msgspec.Meta(max_length=120)]
Bio = Annotated[str, msgspec.Meta(max_length=2000)]
Miles = Annotated[float, msgspec.Meta(ge=0.5, le=50)]


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Exactly one of: `zip`, `neighborhood`, `borough`, or `lat` with `lng` (in New York City)."""

    zip: Annotated[str, msgspec.Meta(max_length=80)] | msgspec.UnsetType = msgspec.UNSET
    neighborhood: Annotated[str, msgspec.Meta(max_length=80)] | msgspec.UnsetType = msgspec.UNSET
    borough: Annotated[str, msgspec.Meta(max_length=80)] | msgspec.UnsetType = msgspec.UNSET
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)] | msgspec.UnsetType = msgspec.UNSET
    lng: Annotated[float, msgspec.Meta(ge=-180, le=180)] | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, object]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}


class ProfileUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """The whole profile: a headline or bio left out (or blank) is cleared."""

    location: LocationIn
    service_radius_miles: Miles
    headline: Headline | None = None
    bio: Bio | None = None


class ProfileLocation(msgspec.Struct):
    zip: str | None
    neighborhood: str | None
    borough: str | None
    lat: float
    lng: float


class ProfileOut(msgspec.Struct):
    instructor_id: int
    headline: str | None
    # The instructor's own words, or one generated from the profile when they wrote none.
    bio: str
    bio_generated: bool
    location: ProfileLocation | None
    service_radius_miles: float | None
    # Whether onboarding's profile step is done: a headline or bio, a place and a radius.
    complete: bool


class PublicLocation(msgspec.Struct):
    neighborhood: str | None
    borough: str | None


class OfferedService(msgspec.Struct):
    service: ServiceSummary
    hourly_rate_cents: int
    durations_minutes: list[int]
    age_groups: list[str]
    locations: list[str]


class Rating(msgspec.Struct):
    average: float | None
    count: int


class PublicProfile(msgspec.Struct):
    id: int
    full_name: str
    headline: str | None
    bio: str
    bio_generated: bool
    picture: dict | None
    location: PublicLocation
    services: list[OfferedService]
    rating: Rating
    # Up to 10 visible reviews, newest first.
    reviews: list[ReviewOut]
    next_slots: list[str]
