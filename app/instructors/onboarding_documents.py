"""The background-check step: a presigned PUT (15 min) to private storage under
`background-checks/{instructor_id}/{document_id}`, a submit that checks the stored object by content
(a real PDF, JPEG or PNG of at most 10 MB, as declared; else 400, the object deleted and the step
back to not_started), an admin's decision, and reads for the owner and admins only (presigned
GETs, 5 min)."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, UnidentifiedImageError

from app.core.errors import ApiError, bad_input
from app.core.outbox import change
from app.core.time import now
from app.instructors.onboarding import latest_document, note_progress
from app.instructors.onboarding_tables import BackgroundCheck, DocumentStatus
from app.notifications.service import notify
from app.services import Services

MAX_BYTES = 10 * 1024 * 1024
UPLOAD_SECONDS = 15 * 60
VIEW_SECONDS = 5 * 60
KINDS = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
MAGIC = (("application/pdf", b"%PDF-"), ("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"))


def storage_key(instructor_id: int, document_id: int) -> str:
    return f"background-checks/{instructor_id}/{document_id}"


def not_found(document_id: int) -> ApiError:
    return ApiError(404, f"No background-check document with id {document_id}", code="not_found")


async def start_upload(
    services: Services, instructor_id: int, filename: str, content_type: str, size_bytes: int
) -> dict[str, Any]:
    latest = await latest_document(instructor_id)
    if latest and latest["status"] in (DocumentStatus.pending_review, DocumentStatus.approved):
        word = "approved" if latest["status"] == DocumentStatus.approved else "waiting for a review"
        raise ApiError(409, f"Your background check is already {word}", code=f"background_check_{latest['status']}")
    at = now()
    async with change(services.relay):
        rows = await BackgroundCheck.insert(
            BackgroundCheck(
                instructor=instructor_id, status=DocumentStatus.uploaded, filename=filename,
                content_type=content_type, size_bytes=size_bytes, uploaded_at=at,
            )
        ).returning(BackgroundCheck.id)  # fmt: skip
        document_id = rows[0]["id"]
        key = storage_key(instructor_id, document_id)
        await BackgroundCheck.update({BackgroundCheck.storage_key: key}).where(BackgroundCheck.id == document_id)
    # Nothing left under this key (a database restored or recreated over the same bucket reuses ids).
    await services.storage.delete(key)
    url, headers = await services.storage.presign_put(key, content_type, size_bytes, UPLOAD_SECONDS)
    return {"document_id": document_id, "upload_url": url, "headers": headers}


def sniffed_type(head: bytes) -> str | None:
    return next((kind for kind, magic in MAGIC if head.startswith(magic)), None)


def content_problem(document: dict[str, Any], body: bytes) -> dict[str, str] | None:
    """What is wrong with the stored object, as a 400's problem; None when it is what was declared."""
    declared = document["content_type"]
    if len(body) > MAX_BYTES:
        return {"key": "size_bytes", "message": f"The file is larger than 10 MB ({len(body)} bytes)"}
    kind = sniffed_type(body[:16])
    if kind is None:
        return {"key": "content_type", "message": "The file is not a PDF, JPEG or PNG"}
    if kind != declared:
        return {"key": "content_type", "message": f"The file is a {KINDS[kind]}, not the declared {declared}"}
    if len(body) != document["size_bytes"]:
        return {
            "key": "size_bytes",
            "message": f"The file has {len(body)} bytes, not the declared {document['size_bytes']}",
        }
    if kind == "application/pdf":
        if b"%%EOF" not in body[-2048:]:
            return {"key": "file", "message": "The PDF is incomplete (no end-of-file marker)"}
        return None
    try:
        with Image.open(io.BytesIO(body)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return {"key": "file", "message": f"The {KINDS[kind]} image is damaged or truncated"}
    return None


async def stored_problem(services: Services, document: dict[str, Any]) -> dict[str, str] | None:
    stored = await services.storage.head(document["storage_key"])
    if stored is None:
        return {"key": "file", "message": "Nothing was uploaded to the upload URL"}
    if stored["size"] > MAX_BYTES:
        return {"key": "size_bytes", "message": f"The file is larger than 10 MB ({stored['size']} bytes)"}
    try:
        body = await services.storage.read(document["storage_key"], MAX_BYTES)
    except ValueError:  # storage.ObjectTooLarge: replaced by a bigger one since the head
        return {"key": "size_bytes", "message": "The file is larger than 10 MB"}
    return content_problem(document, body)


async def _owned(instructor_id: int, document_id: int) -> dict[str, Any]:
    document = await BackgroundCheck.select().where(BackgroundCheck.id == document_id).first()
    if document is None or document["instructor"] != instructor_id:
        raise not_found(document_id)
    return document


async def submit(services: Services, instructor_id: int, document_id: int) -> dict[str, Any]:
    document = await _owned(instructor_id, document_id)
    if document["status"] != DocumentStatus.uploaded:
        if document["status"] == DocumentStatus.pending_review:
            return document_out(document, None)  # a retried submit: already checked
        raise ApiError(409, f"This document is {document['status']}; upload a new one", code="not_submittable")
    key = document["storage_key"]
    problem = await stored_problem(services, document)
    if problem is not None:
        await services.storage.delete(key)
        await BackgroundCheck.update(
            {BackgroundCheck.status: DocumentStatus.invalid, BackgroundCheck.reason: problem["message"]}
        ).where((BackgroundCheck.id == document_id) & (BackgroundCheck.status == DocumentStatus.uploaded))
        raise bad_input([problem])
    rows = await (
        BackgroundCheck.update(
            {BackgroundCheck.status: DocumentStatus.pending_review, BackgroundCheck.submitted_at: now()}
        )
        .where((BackgroundCheck.id == document_id) & (BackgroundCheck.status == DocumentStatus.uploaded))
        .returning(*BackgroundCheck.all_columns())
    )
    return document_out(rows[0] if rows else await _owned(instructor_id, document_id), None)


def document_out(document: dict[str, Any], view_url: str | None) -> dict[str, Any]:
    return {
        "document_id": document["id"],
        "instructor_id": document["instructor"],
        "status": document["status"],
        "reason": document["reason"],
        "filename": document["filename"],
        "content_type": document["content_type"],
        "size_bytes": document["size_bytes"],
        "view_url": view_url,
        "uploaded_at": document["uploaded_at"].isoformat(),
    }


STORED = (DocumentStatus.pending_review, DocumentStatus.approved, DocumentStatus.rejected)


async def _view_url(services: Services, document: dict[str, Any]) -> str | None:
    if document["status"] not in STORED:
        return None
    return await services.storage.presign_get(document["storage_key"], VIEW_SECONDS)


async def read_document(services: Services, user: Any, document_id: int) -> dict[str, Any]:
    """The owner's and admins' only; anyone else is told there is no such document."""
    document = await BackgroundCheck.select().where(BackgroundCheck.id == document_id).first()
    if document is None or (user.role != "admin" and document["instructor"] != user.id):
        raise not_found(document_id)
    return document_out(document, await _view_url(services, document))


async def documents_for_review(services: Services, status: str, limit: int) -> list[dict[str, Any]]:
    rows = await (
        BackgroundCheck.select()
        .where(BackgroundCheck.status == status)
        .order_by(BackgroundCheck.submitted_at)
        .order_by(BackgroundCheck.id)
        .limit(limit)
    )
    return [document_out(row, await _view_url(services, row)) for row in rows]


async def decide(services: Services, admin_id: int, document_id: int, approve: bool, reason: str | None) -> dict:
    reason = (reason or "").strip() or None
    if not approve and reason is None:
        raise bad_input([{"key": "reason", "message": "Say why the document is rejected"}])
    async with change(services.relay) as effects:
        document = await BackgroundCheck.select().where(BackgroundCheck.id == document_id).lock_rows().first()
        if document is None:
            raise not_found(document_id)
        if document["status"] != DocumentStatus.pending_review:
            raise ApiError(409, f"This document is {document['status']}, not pending review", code="not_pending_review")
        status = DocumentStatus.approved if approve else DocumentStatus.rejected
        rows = await (
            BackgroundCheck.update(
                {
                    BackgroundCheck.status: status,
                    BackgroundCheck.reason: reason,
                    BackgroundCheck.decided_at: now(),
                    BackgroundCheck.decided_by: admin_id,
                }
            )
            .where(BackgroundCheck.id == document_id)
            .returning(*BackgroundCheck.all_columns())
        )
        if approve:
            await note_progress(effects, document["instructor"])
        else:
            await notify(
                effects, document["instructor"], "onboarding.background_check_rejected",
                "Background check rejected", f"Your document was rejected: {reason}. Upload a new one.",
                {"document_id": document_id, "reason": reason},
            )  # fmt: skip
    return document_out(rows[0], None)
