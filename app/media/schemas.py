from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.media.pictures import MAX_BYTES

# Crop coordinates: bounded to keep them storable; whether the crop fits is the worker's to say.
Pixels = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]


class PictureUploadRequest(msgspec.Struct, forbid_unknown_fields=True):
    content_type: Literal["image/jpeg", "image/png", "image/webp"]
    size_bytes: Annotated[int, msgspec.Meta(ge=1, le=MAX_BYTES, description="at most 10 MB")]


class PictureUploadOut(msgspec.Struct):
    upload_id: int
    upload_url: str
    # Send exactly these with the PUT: the URL's signature covers them.
    headers: dict[str, str]


class Crop(msgspec.Struct, forbid_unknown_fields=True):
    """A square of the upright picture (EXIF orientation applied), in its pixels."""

    x: Pixels
    y: Pixels
    size: Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class FinalizeRequest(msgspec.Struct, forbid_unknown_fields=True):
    crop: Crop | None = None


class FinalizeOut(msgspec.Struct):
    status: str


class PictureUrls(msgspec.Struct):
    original: str
    size_400: str = msgspec.field(name="400")
    size_200: str = msgspec.field(name="200")


class Picture(msgspec.Struct):
    """A user's picture: presigned GETs valid for 1 h, the same ones for 45 min, new with a new version."""

    version: int
    urls: PictureUrls
