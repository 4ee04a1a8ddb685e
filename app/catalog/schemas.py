from __future__ import annotations

from typing import Literal

import msgspec

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
    hourly_rate_cents: int
    durations_minutes: list[int]
    age_groups: list[AgeGroup]
    locations: list[Location]


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
