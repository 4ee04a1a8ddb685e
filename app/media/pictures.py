"""A profile picture from an uploaded file, by content alone: the real format (JPEG, PNG, WebP),
its pixel count (decompression bombs refused before decoding), EXIF orientation applied, the crop,
every byte of metadata left behind; big JPEGs decoded at a reduced size (draft mode)."""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
# Pillow's own guard (a warning above it, an error at twice it) at our limit, before any decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
FORMATS = ("JPEG", "PNG", "WEBP")
# The stored original is the cropped picture with its longer side at most this.
ORIGINAL_MAX_SIDE = 2048
SQUARES = (400, 200)
JPEG_QUALITY = 88
ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height
NOT_AN_IMAGE = "The file is not a JPEG, PNG or WebP image"


class PictureRefused(ValueError):
    """Why an upload cannot become a picture, in words for its owner."""


@dataclass(frozen=True)
class Renditions:
    original: bytes
    squares: dict[int, bytes]
    decoded_size: tuple[int, int]  # what was decoded: smaller than the file's for a drafted JPEG

    def named(self) -> dict[str, bytes]:
        return {"original": self.original, **{str(side): body for side, body in self.squares.items()}}


def looks_like_picture(head: bytes) -> bool:
    """The first bytes of a JPEG, PNG or WebP file."""
    return (
        head.startswith(b"\xff\xd8\xff")
        or head.startswith(b"\x89PNG\r\n\x1a\n")
        or (head[:4] == b"RIFF" and head[8:12] == b"WEBP")
    )


def render_picture(data: bytes, crop: dict[str, int] | None, *, draft: bool = True) -> Renditions:
    """`draft=False` decodes JPEGs in full (the benchmark's baseline)."""
    if len(data) > MAX_BYTES:
        raise PictureRefused("The file is larger than 10 MB")
    try:
        image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError:
        raise PictureRefused("The picture has more than 40 megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        raise PictureRefused(NOT_AN_IMAGE) from None
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            raise PictureRefused("The picture has more than 40 megapixels")
        upright = (height, width) if _orientation(image) in ROTATED else (width, height)
        box = _crop_box(crop, upright)
        if draft and image.format == "JPEG":
            scale = _scale_needed(box)
            if scale < 1:
                image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
        try:
            image.load()
        except Image.DecompressionBombError:
            raise PictureRefused("The picture has more than 40 megapixels") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise PictureRefused("The picture is damaged or truncated") from None
        decoded = image.size
        factor = decoded[0] / width
        # in place: the decoded pixels are replaced, not kept beside the turned copy
        ImageOps.exif_transpose(image, in_place=True)
        # the decoder rounds each side up: keep the scaled box inside what was decoded
        scaled = (*(round(edge * factor) for edge in box[:2]), min(round(box[2] * factor), image.width),
                  min(round(box[3] * factor), image.height))  # fmt: skip
        picture = image.crop(scaled) if scaled != (0, 0, *image.size) else image
        picture = _rgb(picture)
    del image  # a crop's source pixels go now, not at return
    picture.thumbnail((ORIGINAL_MAX_SIDE, ORIGINAL_MAX_SIDE), Image.Resampling.LANCZOS)
    side = min(picture.size)
    left, top = (picture.width - side) // 2, (picture.height - side) // 2
    square = picture.crop((left, top, left + side, top + side))
    squares = {size: _jpeg(square.resize((size, size), Image.Resampling.LANCZOS)) for size in SQUARES}
    return Renditions(_jpeg(picture), squares, decoded)


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(0x0112, 1))
    except (OSError, SyntaxError, ValueError, struct.error, TypeError):
        return 1


def _crop_box(crop: dict[str, int] | None, upright: tuple[int, int]) -> tuple[int, int, int, int]:
    width, height = upright
    if crop is None:
        return (0, 0, width, height)
    x, y, size = crop["x"], crop["y"], crop["size"]
    if x + size > width or y + size > height:
        raise PictureRefused(f"The crop ({x}, {y}, size {size}) does not fit in the {width}x{height} picture")
    return (x, y, x + size, y + size)


def _scale_needed(box: tuple[int, int, int, int]) -> float:
    """The smallest decoding scale that still gives the stored original and the 400 square full detail."""
    region_w, region_h = box[2] - box[0], box[3] - box[1]
    longer, shorter = max(region_w, region_h), min(region_w, region_h)
    return min(1.0, max(ORIGINAL_MAX_SIDE / longer, max(SQUARES) / shorter))


def _rgb(picture: Image.Image) -> Image.Image:
    if picture.mode in ("RGBA", "LA", "PA") or (picture.mode == "P" and "transparency" in picture.info):
        rgba = picture.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return picture if picture.mode == "RGB" else picture.convert("RGB")


def _jpeg(picture: Image.Image) -> bytes:
    """No EXIF, XMP, ICC or comment: only what the encoder is given is written."""
    picture.info = {}
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()
