from __future__ import annotations

import msgspec


class BookingCreate(msgspec.Struct, forbid_unknown_fields=True):
    instructor_id: int
    service_id: int
    start: str
    duration_minutes: int
    hold: bool = False


class BookingOut(msgspec.Struct, omit_defaults=True):
    id: int
    status: str
    instructor_id: int
    student_id: int
    service_id: int
    start: str
    end: str
    expires_at: str | None = None
