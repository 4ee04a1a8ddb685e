from __future__ import annotations

from typing import Annotated

import msgspec


class AvailabilitySettingsOut(msgspec.Struct):
    min_notice_minutes: int
    buffer_minutes: int
    hold_minutes: int


class AvailabilitySettingsUpdate(msgspec.Struct, forbid_unknown_fields=True):
    # The bounds of service.SETTING_BOUNDS.
    min_notice_minutes: Annotated[int, msgspec.Meta(ge=0, le=14 * 1440)] | msgspec.UnsetType = msgspec.UNSET
    buffer_minutes: Annotated[int, msgspec.Meta(ge=0, le=240)] | msgspec.UnsetType = msgspec.UNSET
    hold_minutes: Annotated[int, msgspec.Meta(ge=1, le=60)] | msgspec.UnsetType = msgspec.UNSET

    def given(self) -> dict[str, int]:
        return {f: v for f in self.__struct_fields__ if (v := getattr(self, f)) is not msgspec.UNSET}
