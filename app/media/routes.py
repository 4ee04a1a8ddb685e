from __future__ import annotations

from litestar import Request, Router, post

from app.core.openapi import BEARER, errors
from app.core.params import Id
from app.media import service
from app.media.schemas import FinalizeOut, FinalizeRequest, PictureUploadOut, PictureUploadRequest
from app.services import Services


@post(
    "/me/picture",
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 429, 503),
    summary="A presigned PUT (15 min) for a new profile picture",
    description="400 names `content_type` (image/jpeg, image/png or image/webp) or `size_bytes` (at most "
    "10 MB); 429 `too_many_uploads` for a second request within a minute. PUT the file to `upload_url` with "
    "exactly `headers`, then finalize.",
)
async def start_upload(request: Request, services: Services, data: PictureUploadRequest) -> PictureUploadOut:
    return await service.start_upload(services, request.user.id, data)


@post(
    "/me/picture/{upload_id:str}/finalize",
    status_code=202,
    security=BEARER,
    responses=errors(400, 401, 404, 409, 503),
    summary="Make the uploaded file the profile picture, optionally cropped to a square",
    description="The worker checks the file by content (a real JPEG, PNG or WebP, at most 10 MB and 40 "
    "megapixels), applies EXIF orientation, strips metadata and stores `original`, `400` and `200` under a new "
    "version; `picture.ready` or `picture.failed` (with the reason) follows as a notification. 404 for an upload "
    "that is not yours; 409 `nothing_uploaded` before the PUT, `already_finalized` after the job finished.",
)
async def finalize(
    request: Request, services: Services, upload_id: Id, data: FinalizeRequest | None = None
) -> FinalizeOut:
    crop = data.crop if data is not None else None
    return FinalizeOut(status=await service.finalize(services, request.user.id, upload_id, crop))


router = Router("/api", route_handlers=[start_upload, finalize], tags=["media"])
