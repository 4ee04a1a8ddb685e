"""Profile pictures: a presigned upload (one a minute per user), finalize with an optional crop, the
worker's job (app.media.processing), and the view URLs every user object carries (`picture_of`,
`pictures_of`): presigned GETs for an hour, the same ones for 45 minutes, keyed by version."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from app.accounts.limits import FixedWindow, too_many
from app.core.errors import ApiError
from app.core.outbox import change
from app.media.schemas import Crop, PictureUploadOut, PictureUploadRequest
from app.media.tables import PictureUpload, ProfilePicture, UploadStatus

if TYPE_CHECKING:
    from app.services import Services

UPLOAD_URL_SECONDS = 15 * 60
VIEW_URL_SECONDS = 3600
VIEW_URLS_CACHED_SECONDS = 45 * 60
UPLOADS_WINDOW_SECONDS = 60
RENDITIONS = ("original", "400", "200")


def upload_key(user_id: int, upload_id: int) -> str:
    return f"uploads/pictures/{user_id}/{upload_id}"


def picture_key(user_id: int, version: int, rendition: str) -> str:
    return f"pictures/{user_id}/{version}/{rendition}.jpg"


def job_id(services: Services, upload_id: int) -> str:
    return services.job_id("picture", upload_id)


async def start_upload(services: Services, user_id: int, request: PictureUploadRequest) -> PictureUploadOut:
    prefix = f"{services.settings.redis_prefix}picture-uploads:"
    uploads = FixedWindow(services.publisher.redis, prefix, UPLOADS_WINDOW_SECONDS)
    count, retry_after = await uploads.count(str(user_id))
    if count > 1:
        raise too_many("One picture upload a minute", "too_many_uploads", retry_after)
    now = datetime.now(UTC)
    rows = await PictureUpload.insert(
        PictureUpload(
            user=user_id,
            content_type=request.content_type,
            size_bytes=request.size_bytes,
            status=UploadStatus.ISSUED,
            created_at=now,
            updated_at=now,
        )
    ).returning(PictureUpload.id)
    upload_id = rows[0]["id"]
    url, headers = await services.storage.presign_put(
        upload_key(user_id, upload_id), request.content_type, request.size_bytes, UPLOAD_URL_SECONDS
    )
    return PictureUploadOut(upload_id=upload_id, upload_url=url, headers=headers)


async def finalize(services: Services, user_id: int, upload_id: int, crop: Crop | None) -> str:
    """Queues the worker's job; finalizing again while it runs changes nothing."""
    rows = await PictureUpload.select(PictureUpload.status).where(
        (PictureUpload.id == upload_id) & (PictureUpload.user == user_id)
    )
    if not rows:
        raise ApiError(404, f"No picture upload {upload_id} of yours", code="not_found")
    status = rows[0]["status"]
    if status == UploadStatus.PROCESSING:
        return status
    if status != UploadStatus.ISSUED:
        raise ApiError(409, f"Upload {upload_id} was already finalized ({status})", code="already_finalized")
    if await services.storage.head(upload_key(user_id, upload_id)) is None:
        raise ApiError(409, "Nothing was uploaded yet: PUT the file to upload_url first", code="nothing_uploaded")
    crop_json = None if crop is None else {"x": crop.x, "y": crop.y, "size": crop.size}
    values = {
        PictureUpload.status: UploadStatus.PROCESSING,
        PictureUpload.crop: crop_json,
        PictureUpload.updated_at: datetime.now(UTC),
    }
    async with change(services.relay) as effects:
        moved = (
            await PictureUpload.update(values)
            .where((PictureUpload.id == upload_id) & (PictureUpload.status == UploadStatus.ISSUED))
            .returning(PictureUpload.id)
        )
        if moved:
            await effects.job("process_picture", upload_id, job_id=job_id(services, upload_id))
    return UploadStatus.PROCESSING


def _cache_key(services: Services, user_id: int, version: int) -> str:
    return f"{services.settings.redis_prefix}picture-urls:{user_id}:{version}"


async def picture_of(services: Services, user_id: int) -> dict[str, Any] | None:
    """`null` or {"version", "urls": {"original", "400", "200"}}: what a user object shows."""
    return (await pictures_of(services, [user_id]))[user_id]


async def pictures_of(services: Services, user_ids: list[int]) -> dict[int, dict[str, Any] | None]:
    """Each user's picture in two round trips (PostgreSQL, Redis) plus presigning what is not cached."""
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        return {}
    rows = await ProfilePicture.raw('SELECT "user", version FROM profile_pictures WHERE "user" = ANY({}::int[])', ids)
    return await pictures_at_versions(services, ids, {row["user"]: row["version"] for row in rows})


async def pictures_at_versions(
    services: Services, user_ids: list[int], versions: dict[int, int]
) -> dict[int, dict[str, Any] | None]:
    """As pictures_of, for a caller that read the users' current versions (profile_pictures) in a query
    of its own: one round trip to Redis plus presigning what is not cached."""
    pictures: dict[int, dict[str, Any] | None] = dict.fromkeys(user_ids)
    if not versions:
        return pictures
    redis = services.publisher.redis
    keys = [_cache_key(services, user_id, version) for user_id, version in versions.items()]
    cached = await redis.mget(keys)
    fresh: dict[str, str] = {}
    for (user_id, version), key, raw in zip(versions.items(), keys, cached, strict=True):
        if raw is None:
            urls = {name: await services.storage.presign_get(picture_key(user_id, version, name), VIEW_URL_SECONDS)
                    for name in RENDITIONS}  # fmt: skip
            fresh[key] = json.dumps(urls)
        else:
            urls = json.loads(raw)
        pictures[user_id] = {"version": version, "urls": urls}
    if fresh:
        async with redis.pipeline(transaction=False) as pipe:
            for key, value in fresh.items():
                pipe.set(key, value, ex=VIEW_URLS_CACHED_SECONDS, nx=True)
            stored = await pipe.execute()
        # another process cached its own URLs first: show the same ones it shows
        lost = [key for key, ok in zip(fresh, stored, strict=True) if not ok]
        if lost:
            winners = dict(zip(lost, await redis.mget(lost), strict=True))
            for user_id, version in versions.items():
                winner = winners.get(_cache_key(services, user_id, version))
                if winner is not None:
                    pictures[user_id] = {"version": version, "urls": json.loads(winner)}
    return pictures
