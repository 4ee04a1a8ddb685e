"""Passwords: argon2 hashing off the event loop (argon2-cffi releases the GIL), and the strength
rule for new ones (API.md: at least 8 characters and a zxcvbn score of 2 or more)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn


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


MIN_LENGTH = 8
MAX_LENGTH = 1024
# zxcvbn's own limit: its matching cost grows steeply with length (~50 ms at 72 characters), and
# a password whose first 72 characters are hard to guess is hard to guess.
SCORED_LENGTH = 72
# zxcvbn 2: "somewhat guessable", protection from unthrottled online attacks (API.md's bar).
MIN_SCORE = 2


def _personal_words(email: str, full_name: str) -> list[str]:
    local, _, domain = email.strip().lower().partition("@")
    return [email.strip().lower(), local, domain, full_name, *full_name.split()]


def password_problem(password: str, email: str, full_name: str) -> str | None:
    """Why a new password is refused (zxcvbn's own feedback for a guessable one), or None."""
    if len(password) < MIN_LENGTH:
        return f"Must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"Must be at most {MAX_LENGTH} characters"
    result = zxcvbn(password[:SCORED_LENGTH], user_inputs=_personal_words(email, full_name))
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    personal = any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"])
    reasons = ["It contains your email or name." if personal else "", feedback["warning"], *feedback["suggestions"]]
    why = " ".join(reason for reason in reasons if reason)
    return f"Too easy to guess: {why or 'use a longer, less predictable passphrase.'}"
