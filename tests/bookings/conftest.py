"""Booking request bodies for the tests (the `open_week` fixture is in tests/conftest.py)."""

from __future__ import annotations


def booking_body(instructor, service_id, monday, at="10:00", minutes=60, **extra):
    return {
        "instructor_id": instructor.id,
        "service_id": service_id,
        "start": f"{monday}T{at}:00-05:00",
        "duration_minutes": minutes,
        **extra,
    }
