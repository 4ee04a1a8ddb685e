from __future__ import annotations

from typing import TYPE_CHECKING

from app.accounts.tables import User
from app.catalog import discovery
from app.catalog.schemas import (
    CategoryOut,
    InstructorOut,
    InstructorServiceOut,
    InstructorServiceUpdate,
    ServiceSummary,
)
from app.catalog.tables import Category, InstructorService, Service
from app.core.db import upsert
from app.core.errors import ApiError, bad_input

if TYPE_CHECKING:
    from app.services import Services

MAX_RATE_CENTS = 100_000


async def categories() -> list[CategoryOut]:
    cats = await Category.select().order_by(Category.display_order).order_by(Category.id)
    services = await Service.select(Service.id, Service.slug, Service.name, Service.category).order_by(Service.id)
    by_category: dict[int, list[ServiceSummary]] = {}
    for s in services:
        by_category.setdefault(s["category"], []).append(ServiceSummary(s["id"], s["slug"], s["name"]))
    return [
        CategoryOut(
            id=c["id"], slug=c["slug"], name=c["name"], icon=c["icon"], subtitle=c["subtitle"],
            display_order=c["display_order"], services=by_category.get(c["id"], []),
        )
        for c in cats
    ]  # fmt: skip


def offer_problems(data: InstructorServiceUpdate) -> list[dict[str, str]]:
    problems = []
    if not 100 <= data.hourly_rate_cents <= MAX_RATE_CENTS:
        problems.append({"key": "hourly_rate_cents", "message": f"Must be between 100 and {MAX_RATE_CENTS}"})
    if not data.durations_minutes:
        problems.append({"key": "durations_minutes", "message": "Offer at least one duration"})
    for i, d in enumerate(data.durations_minutes):
        if d % 15 or not 15 <= d <= 240:
            problems.append({"key": f"durations_minutes[{i}]", "message": "A multiple of 15 from 15 to 240"})
    if not data.age_groups:
        problems.append({"key": "age_groups", "message": "Name at least one age group"})
    if not data.locations:
        problems.append({"key": "locations", "message": "Name at least one location"})
    return problems


async def offer_service(
    instructor_id: int, service_id: int, data: InstructorServiceUpdate, services: Services | None = None
) -> InstructorServiceOut:
    problems = offer_problems(data)
    if problems:
        raise bad_input(problems)
    service = await Service.select(Service.id, Service.name).where(Service.id == service_id).first()
    if service is None:
        raise ApiError(404, f"No service with id {service_id}", code="not_found")
    values = {
        InstructorService.hourly_rate_cents: data.hourly_rate_cents,
        InstructorService.durations_minutes: sorted(set(data.durations_minutes)),
        InstructorService.age_groups: sorted(set(data.age_groups)),
        InstructorService.locations: sorted(set(data.locations)),
    }
    key = {InstructorService.instructor: instructor_id, InstructorService.service: service_id}
    async with discovery.changing(services) as effects:
        await upsert(InstructorService, key, values)
        await discovery.record_change(effects, instructor_id)
    return InstructorServiceOut(
        service_id=service_id, name=service["name"], hourly_rate_cents=data.hourly_rate_cents,
        durations_minutes=values[InstructorService.durations_minutes],
        age_groups=values[InstructorService.age_groups], locations=values[InstructorService.locations],
    )  # fmt: skip


async def withdraw_service(instructor_id: int, service_id: int, services: Services | None = None) -> None:
    async with discovery.changing(services) as effects:
        deleted = (
            await InstructorService.delete()
            .where((InstructorService.instructor == instructor_id) & (InstructorService.service == service_id))
            .returning(InstructorService.id)
        )
        if not deleted:
            raise ApiError(404, f"You do not offer service {service_id}", code="not_found")
        await discovery.record_change(effects, instructor_id)


async def offers_of(instructor_ids: list[int] | None = None) -> dict[int, list[InstructorServiceOut]]:
    query = InstructorService.select(
        InstructorService.instructor, InstructorService.service, InstructorService.service.name,
        InstructorService.hourly_rate_cents, InstructorService.durations_minutes,
        InstructorService.age_groups, InstructorService.locations,
    ).order_by(InstructorService.service)  # fmt: skip
    if instructor_ids is not None:
        query = query.where(InstructorService.instructor.is_in(instructor_ids or [0]))
    offers: dict[int, list[InstructorServiceOut]] = {}
    for row in await query:
        offers.setdefault(row["instructor"], []).append(
            InstructorServiceOut(
                service_id=row["service"], name=row["service.name"], hourly_rate_cents=row["hourly_rate_cents"],
                durations_minutes=row["durations_minutes"], age_groups=row["age_groups"], locations=row["locations"],
            )
        )  # fmt: skip
    return offers


async def bookable_instructors() -> list[InstructorOut]:
    offers = await offers_of()
    users = (
        await User.select(User.id, User.full_name, User.timezone)
        .where((User.role == "instructor") & User.id.is_in(list(offers) or [0]))
        .order_by(User.full_name)
    )
    return [InstructorOut(u["id"], u["full_name"], u["timezone"], offers[u["id"]]) for u in users]
