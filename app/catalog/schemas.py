from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.core.params import LessonMinutesField

AgeGroup = Literal["kids", "teens", "adults"]
Location = Literal["student_home", "instructor_studio", "online"]


class ServiceSummary(msgspec.Struct):
    id: int
    slug: str
    name: str


class CategoryOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    icon: str
    subtitle: str
    display_order: int
    services: list[ServiceSummary]


class InstructorServiceUpdate(msgspec.Struct, forbid_unknown_fields=True):
    hourly_rate_cents: Annotated[int, msgspec.Meta(ge=100, le=100_000)]  # service.MAX_RATE_CENTS
    durations_minutes: Annotated[list[LessonMinutesField], msgspec.Meta(min_length=1, max_length=16)]
    age_groups: Annotated[list[AgeGroup], msgspec.Meta(min_length=1, max_length=3)]
    locations: Annotated[list[Location], msgspec.Meta(min_length=1, max_length=3)]


class InstructorServiceOut(msgspec.Struct):
    service_id: int
    name: str
    hourly_rate_cents: int
    durations_minutes: list[int]
    age_groups: list[str]
    locations: list[str]


class InstructorOut(msgspec.Struct):
    id: int
    full_name: str
    timezone: str
    services: list[InstructorServiceOut]


Slug = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Icon = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
DisplayOrder = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]


class CategoryWrite(msgspec.Struct, forbid_unknown_fields=True):
    """A category as an admin creates (POST) or replaces (PUT) it."""

    slug: Slug
    name: Name
    icon: Icon
    subtitle: Annotated[str, msgspec.Meta(max_length=200)]
    display_order: DisplayOrder


class ServiceWrite(msgspec.Struct, forbid_unknown_fields=True):
    """A service as an admin creates (POST) or replaces (PUT) it, under an existing category."""

    slug: Slug
    name: Name
    category_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class CategorySummary(msgspec.Struct):
    id: int
    slug: str
    name: str


class ServiceOut(msgspec.Struct):
    id: int
    slug: str
    name: str
    category: CategorySummary
