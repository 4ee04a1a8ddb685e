"""Instructor profiles: headline, bio and a place in New York City with a service radius; a bio is
generated from the structured profile when the instructor wrote none."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from app.accounts.tables import User
from app.catalog.tables import InstructorService
from app.core.db import upsert
from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.instructors.profile_bio import Offer, generated_bio
from app.instructors.profile_schemas import ProfileLocation, ProfileOut, ProfileUpdate
from app.instructors.profile_tables import InstructorProfile
from app.places import resolve
from app.services import Services

HEADLINE_MAX = 120
BIO_MAX = 2000
RADIUS_MIN, RADIUS_MAX = 0.5, 50.0


def _text(value: str | None, key: str, limit: int, *, lines: bool) -> tuple[str | None, list[dict[str, str]]]:
    """Blank is none; control characters are refused (a bio may keep its line breaks)."""
    if value is None or not value.strip():
        return None, []
    text = value.strip()
    allowed = {"\n", "\r", "\t"} if lines else set()
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in text):
        return None, [{"key": key, "message": "Must not contain control characters"}]
    if len(text) > limit:
        return None, [{"key": key, "message": f"At most {limit} characters"}]
    return text, []


def profile_problems(data: ProfileUpdate) -> tuple[dict[str, Any], list[dict[str, str]]]:
    headline, problems = _text(data.headline, "headline", HEADLINE_MAX, lines=False)
    bio, bio_problems = _text(data.bio, "bio", BIO_MAX, lines=True)
    problems += bio_problems
    if not RADIUS_MIN <= data.service_radius_miles <= RADIUS_MAX:
        message = f"Must be from {RADIUS_MIN} to {RADIUS_MAX:g} miles"
        problems.append({"key": "service_radius_miles", "message": message})
    place = None
    try:
        place = resolve(data.location.given(), prefix="location.")
    except ApiError as exc:
        problems += exc.extra
    return {"headline": headline, "bio": bio, "place": place}, problems


async def update_profile(services: Services, instructor_id: int, data: ProfileUpdate) -> ProfileOut:
    values, problems = profile_problems(data)
    if problems:
        raise bad_input(problems)
    place = values["place"]
    async with change(services.relay) as effects:
        await upsert(
            InstructorProfile,
            {InstructorProfile.instructor: instructor_id},
            {
                InstructorProfile.headline: values["headline"],
                InstructorProfile.bio: values["bio"],
                InstructorProfile.zip: place.zip,
                InstructorProfile.neighborhood: place.neighborhood,
                InstructorProfile.borough: place.borough,
                InstructorProfile.lat: place.lat,
                InstructorProfile.lng: place.lng,
                InstructorProfile.service_radius_miles: float(data.service_radius_miles),
                InstructorProfile.updated_at: datetime.now(UTC),
            },
        )
        # Imported here: onboarding reads profile_step_done from this module.
        from app.instructors.onboarding import note_progress

        await note_progress(effects, instructor_id)  # onboarding.step_done once the profile step is done
    return await profile_of(instructor_id)


async def stored_profile(instructor_id: int) -> dict[str, Any] | None:
    return await InstructorProfile.select().where(InstructorProfile.instructor == instructor_id).first()


async def offers_for_bio(instructor_id: int) -> list[dict[str, Any]]:
    """What the instructor offers, with each service's name, slug and category, by service name."""
    return (
        await InstructorService.select(
            InstructorService.service.as_alias("service_id"),
            InstructorService.service.slug.as_alias("slug"),
            InstructorService.service.name.as_alias("name"),
            InstructorService.service.category.slug.as_alias("category_slug"),
            InstructorService.hourly_rate_cents,
            InstructorService.durations_minutes,
            InstructorService.age_groups,
            InstructorService.locations,
        )
        .where(InstructorService.instructor == instructor_id)
        .order_by(InstructorService.service.name)
    )


def bio_of(full_name: str, profile: dict[str, Any] | None, offers: list[dict[str, Any]]) -> tuple[str, bool]:
    """(bio, generated): the instructor's own words, else one written from the profile."""
    if profile and profile["bio"]:
        return profile["bio"], False
    written = [Offer(o["name"], o["category_slug"], tuple(o["age_groups"]), tuple(o["locations"])) for o in offers]
    profile = profile or {}
    return generated_bio(
        full_name, written, profile.get("neighborhood"), profile.get("borough"), profile.get("service_radius_miles")
    ), True


def step_done(profile: dict[str, Any] | None) -> bool:
    # A stored profile always has a place and a radius (the table requires both).
    return bool(profile and (profile["headline"] or profile["bio"]))


async def profile_of(instructor_id: int) -> ProfileOut:
    user = await User.select(User.full_name).where(User.id == instructor_id).first()
    profile = await stored_profile(instructor_id)
    bio, generated = bio_of(user["full_name"], profile, await offers_for_bio(instructor_id))
    location = None
    if profile:
        location = ProfileLocation(
            zip=profile["zip"], neighborhood=profile["neighborhood"], borough=profile["borough"],
            lat=profile["lat"], lng=profile["lng"],
        )  # fmt: skip
    return ProfileOut(
        instructor_id=instructor_id,
        headline=profile["headline"] if profile else None,
        bio=bio,
        bio_generated=generated,
        location=location,
        service_radius_miles=profile["service_radius_miles"] if profile else None,
        complete=step_done(profile),
    )


async def profile_step_done(instructor_id: int) -> bool:
    """Onboarding's `profile` step: a headline or bio, a location and a service radius."""
    return step_done(await stored_profile(instructor_id))
