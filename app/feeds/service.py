"""Calendar feeds: one secret, revocable URL per user serving its live and completed lessons as
RFC 5545, built with icalendar. Times are UTC (no VTIMEZONE needed, right across DST); a lesson's
UID is its booking's, so calendar apps update an event in place when it moves.

A URL's token is HMAC(SECRET_KEY, user and a random seed): the database keeps the seed and the
token's sha256, so neither it nor the key alone gives a URL away, and its owner can be shown it again."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import Any

from icalendar import Calendar, Event

from app.bookings.live import live_bookings_condition
from app.bookings.tables import Booking, BookingStatus
from app.core.errors import ApiError
from app.core.time import now
from app.feeds.tables import CalendarFeed

TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
HISTORY = timedelta(days=400)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/api/calendar-feeds/{token}.ics"


def feed_token(secret_key: str, user_id: int, seed: str) -> str:
    """43 URL-safe characters, as TOKEN reads them."""
    digest = hmac.new(secret_key.encode(), f"calendar-feed:{user_id}:{seed}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def new_feed(user_id: int, secret_key: str) -> str:
    """A new secret for the user; the previous URL stops working at once."""
    seed = secrets.token_urlsafe(32)
    token = feed_token(secret_key, user_id, seed)
    await CalendarFeed.raw(
        'INSERT INTO calendar_feeds ("user", token_hash, seed, created_at) VALUES ({}, {}, {}, {}) '
        'ON CONFLICT ("user") DO UPDATE SET token_hash = EXCLUDED.token_hash, seed = EXCLUDED.seed, '
        "created_at = EXCLUDED.created_at",
        user_id, token_hash(token), seed, now(),
    )  # fmt: skip
    return token


async def current_feed(user_id: int, secret_key: str) -> str:
    """The token of the user's working URL; 404 without one, 409 when it cannot be derived again (made
    before seeds were kept, or under another SECRET_KEY): never a URL that would not work."""
    mine = CalendarFeed.user == user_id
    row = await CalendarFeed.select(CalendarFeed.token_hash, CalendarFeed.seed).where(mine).first()
    if row is None:
        raise ApiError(404, "You have no calendar-feed URL: POST one", code="no_calendar_feed")
    token = feed_token(secret_key, user_id, row["seed"]) if row["seed"] else None
    if token is None or not hmac.compare_digest(token_hash(token), row["token_hash"]):
        detail = "Your calendar-feed URL works but cannot be shown again: POST a new one (the old one then stops)"
        raise ApiError(409, detail, code="calendar_feed_not_shown")
    return token


async def revoke_feed(user_id: int) -> None:
    await CalendarFeed.delete().where(CalendarFeed.user == user_id)


def no_feed() -> ApiError:
    return ApiError(404, "No such calendar feed (it may have been replaced or revoked)", code="not_found")


async def _owner(file_name: str) -> int:
    token = file_name.removesuffix(".ics")
    if not TOKEN.fullmatch(token):
        raise no_feed()
    row = await CalendarFeed.select(CalendarFeed.user).where(CalendarFeed.token_hash == token_hash(token)).first()
    if row is None:
        raise no_feed()
    return row["user"]


async def lessons_of(user_id: int) -> list[dict[str, Any]]:
    """Live and completed lessons, as student or instructor, from HISTORY ago on."""
    shown = live_bookings_condition() | (Booking.status == BookingStatus.completed)
    mine = (Booking.student == user_id) | (Booking.instructor == user_id)
    return (
        await Booking.select(
            Booking.id, Booking.student, Booking.instructor, Booking.status, Booking.start_at, Booking.end_at,
            Booking.updated_at, Booking.created_at, Booking.service.name.as_alias("service_name"),
            Booking.student.full_name.as_alias("student_name"),
            Booking.instructor.full_name.as_alias("instructor_name"),
        )
        .where(mine & shown & (Booking.end_at > now() - HISTORY))
        .order_by(Booking.start_at)
        .limit(5000)
    )  # fmt: skip


def lesson_event(user_id: int, lesson: dict[str, Any]) -> Event:
    as_student = lesson["student"] == user_id
    other = lesson["instructor_name"] if as_student else lesson["student_name"]
    event = Event()
    # Stable whatever host serves the feed: the booking's id, which a reschedule keeps.
    event.add("uid", f"booking-{lesson['id']}@instainstru")
    event.add("dtstamp", lesson["updated_at"])
    event.add("last-modified", lesson["updated_at"])
    event.add("created", lesson["created_at"])
    event.add("dtstart", lesson["start_at"])
    event.add("dtend", lesson["end_at"])
    event.add("summary", f"{lesson['service_name']} lesson with {other}")
    role = "your instructor" if as_student else "your student"
    event.add("description", f"{lesson['service_name']} lesson with {other} ({role}), booking #{lesson['id']}.")
    event.add("status", "TENTATIVE" if lesson["status"] == BookingStatus.held else "CONFIRMED")
    return event


async def calendar_of(file_name: str) -> bytes:
    user_id = await _owner(file_name)
    calendar = Calendar()
    calendar.add("prodid", "-//InstaInstru//Lessons//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "InstaInstru lessons")
    calendar.add("x-published-ttl", "PT1H")
    for lesson in await lessons_of(user_id):
        calendar.add_component(lesson_event(user_id, lesson))
    return calendar.to_ical()
