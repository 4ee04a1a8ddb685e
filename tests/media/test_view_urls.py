"""View URLs: presigned GETs valid for an hour, the same ones from Redis for 45 minutes, new ones
when a new picture is finalized; the batch form the profile and search pages call."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from app.media.service import pictures_of
from app.services import open_services
from realtime.publisher import Publisher
from tests.media.conftest import upload_picture
from tests.media.pictures import two_colour_jpeg


def signed(url: str) -> tuple[datetime, int]:
    query = parse_qs(urlsplit(url).query)
    at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    return at, int(query["X-Amz-Expires"][0])


async def test_view_urls_come_from_the_cache_the_second_time_and_change_with_a_new_picture(
    client, accounts, run_worker_burst, redis, settings, a_minute_later
):
    student = await accounts.student(card=None)
    first_version = await upload_picture(client, student, two_colour_jpeg())
    await run_worker_burst(max_jobs=10)
    first = (await client.get("/api/me", headers=student.headers)).json()["picture"]
    for url in first["urls"].values():
        at, expires = signed(url)
        assert expires == 3600 and abs(at - datetime.now(UTC)) < timedelta(minutes=1)
    key = f"{settings.redis_prefix}picture-urls:{student.id}:{first_version}"
    assert 45 * 60 - 5 <= await redis.ttl(key) <= 45 * 60

    await asyncio.sleep(1.1)  # a presign now would carry a later X-Amz-Date: only the cache gives the same URLs
    again = (await client.get("/api/me", headers=student.headers)).json()["picture"]
    assert again == first

    await a_minute_later(student)
    second_version = await upload_picture(client, student, two_colour_jpeg(orientation=3))
    await run_worker_burst(max_jobs=10)
    second = (await client.get("/api/me", headers=student.headers)).json()["picture"]
    assert second["version"] == second_version > first_version
    assert set(second["urls"].values()).isdisjoint(first["urls"].values())
    assert all(f"/pictures/{student.id}/{second_version}/" in url for url in second["urls"].values())


async def test_pictures_of_many_users_at_once_is_null_for_those_without(client, accounts, run_worker_burst, settings):
    with_picture, without = await accounts.student(card=None), await accounts.student(card=None)
    version = await upload_picture(client, with_picture, two_colour_jpeg())
    await run_worker_burst(max_jobs=10)
    shown = (await client.get("/api/me", headers=with_picture.headers)).json()["picture"]

    publisher = Publisher.connect(settings.redis_url, settings.redis_prefix, settings.channel_history)
    services = await open_services(settings, publisher, pool_size=2)
    try:
        pictures = await pictures_of(services, [without.id, with_picture.id, with_picture.id])
        assert await pictures_of(services, []) == {}
    finally:
        await services.aclose()
        await publisher.aclose()
    assert pictures == {without.id: None, with_picture.id: shown}
    assert shown["version"] == version
