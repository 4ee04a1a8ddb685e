"""Profile-picture helpers: ask for an upload, PUT the bytes to storage as a browser does, finalize."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from app.core.tls import http_client
from tests.support.accounts import Account


async def request_upload(client: Any, user: Account, size: int, content_type: str = "image/jpeg") -> dict[str, Any]:
    response = await client.post(
        "/api/me/picture", json={"content_type": content_type, "size_bytes": size}, headers=user.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def put_to_storage(upload: dict[str, Any], body: bytes) -> None:
    async with http_client() as http:
        stored = await http.put(upload["upload_url"], content=body, headers=upload["headers"])
    assert stored.status_code == 200, stored.text


async def upload_picture(
    client: Any, user: Account, body: bytes, content_type: str = "image/jpeg", crop: dict[str, int] | None = None
) -> int:
    """Up to the finalize's 202; the worker does the rest."""
    upload = await request_upload(client, user, len(body), content_type)
    await put_to_storage(upload, body)
    finalized = await client.post(
        f"/api/me/picture/{upload['upload_id']}/finalize", json={"crop": crop} if crop else {}, headers=user.headers
    )
    assert (finalized.status_code, finalized.json()) == (202, {"status": "processing"}), finalized.text
    return upload["upload_id"]


async def upload_row(settings, upload_id: int) -> dict[str, Any]:
    connection = await asyncpg.connect(settings.database_url)
    try:
        row = await connection.fetchrow("SELECT * FROM picture_uploads WHERE id = $1", upload_id)
    finally:
        await connection.close()
    return dict(row)


async def picture_notifications(client: Any, user: Account) -> list[dict[str, Any]]:
    items = (await client.get("/api/notifications", headers=user.headers)).json()["items"]
    return [item for item in items if item["type"].startswith("picture.")]


async def download(url: str) -> bytes:
    async with http_client() as http:
        response = await http.get(url)
    assert response.status_code == 200, response.text
    return response.content


@pytest.fixture
def a_minute_later(redis, settings):
    """The upload limit's window over for a user (its Redis counter gone, as after a minute)."""

    async def wait_out(user: Account) -> None:
        await redis.delete(f"{settings.redis_prefix}picture-uploads:{user.id}")

    return wait_out
