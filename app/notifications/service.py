"""The per-user feed: kept in PostgreSQL, delivered live on notifications:{user_id}."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from app.core.db import json_value
from app.core.errors import ApiError
from app.core.outbox import Effects
from app.notifications.tables import Notification

MAX_PAGE = 100
COLUMNS = (
    Notification.id, Notification.type, Notification.title, Notification.body,
    Notification.data, Notification.created_at, Notification.read_at,
)  # fmt: skip


def notification_json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "type": row["type"],
        "title": row["title"],
        "body": row["body"],
        "data": json_value(row["data"]),
        "created_at": row["created_at"].isoformat(),
        "read_at": row["read_at"].isoformat() if row["read_at"] else None,
    }


async def unread_exists(user_id: int, type_: str, about: dict[str, Any]) -> bool:
    """An unread notification of this type whose data contains `about`."""
    rows = await Notification.raw(
        'SELECT 1 FROM notifications WHERE "user" = {} AND type = {} AND read_at IS NULL AND data @> {}::jsonb LIMIT 1',
        user_id, type_, json.dumps(about),
    )  # fmt: skip
    return bool(rows)


def feed_channel(user_id: int) -> str:
    return f"notifications:{user_id}"


async def notify(
    effects: Effects, user_id: int, type_: str, title: str, body: str, data: dict[str, Any]
) -> dict[str, Any]:
    """The feed row and its live event, both in the change's transaction."""
    rows = await Notification.insert(
        Notification(user=user_id, type=type_, title=title, body=body, data=data, created_at=datetime.now(UTC))
    ).returning(*COLUMNS)
    item = notification_json(rows[0])
    await effects.event(feed_channel(user_id), "notification.created", item)
    return item


async def feed(user_id: int, before: int | None, limit: int) -> dict[str, Any]:
    condition = Notification.user == user_id
    if before is not None:
        condition &= Notification.id < before
    rows = (
        await Notification.select(*COLUMNS)
        .where(condition)
        .order_by(Notification.id, ascending=False)
        .limit(max(1, min(limit, MAX_PAGE)))
    )
    unread = await Notification.count().where((Notification.user == user_id) & Notification.read_at.is_null())
    return {"items": [notification_json(r) for r in rows], "unread": unread}


async def mark_read(user_id: int, notification_id: int) -> None:
    updated = (
        await Notification.update({Notification.read_at: datetime.now(UTC)})
        .where((Notification.id == notification_id) & (Notification.user == user_id) & Notification.read_at.is_null())
        .returning(Notification.id)
    )
    if not updated and not await Notification.exists().where(
        (Notification.id == notification_id) & (Notification.user == user_id)
    ):
        raise ApiError(404, f"No notification with id {notification_id}", code="not_found")


async def mark_all_read(user_id: int) -> None:
    await Notification.update({Notification.read_at: datetime.now(UTC)}).where(
        (Notification.user == user_id) & Notification.read_at.is_null()
    )
