"""The worker's side of a profile picture: check the uploaded object, render it, store the three
renditions under the upload's version, then make that version current in one update. Safe to run
twice (keyed by the upload id) or to be killed anywhere: nothing is visible until the last commit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import structlog

from app.core.db import json_value
from app.core.outbox import change
from app.media.pictures import MAX_BYTES, NOT_AN_IMAGE, PictureRefused, looks_like_picture, render_picture
from app.media.service import picture_key, upload_key
from app.media.tables import PictureUpload, ProfilePicture, UploadStatus
from app.notifications.service import notify

if TYPE_CHECKING:
    from app.services import Services

log = structlog.get_logger()


async def process_upload(services: Services, upload_id: int) -> str:
    """The upload's status afterwards; an upload no longer processing is left as it is."""
    rows = await PictureUpload.select().where(PictureUpload.id == upload_id)
    if not rows or rows[0]["status"] != UploadStatus.PROCESSING:
        return rows[0]["status"] if rows else "missing"
    upload = rows[0]
    user_id, key = upload["user"], upload_key(upload["user"], upload_id)
    try:
        renditions = await _render(services, key, upload["size_bytes"], json_value(upload["crop"]))
    except PictureRefused as refused:
        return await _fail(services, upload_id, user_id, key, str(refused))
    for name, body in renditions.items():
        await services.storage.put(picture_key(user_id, upload_id, name), body, "image/jpeg")
    async with change(services.relay) as effects:
        done = await _mark(upload_id, UploadStatus.READY, None)
        if not done:
            return UploadStatus.READY
        # the newest version wins, whichever job finishes last
        await ProfilePicture.raw(
            'INSERT INTO profile_pictures ("user", version, updated_at) VALUES ({}, {}, {}) '
            'ON CONFLICT ("user") DO UPDATE SET version = EXCLUDED.version, updated_at = EXCLUDED.updated_at '
            "WHERE profile_pictures.version < EXCLUDED.version",
            user_id, upload_id, datetime.now(UTC),
        )  # fmt: skip
        await notify(
            effects, user_id, "picture.ready", "Your picture is ready", "Your new profile picture is up.",
            {"upload_id": upload_id, "version": upload_id},
        )  # fmt: skip
    await _forget_upload(services, key)
    return UploadStatus.READY


async def _render(services: Services, key: str, declared_size: int, crop: dict | None) -> dict[str, bytes]:
    stored = await services.storage.head(key)
    if stored is None:
        raise PictureRefused("Nothing was uploaded")
    if stored["size"] > MAX_BYTES:
        raise PictureRefused("The file is larger than 10 MB")
    if stored["size"] != declared_size:
        raise PictureRefused(f"The file has {stored['size']} bytes, not the {declared_size} declared")
    if not looks_like_picture(await services.storage.read_head(key, 16)):
        raise PictureRefused(NOT_AN_IMAGE)
    data = await services.storage.read(key, MAX_BYTES)
    # Pillow releases the GIL while decoding: the worker's other jobs go on meanwhile.
    return (await asyncio.to_thread(render_picture, data, crop)).named()


async def give_up(services: Services, upload_id: int, reason: str) -> str:
    """Storage stayed unreachable through every try: the owner is told, and may upload again."""
    rows = await PictureUpload.select(PictureUpload.user).where(PictureUpload.id == upload_id)
    if not rows:
        return "missing"
    return await _fail(services, upload_id, rows[0]["user"], upload_key(rows[0]["user"], upload_id), reason)


async def _fail(services: Services, upload_id: int, user_id: int, key: str, reason: str) -> str:
    # gone before its owner hears why: a refused file is never kept
    await _forget_upload(services, key)
    async with change(services.relay) as effects:
        if await _mark(upload_id, UploadStatus.FAILED, reason):
            await notify(
                effects, user_id, "picture.failed", "Your picture could not be used", reason,
                {"upload_id": upload_id, "reason": reason},
            )  # fmt: skip
    log.info("picture_refused", upload_id=upload_id, reason=reason)
    return UploadStatus.FAILED


async def _mark(upload_id: int, status: UploadStatus, reason: str | None) -> bool:
    moved = (
        await PictureUpload.update(
            {PictureUpload.status: status, PictureUpload.reason: reason, PictureUpload.updated_at: datetime.now(UTC)}
        )
        .where((PictureUpload.id == upload_id) & (PictureUpload.status == UploadStatus.PROCESSING))
        .returning(PictureUpload.id)
    )
    return bool(moved)


async def _forget_upload(services: Services, key: str) -> None:
    """The uploaded file is not kept; a failed delete leaves only an unreachable object."""
    try:
        await services.storage.delete(key)
    except Exception:
        log.warning("picture_upload_not_deleted", key=key, exc_info=True)
