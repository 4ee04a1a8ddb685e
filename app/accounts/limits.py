"""Redis fixed-window counters that slow down guessing: failed logins per email, account lookups
by email per instructor (adding a collaborator)."""

from __future__ import annotations

from redis.asyncio import Redis

from app.core.errors import ApiError


class FixedWindow:
    """Counts events per key in a window fixed from the key's first event."""

    # EXPIRE NX needs Redis 7; the embedded one is 6.2.
    _COUNT = """
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return {n, redis.call('TTL', KEYS[1])}
    """

    def __init__(self, redis: Redis, key_prefix: str, window_seconds: int) -> None:
        self.redis, self.key_prefix, self.window = redis, key_prefix, window_seconds
        self._count = redis.register_script(self._COUNT)

    def key(self, subject: str) -> str:
        return f"{self.key_prefix}{subject}"

    async def count(self, subject: str) -> tuple[int, int]:
        """Records one event; returns the events in the window so far and the seconds it has left."""
        n, ttl = await self._count(keys=[self.key(subject)], args=[self.window])
        return int(n), max(1, int(ttl))

    async def peek(self, subject: str) -> tuple[int, int]:
        key = self.key(subject)
        n, ttl = await self.redis.pipeline().get(key).ttl(key).execute()
        return int(n or 0), max(1, ttl)


def too_many(detail: str, code: str, retry_after: int) -> ApiError:
    return ApiError(429, f"{detail}; retry in {retry_after} s", code=code, headers={"Retry-After": str(retry_after)})


class LoginLimiter:
    """Failed logins per email; past the limit every login for that email is refused until the window ends."""

    def __init__(self, redis: Redis, prefix: str, limit: int, window_seconds: int) -> None:
        self.limit = limit
        self.failures = FixedWindow(redis, f"{prefix}login-failures:", window_seconds)

    async def refuse_if_locked(self, email: str) -> None:
        failures, ttl = await self.failures.peek(email.strip().lower())
        if failures >= self.limit:
            raise too_many("Too many failed logins for this email", "too_many_attempts", ttl)

    async def record_failure(self, email: str) -> None:
        await self.failures.count(email.strip().lower())


class AccountLookupLimiter:
    """Lookups of an account by email on an instructor's behalf (adding a collaborator), per hour.

    Every attempt counts, found or not: the answer says whether an email has an account, so the
    limit is what keeps it from being an enumeration tool."""

    def __init__(self, redis: Redis, prefix: str, per_hour: int) -> None:
        self.per_hour = per_hour
        self.attempts = FixedWindow(redis, f"{prefix}account-lookups:", 3600)

    async def record(self, instructor_id: int) -> None:
        attempts, ttl = await self.attempts.count(str(instructor_id))
        if attempts > self.per_hour:
            raise too_many(f"At most {self.per_hour} collaborator adds an hour", "too_many_lookups", ttl)
