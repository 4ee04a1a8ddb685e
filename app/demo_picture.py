"""The demo instructor's picture, through the real flow: an upload URL, a PUT to storage, finalize,
and the worker's picture job. The local S3 stand-in keeps nothing across restarts, so a picture whose
stored files are gone is uploaded again."""

from __future__ import annotations

import io

import structlog
from PIL import Image, ImageDraw

from app.core.tls import http_client
from app.media import service as pictures
from app.media.schemas import PictureUploadRequest
from app.services import Services

log = structlog.get_logger()


def portrait_jpeg(size: int = 640) -> bytes:
    """A warm gradient with a piano's keys across it: recognisably a picture, made here."""
    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        shade = y / size
        draw.line([(0, y), (size, y)], fill=(int(250 - 90 * shade), int(170 - 60 * shade), int(90 + 60 * shade)))
    key = size // 10
    top = size * 2 // 3
    draw.rectangle([0, top, size, size], fill=(245, 245, 240))
    for i in range(1, 10):
        draw.line([(i * key, top), (i * key, size)], fill=(40, 40, 40), width=2)
        if i % 7 not in (3, 0):
            black_key = [i * key - key // 4, top, i * key + key // 4, top + (size - top) * 3 // 5]
            draw.rectangle(black_key, fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


async def give_demo_picture(services: Services, user_id: int) -> None:
    current = await pictures.picture_of(services, user_id)
    if current is not None and await services.storage.head(pictures.picture_key(user_id, current["version"], "200")):
        return
    data = portrait_jpeg()
    upload = await pictures.start_upload(
        services, user_id, PictureUploadRequest(content_type="image/jpeg", size_bytes=len(data))
    )
    async with http_client(timeout=30) as storage:
        stored = await storage.put(upload.upload_url, content=data, headers=upload.headers)
    if stored.status_code >= 300:
        log.warning("demo_picture_not_stored", status=stored.status_code)
        return
    await pictures.finalize(services, user_id, upload.upload_id, None)
