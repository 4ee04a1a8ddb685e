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
