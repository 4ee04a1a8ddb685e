from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.instructors.onboarding_documents import MAX_BYTES


class StepOut(msgspec.Struct):
    key: Literal["profile", "services", "identity", "background_check", "payouts"]
    done: bool
    # identity: not_started / pending / verified / failed; background_check: not_started / uploaded /
    # pending_review / approved / rejected; payouts: not_started / pending / active / restricted;
    # profile and services: complete / incomplete.
    status: str
    # What to do next, or why the step is not done (a rejection's reason, what Stripe asks for).
    detail: str


class OnboardingOut(msgspec.Struct):
    is_live: bool
    can_go_live: bool
    steps: list[StepOut]


class LiveOut(msgspec.Struct):
    is_live: bool


class BackgroundCheckUpload(msgspec.Struct, forbid_unknown_fields=True):
    filename: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    # At most 10 MB, as the stored object must be.
    size_bytes: Annotated[int, msgspec.Meta(ge=1, le=MAX_BYTES)]


class UploadOut(msgspec.Struct):
    document_id: int
    # A presigned PUT to private storage, valid for 15 minutes; send `headers` with it.
    upload_url: str
    headers: dict[str, str]


class DocumentOut(msgspec.Struct):
    document_id: int
    instructor_id: int
    status: Literal["uploaded", "pending_review", "approved", "rejected", "invalid"]
    # Why it was rejected by an admin, or refused at submit.
    reason: str | None
    filename: str
    content_type: str
    size_bytes: int
    # A presigned GET valid for 5 minutes, once the document is stored (submitted).
    view_url: str | None
    uploaded_at: str


class Decision(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    # Required when rejecting: the instructor is told.
    reason: Annotated[str, msgspec.Meta(max_length=500)] | None = None
