from __future__ import annotations

import json
from typing import Any

from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table


def all_tables() -> list[type[Table]]:
    from app.accounts.tables import RevokedToken, User
    from app.availability.tables import AvailabilityWeek, Collaborator, WeeklyTemplate
    from app.bookings.tables import Booking
    from app.catalog.tables import Category, InstructorService, Service
    from app.core.outbox import OutboxEntry
    from app.feeds.tables import CalendarFeed
    from app.instructors.onboarding_tables import BackgroundCheck, IdentitySession, OnboardingState
    from app.instructors.profile_tables import InstructorProfile
    from app.instructors.tables import AvailabilitySettings
    from app.media.tables import PictureUpload, ProfilePicture
    from app.notifications.tables import Notification
    from app.payments.earning_tables import AdminRefund, Earning
    from app.payments.stripe_tables import ConnectedAccount, PaymentMethod, Payout, StripeCustomer, StripeEvent
    from app.payments.tables import CreditBalance, CreditEntry, Payment
    from app.referrals.tables import Referral, ReferralCode
    from app.reviews.tables import Review, ReviewSummary
    from app.waitlist.tables import WaitlistEntry

    return [
        User, RevokedToken, Category, Service, InstructorService, AvailabilityWeek, AvailabilitySettings,
        Collaborator, WeeklyTemplate, Booking, Notification, OutboxEntry, Payment, CreditEntry, CreditBalance,
        StripeCustomer, PaymentMethod, StripeEvent, ConnectedAccount, Payout,
        Earning, AdminRefund, InstructorProfile,
        OnboardingState, IdentitySession, BackgroundCheck,
        PictureUpload, ProfilePicture,
        Review, ReviewSummary, ReferralCode, Referral, CalendarFeed, WaitlistEntry,
    ]  # fmt: skip


def make_engine(database_url: str) -> PostgresEngine:
    # pgserver ships no contrib extensions; the schema needs none.
    return PostgresEngine(config={"dsn": database_url}, extensions=(), log_queries=False)


async def open_pool(engine: PostgresEngine, max_size: int = 20) -> None:
    await engine.start_connection_pool(min_size=1, max_size=max_size)


def bind_tables(engine: PostgresEngine) -> None:
    for table in all_tables():
        table._meta.db = engine


def json_value(raw: Any) -> Any:
    """Piccolo hands JSONB columns back as text unless asked otherwise."""
    return json.loads(raw) if isinstance(raw, str | bytes) else raw


async def upsert(table: type[Table], key: dict[Any, Any], values: dict[Any, Any]) -> None:
    """Insert the row, or update `values` on the row the unique `key` columns already name."""
    row = table(**{column._meta.name: value for column, value in {**key, **values}.items()})
    await table.insert(row).on_conflict(target=tuple(key), action="DO UPDATE", values=list(values))
