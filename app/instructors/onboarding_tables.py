"""What onboarding keeps (piccolo_migrations/instainstru_0013_onboarding.py): whether an instructor
is live and which steps it was told are done, its Stripe Identity sessions and its background-check
documents. State columns list their values in enums, in the order a state may move."""

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class IdentityStatus(StrEnum):
    """A verification session's state, in the order it may move (a failed session can still be
    verified on its hosted page; a verified one stays verified)."""

    pending = "pending"
    failed = "failed"
    verified = "verified"


class DocumentStatus(StrEnum):
    # An upload URL was issued; nothing submitted yet.
    uploaded = "uploaded"
    # Submitted and checked by content: waiting for an admin.
    pending_review = "pending_review"
    approved = "approved"
    rejected = "rejected"
    # Refused at submit (not a real PDF/JPEG/PNG, too big, not as declared): the object is deleted.
    invalid = "invalid"


class OnboardingState(Table, tablename="onboarding_states"):
    instructor = ForeignKey(references=User, unique=True)
    is_live = Boolean(default=False)
    live_at = Timestamptz(null=True, default=None)
    # Step keys already announced as onboarding.step_done (comma-separated): each is told once.
    notified_steps = Text(default="")
    updated_at = Timestamptz()


class IdentitySession(Table, tablename="identity_sessions"):
    instructor = ForeignKey(references=User)
    session_id = Varchar(length=255, unique=True)
    status = Varchar(length=20)  # IdentityStatus
    # Stripe's last_error.reason of a failed attempt, for the checklist.
    failure_reason = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class BackgroundCheck(Table, tablename="background_checks"):
    instructor = ForeignKey(references=User)
    status = Varchar(length=20)  # DocumentStatus
    filename = Varchar(length=255)
    content_type = Varchar(length=40)
    size_bytes = Integer()
    storage_key = Varchar(length=255, unique=True, null=True, default=None)
    reason = Text(null=True, default=None)
    uploaded_at = Timestamptz()
    submitted_at = Timestamptz(null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=User, null=True, default=None)
