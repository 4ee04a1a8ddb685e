"""Argon2 password hashing, off the event loop (argon2-cffi releases the GIL)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


@dataclass(frozen=True)
class Passwords:
    hasher: PasswordHasher
    # Verifying unknown emails against this keeps them as slow as wrong passwords.
    dummy_hash: str

    @classmethod
    def create(cls, time_cost: int, memory_kib: int) -> Passwords:
        hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
        return cls(hasher, hasher.hash("not-a-real-password"))

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        def check() -> bool:
            try:
                return self.hasher.verify(stored_hash or self.dummy_hash, password) and stored_hash is not None
            except (VerificationError, InvalidHashError):
                return False

        return await asyncio.to_thread(check)
