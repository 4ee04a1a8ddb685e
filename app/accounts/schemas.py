from __future__ import annotations

from typing import Literal

import msgspec


class UserRegister(msgspec.Struct, forbid_unknown_fields=True):
    email: str
    password: str
    full_name: str
    role: Literal["student", "instructor"]
    timezone: str


class UserLogin(msgspec.Struct):
    email: str
    password: str


class UserOut(msgspec.Struct):
    id: int
    email: str
    full_name: str
    role: str
    timezone: str


class LoginResult(msgspec.Struct):
    token: str
    expires_at: str
    user: UserOut
