"""arq WorkerSettings: jobs are `async def job(ctx, <ids>)`; the services object is built once in on_startup."""

from __future__ import annotations

from typing import Any

from arq import cron

from app.services import arq_queue_name, arq_settings, open_services
from app.settings import Settings
from realtime.publisher import Publisher
from tasks.bookings import release_expired_hold
from tasks.cards import retry_failed_authorizations
from tasks.earnings import finish_admin_refund, transfer_due_earnings, transfer_earning
from tasks.media import process_picture
from tasks.outbox import sweep_outbox
from tasks.payments import (
    authorize_booking_payment,
    cancel_unpaid_bookings,
    capture_card_payment,
    refund_card_payment,
    release_card_authorization,
    release_unused_authorization,
    sweep_payments_due,
)
from tasks.waitlist import check_waitlist

EVERY_SECOND = set(range(60))
EVERY_TEN_SECONDS = set(range(0, 60, 10))
EVERY_THREE_SECONDS = set(range(0, 60, 3))


def worker_settings(settings: Settings) -> dict[str, Any]:
    async def on_startup(ctx: dict[str, Any]) -> None:
        # A worker serves no sockets: it publishes through the same path as the web processes.
        publisher = Publisher.connect(settings.redis_url or "", settings.redis_prefix, settings.channel_history)
        ctx["services"] = await open_services(settings, publisher, pool_size=5, queue=ctx["redis"])

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        await ctx["services"].close_clients()
        await ctx["services"].publisher.aclose()
        await ctx["services"].engine.close_connection_pool()

    return {
        "functions": [
            release_expired_hold,
            release_card_authorization,
            capture_card_payment,
            refund_card_payment,
            retry_failed_authorizations,
            transfer_earning,
            finish_admin_refund,
            authorize_booking_payment,
            release_unused_authorization,
            process_picture,
            check_waitlist,
        ],
        "cron_jobs": [
            cron(sweep_outbox, second=EVERY_SECOND, run_at_startup=True, unique=True, timeout=30),
            cron(sweep_payments_due, second=EVERY_THREE_SECONDS, run_at_startup=True, unique=True, timeout=120),
            cron(transfer_due_earnings, second=EVERY_TEN_SECONDS, run_at_startup=True, unique=True, timeout=120),
            cron(cancel_unpaid_bookings, second=EVERY_TEN_SECONDS, run_at_startup=True, unique=True, timeout=60),
        ],
        "redis_settings": arq_settings(settings),
        "queue_name": arq_queue_name(settings),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "max_tries": 5,
        "handle_signals": True,
    }
