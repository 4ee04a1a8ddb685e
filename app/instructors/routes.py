from __future__ import annotations

from litestar import Request, Router, get, put

from app.core.auth import instructors_only
from app.core.openapi import BEARER, errors
from app.instructors import service
from app.instructors.schemas import AvailabilitySettingsOut, AvailabilitySettingsUpdate

SETTINGS = "/instructors/me/availability/settings"


@get(SETTINGS, guards=[instructors_only], security=BEARER, responses=errors(401, 403))
async def read_settings(request: Request) -> AvailabilitySettingsOut:
    return AvailabilitySettingsOut(**await service.settings_of(request.user.id))


@put(SETTINGS, guards=[instructors_only], security=BEARER, responses=errors(400, 401, 403))
async def update_settings(request: Request, data: AvailabilitySettingsUpdate) -> AvailabilitySettingsOut:
    return AvailabilitySettingsOut(**await service.update_settings(request.user.id, data.given()))


router = Router("/api", route_handlers=[read_settings, update_settings], tags=["instructors"])
