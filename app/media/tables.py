from enum import StrEnum

from piccolo.columns import JSONB, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from app.accounts.tables import User


class UploadStatus(StrEnum):
    ISSUED = "issued"  # an upload URL was handed out
    PROCESSING = "processing"  # finalized: the worker's job is due
    READY = "ready"
    FAILED = "failed"


class PictureUpload(Table, tablename="picture_uploads"):
    """One presigned upload of a profile picture; its id is the version it becomes."""

    user = ForeignKey(references=User)
    content_type = Varchar(length=40)
    size_bytes = Integer()
    status = Varchar(length=12, choices=UploadStatus)
    crop = JSONB(null=True, default=None)
    reason = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ProfilePicture(Table, tablename="profile_pictures"):
    """The user's current picture: a version whose three renditions are all stored."""

    user = ForeignKey(references=User, primary_key=True)
    version = Integer()
    updated_at = Timestamptz()
