"""Pictures for the media tests, made on the spot: good ones with EXIF, and hostile files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import ExifTags, Image

RED, BLUE = (220, 20, 20), (20, 20, 220)
# A small, real PDF (header, one object, trailer, end-of-file marker).
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def two_colour_jpeg(
    width: int = 1200, height: int = 800, *, orientation: int | None = None, gps: bool = False
) -> bytes:
    """Left half red, right half blue as stored; EXIF orientation and a GPS position when asked."""
    image = Image.new("RGB", (width, height), RED)
    image.paste(BLUE, (width // 2, 0, width, height))
    exif = Image.Exif()
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps:
        position = exif.get_ifd(ExifTags.IFD.GPSInfo)
        position[ExifTags.GPS.GPSLatitudeRef] = "N"
        position[ExifTags.GPS.GPSLatitude] = (40.0, 44.0, 54.0)
        position[ExifTags.GPS.GPSLongitudeRef] = "W"
        position[ExifTags.GPS.GPSLongitude] = (73.0, 59.0, 10.0)
    exif[ExifTags.Base.Make] = "Test Camera"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def png(width: int = 600, height: int = 600) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (10, 200, 10, 255)).save(out, "PNG")
    return out.getvalue()


def truncated_jpeg() -> bytes:
    whole = two_colour_jpeg(1600, 1200)
    return whole[: len(whole) // 2]


def png_bomb(side: int = 30_000) -> bytes:
    """A real PNG of side x side pixels (900 megapixels, ~110 MB of pixels) in ~100 KB of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\0" * (1 + side // 8)  # filter byte, then 1-bit grey pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def text_file() -> bytes:
    return b"These are my holiday notes, not a picture.\n" * 20


def colour_at(image: Image.Image, x: int, y: int) -> str:
    r, g, b = image.convert("RGB").getpixel((x, y))
    return "red" if r > 150 and b < 100 else "blue" if b > 150 and r < 100 else f"other {r, g, b}"
