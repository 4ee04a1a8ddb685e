from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.accounts.passwords import MAX_LENGTH
from app.media.schemas import Picture

# Upper bounds only (the column sizes of `users`): registration_problems names every other
# problem at once, which a schema validator stopping at the first one would not.
Email = Annotated[str, msgspec.Meta(max_length=320)]
Password = Annotated[str, msgspec.Meta(max_length=MAX_LENGTH)]
FullName = Annotated[str, msgspec.Meta(max_length=200)]
Timezone = Annotated[str, msgspec.Meta(max_length=64, examples=["America/New_York"])]


class UserRegister(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Password
    full_name: FullName
    role: Literal["student", "instructor"]
    timezone: Timezone
    # A referrer's code (app.referrals); an unknown one is a 400.
    referral_code: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class UserLogin(msgspec.Struct):
    email: Email
    password: Password


class ManagedCalendar(msgspec.Struct):
    instructor_id: int
    full_name: str


class UserOut(msgspec.Struct):
    id: int
    email: str
    full_name: str
    role: str
    timezone: str
    # The calendars this user edits as a collaborator (e.g. a studio manager), by instructor name.
    manages: list[ManagedCalendar] = msgspec.field(default_factory=list)


class Me(UserOut):
    """GET /api/me: the user with its profile picture (app.media.service.picture_of)."""

    picture: Picture | None = None


class LoginResult(msgspec.Struct):
    token: str
    expires_at: str
    user: UserOut
