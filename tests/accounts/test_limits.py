from __future__ import annotations

import pytest

from app.accounts.limits import AccountLookupLimiter
from app.core.errors import ApiError


async def test_account_lookups_are_counted_per_instructor_within_the_hour(redis, settings):
    lookups = AccountLookupLimiter(redis, settings.redis_prefix, per_hour=3)
    for _ in range(3):
        await lookups.record(instructor_id=7)
    with pytest.raises(ApiError) as refused:
        await lookups.record(instructor_id=7)
    assert refused.value.status_code == 429
    assert refused.value.code == "too_many_lookups"
    assert 3500 < int(refused.value.headers["Retry-After"]) <= 3600
    await lookups.record(instructor_id=8)  # another instructor's budget is its own
    assert 3500 < await redis.ttl(f"{settings.redis_prefix}account-lookups:7") <= 3600
