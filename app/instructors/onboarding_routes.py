from __future__ import annotations

from typing import Literal

from litestar import Request, Router, delete, get, post

from app.core.auth import admins_only, instructors_only
from app.core.openapi import BEARER, errors
from app.core.params import Id, PageSize
from app.instructors import onboarding, onboarding_documents, onboarding_identity
from app.instructors.onboarding_identity import IdentitySessionOut
from app.instructors.onboarding_schemas import (
    BackgroundCheckUpload,
    Decision,
    DocumentOut,
    LiveOut,
    OnboardingOut,
    UploadOut,
)
from app.services import Services

ME = "/instructors/me"


@get(
    f"{ME}/onboarding",
    guards=[instructors_only],
    security=BEARER,
    responses=errors(401, 403),
    summary="The onboarding checklist: each step's state and what to do next",
)
async def my_onboarding(request: Request, services: Services) -> OnboardingOut:
    return OnboardingOut(**await onboarding.onboarding_of(services, request.user.id))


@post(
    f"{ME}/identity",
    guards=[instructors_only],
    status_code=201,
    security=BEARER,
    responses=errors(401, 403, 409, 503),
    summary="A fresh Stripe Identity verification session (its result arrives by webhook)",
    description="409 `identity_verified` once a session of this instructor is verified.",
)
async def start_identity(request: Request, services: Services) -> IdentitySessionOut:
    return await onboarding_identity.start_identity(services, request.user.id, str(request.base_url))


@post(
    f"{ME}/background-check",
    guards=[instructors_only],
    status_code=201,
    security=BEARER,
    responses=errors(400, 401, 403, 409, 503),
    summary="A presigned upload (PUT, 15 min) of a background-check document to private storage",
    description="409 `background_check_pending_review` / `background_check_approved` while one is in review "
    "or approved. 503 `storage_unavailable`: object storage could not be reached (retry after Retry-After).",
)
async def start_background_check(request: Request, services: Services, data: BackgroundCheckUpload) -> UploadOut:
    upload = await onboarding_documents.start_upload(
        services, request.user.id, data.filename, data.content_type, data.size_bytes
    )
    return UploadOut(**upload)


@post(
    f"{ME}/background-check/{{document_id:str}}/submit",
    guards=[instructors_only],
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409, 503),
    summary="Submit the uploaded document for review, once it is checked by content",
    description="A real PDF, JPEG or PNG of at most 10 MB matching the declared content_type and size_bytes; "
    "otherwise 400 naming the problem, the object is deleted and the step is back to not_started. "
    "503 `storage_unavailable`: object storage could not be reached (nothing changes; submit again).",
)
async def submit_background_check(request: Request, services: Services, document_id: Id) -> DocumentOut:
    return DocumentOut(**await onboarding_documents.submit(services, request.user.id, document_id))


@get(
    "/background-checks/{document_id:str}",
    security=BEARER,
    responses=errors(401, 404),
    summary="A background-check document with a view URL (presigned GET, 5 min): its owner and admins only",
)
async def read_background_check(request: Request, services: Services, document_id: Id) -> DocumentOut:
    return DocumentOut(**await onboarding_documents.read_document(services, request.user, document_id))


@post(f"{ME}/live", guards=[instructors_only], status_code=200, security=BEARER, responses=errors(401, 403, 409),
      summary="Go live: bookable and searchable",
      description="409 `onboarding_incomplete` with `missing`: the key of each step not done.")  # fmt: skip
async def go_live(request: Request, services: Services) -> LiveOut:
    return LiveOut(**await onboarding.go_live(services, request.user.id))


@delete(f"{ME}/live", guards=[instructors_only], status_code=200, security=BEARER, responses=errors(401, 403),
        summary="Go offline (always possible; booked lessons stay)")  # fmt: skip
async def go_offline(request: Request, services: Services) -> LiveOut:
    return LiveOut(**await onboarding.go_offline(services, request.user.id))


@get(
    "/admin/background-checks",
    guards=[admins_only],
    security=BEARER,
    responses=errors(400, 401, 403),
    summary="Background-check documents by status (pending_review first submitted first), with view URLs (5 min)",
)
async def review_list(
    services: Services,
    status: Literal["uploaded", "pending_review", "approved", "rejected", "invalid"] = "pending_review",
    limit: PageSize = 100,
) -> list[DocumentOut]:
    rows = await onboarding_documents.documents_for_review(services, status, limit)
    return [DocumentOut(**row) for row in rows]


@post(
    "/admin/background-checks/{document_id:str}/decision",
    guards=[admins_only],
    status_code=200,
    security=BEARER,
    responses=errors(400, 401, 403, 404, 409),
    summary="Approve or reject (with a reason) a document pending review",
    description="409 `not_pending_review` when it is not waiting for a review (decided already).",
)
async def decide(request: Request, services: Services, document_id: Id, data: Decision) -> DocumentOut:
    return DocumentOut(
        **await onboarding_documents.decide(services, request.user.id, document_id, data.approve, data.reason)
    )


router = Router(
    "/api",
    route_handlers=[
        my_onboarding, start_identity, start_background_check, submit_background_check, read_background_check,
        go_live, go_offline, review_list, decide,
    ],
    tags=["onboarding"],
)  # fmt: skip
