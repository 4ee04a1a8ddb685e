"""Object storage (app/media/storage.py) against the S3 stand-in: presigned PUTs bound to their
content type and length, presigned GETs that expire when they say, bounded reads."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.media.storage import ObjectTooLarge, Storage, storage_origin


@pytest.fixture
async def storage(settings):
    storage = await Storage.open(settings)
    yield storage
    await storage.aclose()


def key() -> str:
    return f"tests/{uuid.uuid4().hex}"


async def test_a_presigned_put_stores_exactly_the_declared_type_and_length(storage):
    name = key()
    url, headers = await storage.presign_put(name, "image/png", 5)
    assert headers == {"Content-Type": "image/png", "Content-Length": "5"}
    async with httpx.AsyncClient() as http:
        other_type = await http.put(url, content=b"hello", headers={"Content-Type": "image/jpeg"})
        other_length = await http.put(url, content=b"hello!", headers={"Content-Type": "image/png"})
        assert (other_type.status_code, other_length.status_code) == (403, 403)
        assert "SignatureDoesNotMatch" in other_type.text
        assert await storage.head(name) is None
        assert (await http.put(url, content=b"hello", headers=headers)).status_code == 200
    assert await storage.head(name) == {"size": 5, "content_type": "image/png"}


async def test_a_presigned_url_says_when_it_expires_and_is_refused_after(storage):
    name = key()
    await storage.put(name, b"picture bytes", "image/jpeg")
    put_url, _ = await storage.presign_put(name, "image/jpeg", 13)
    assert parse_qs(urlsplit(put_url).query)["X-Amz-Expires"] == ["900"]
    url = await storage.presign_get(name, 3)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["3"]
    async with httpx.AsyncClient() as http:
        fresh = await http.get(url)
        assert (fresh.status_code, fresh.content) == (200, b"picture bytes")
        await asyncio.sleep(4.2)
        expired = await http.get(url)
    assert expired.status_code == 403
    assert "Request has expired" in expired.text


async def test_reads_are_bounded_and_a_deleted_object_is_gone(storage):
    name = key()
    await storage.put(name, b"0123456789", "application/octet-stream")
    assert await storage.read(name, 10) == b"0123456789"
    assert await storage.read_head(name, 4) == b"0123"
    assert await storage.read_head(name, 100) == b"0123456789"
    with pytest.raises(ObjectTooLarge):
        await storage.read(name, 9)
    await storage.delete(name)
    assert await storage.head(name) is None


async def test_a_missing_bucket_is_created_private_with_cors_for_the_app(settings):
    bucket = f"fresh-{uuid.uuid4().hex[:12]}"
    storage = await Storage.open(replace(settings, s3_bucket=bucket), allowed_origins=("http://app.example",))
    try:
        cors = await storage.client.get_bucket_cors(Bucket=bucket)
        assert cors["CORSRules"][0]["AllowedOrigins"] == ["http://app.example"]
        assert "PUT" in cors["CORSRules"][0]["AllowedMethods"]
        async with httpx.AsyncClient() as http:
            await storage.put("private", b"secret", "text/plain")
            anonymous = await http.get(f"{settings.s3_endpoint_url}/{bucket}/private")
        assert anonymous.status_code == 403
    finally:
        await storage.aclose()


async def test_pages_allow_the_storage_origin_for_uploads_and_pictures_only(client, settings):
    policy = (await client.get("/")).headers["content-security-policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";")}
    origin = storage_origin(settings)
    assert origin == settings.s3_endpoint_url
    assert directives["connect-src"] == ["'self'", origin]
    assert directives["img-src"] == ["'self'", "data:", origin]
    assert origin not in directives["script-src"]
