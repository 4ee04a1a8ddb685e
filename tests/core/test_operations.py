from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import redis as sync_redis

from app.core.embedded import ensure_postgres, ensure_redis, stop_embedded


async def test_health_and_ready(client):
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "database": True, "redis": True}


async def test_openapi_describes_every_route_and_the_websocket(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/auth/register", "/api/auth/login", "/api/auth/logout", "/api/me", "/api/catalog/categories",
        "/api/instructors/me/services/{service_id}", "/api/instructors/{instructor_id}/availability/weeks/{week_start}",
        "/api/instructors/{instructor_id}/availability/weeks/{week_start}/copy",
        "/api/instructors/me/availability/settings", "/api/instructors/{instructor_id}/collaborators",
        "/api/instructors/{instructor_id}/collaborators/{user_id}", "/api/instructors/{instructor_id}/slots",
        "/api/bookings", "/api/bookings/{booking_id}/confirm", "/api/bookings/{booking_id}/cancel",
        "/api/notifications", "/api/notifications/{notification_id}/read", "/api/notifications/read-all",
        "/health", "/ready", "/ws",
    ):  # fmt: skip
        assert path in paths, path
    assert "bearer" in schema["components"]["securitySchemes"]


async def test_metrics_are_exposed_for_prometheus_with_the_metrics_token(settings, redis):
    from litestar.testing import AsyncTestClient

    from app.main import create_app

    app = create_app(replace(settings, metrics_token="scrape-me"))
    async with AsyncTestClient(app=app, timeout=30) as client:
        await client.get("/health")
        assert (await client.get("/metrics")).status_code == 401
        text = (await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).text
    assert "instainstru_requests_total" in text or "litestar_requests_total" in text
    assert "instainstru_ws_connections" in text


async def test_browser_client_is_served(client):
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html"), "a browser renders it, never downloads it"
    assert "<script" in page.text and "/static/" in page.text
    assert (await client.get("/static/js/app.js")).status_code == 200


async def test_cors_exposes_etag_and_last_modified(client):
    response = await client.get("/health", headers={"Origin": "http://elsewhere.test"})
    exposed = response.headers["access-control-expose-headers"].lower()
    assert "etag" in exposed and "last-modified" in exposed


def test_embedded_postgres_and_redis_start_in_a_data_folder(tmp_path: Path):
    import asyncio

    import asyncpg

    data_dir = Path("/tmp") / f"ii-embedded-{tmp_path.name[-12:]}"
    try:
        database_url = ensure_postgres(data_dir)
        redis_url = ensure_redis(data_dir)
        assert str(data_dir) in database_url

        async def version() -> str:
            conn = await asyncpg.connect(database_url)
            try:
                return await conn.fetchval("SHOW server_version")
            finally:
                await conn.close()

        assert asyncio.run(version()).startswith("16")
        assert sync_redis.Redis.from_url(redis_url).ping()
        assert ensure_redis(data_dir) == redis_url, "a running embedded Redis is reused"
    finally:
        stop_embedded(data_dir)
    assert not (data_dir / "redis" / "port").exists()
    assert not (data_dir / "pg" / "postmaster.pid").exists(), "PostgreSQL was shut down"
