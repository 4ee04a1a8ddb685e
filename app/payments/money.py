"""Money is integer cents (USD); every division rounds half up (API.md "Payments")."""

from __future__ import annotations

from datetime import datetime, timedelta


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, in integers (no float ever touches money)."""
    quotient, remainder = divmod(numerator, denominator)
    return quotient + (1 if 2 * remainder >= denominator else 0)


def lesson_price(hourly_rate_cents: int, start: datetime, end: datetime) -> int:
    seconds = int((end - start) / timedelta(seconds=1))
    return divide_half_up(hourly_rate_cents * seconds, 3600)


def platform_fee(price_cents: int, fee_percent: int) -> int:
    return divide_half_up(price_cents * fee_percent, 100)


def dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"
