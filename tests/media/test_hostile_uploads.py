"""Hostile uploads against a live web process and a real worker process: each ends in a failed
upload whose reason says why, told live to its owner; nothing of it is ever stored as a picture;
the same worker then makes the next good upload the picture."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest

from app.media.pictures import NOT_AN_IMAGE
from app.media.service import upload_key
from app.media.storage import Storage
from app.settings import PROJECT_ROOT
from tests.media.conftest import picture_notifications, put_to_storage, request_upload, upload_picture, upload_row
from tests.media.pictures import PDF, png_bomb, text_file, truncated_jpeg, two_colour_jpeg
from tests.support.accounts import Accounts
from tests.support.live import WsClient, server_env

HOSTILE = [
    ("a text file named .png", text_file, "image/png", NOT_AN_IMAGE),
    ("a PDF sent as a picture", lambda: PDF, "image/jpeg", NOT_AN_IMAGE),
    ("a decompression bomb", png_bomb, "image/png", "The picture has more than 40 megapixels"),
    ("a truncated JPEG", truncated_jpeg, "image/jpeg", "The picture is damaged or truncated"),
]


@pytest.fixture
def worker(settings):
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "worker"], env=server_env(settings), cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL
    )
    yield process
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
async def storage(settings):
    storage = await Storage.open(settings)
    yield storage
    await storage.aclose()


async def stored_pictures(storage: Storage, user_id: int) -> list[str]:
    listed = await storage.client.list_objects_v2(Bucket=storage.bucket, Prefix=f"pictures/{user_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]


async def test_hostile_uploads_fail_clearly_and_the_worker_takes_the_next_good_one(
    live, http_factory, settings, worker, storage, a_minute_later
):
    server = live("uvicorn")
    http = http_factory(server)
    student = await Accounts(http).student(card=None)
    ws = await WsClient.connect(server, student.token)
    channel = f"notifications:{student.id}"
    try:
        assert (await ws.subscribe(channel))["op"] == "subscribed"
        for case, make, content_type, reason in HOSTILE:
            upload_id = await upload_picture(http, student, make(), content_type)
            frame = await ws.event("notification.created", channel, timeout=60)
            assert frame["data"]["type"] == "picture.failed", case
            assert frame["data"]["data"] == {"upload_id": upload_id, "reason": reason}, case
            row = await upload_row(settings, upload_id)
            assert (row["status"], row["reason"]) == ("failed", reason), case
            assert await storage.head(upload_key(student.id, upload_id)) is None, "the refused file is deleted"
            await a_minute_later(student)

        # 11 MB: refused when asked for, and refused by HEAD, unread, from a store that ignored the signed length
        too_big = await http.post(
            "/api/me/picture",
            json={"content_type": "image/jpeg", "size_bytes": 11 * 1024 * 1024},
            headers=student.headers,
        )
        assert too_big.status_code == 400 and too_big.json()["extra"][0]["key"] == "size_bytes"
        upload = await request_upload(http, student, 1000)
        await storage.put(
            upload_key(student.id, upload["upload_id"]), b"\xff\xd8\xff" + bytes(11 * 1024 * 1024), "image/jpeg"
        )
        finalized = await http.post(f"/api/me/picture/{upload['upload_id']}/finalize", json={}, headers=student.headers)
        assert finalized.status_code == 202
        frame = await ws.event("notification.created", channel, timeout=60)
        assert frame["data"]["data"] == {"upload_id": upload["upload_id"], "reason": "The file is larger than 10 MB"}
        await a_minute_later(student)

        assert (await http.get("/api/me", headers=student.headers)).json()["picture"] is None
        assert await stored_pictures(storage, student.id) == [], "no version of a refused file was written"
        assert worker.poll() is None, "the worker is still running"

        good = await upload_picture(http, student, two_colour_jpeg())
        frame = await ws.event("notification.created", channel, timeout=60)
        assert frame["data"]["type"] == "picture.ready"
        assert (await http.get("/api/me", headers=student.headers)).json()["picture"]["version"] == good
        assert sorted(await stored_pictures(storage, student.id)) == [
            f"pictures/{student.id}/{good}/{name}.jpg" for name in ("200", "400", "original")
        ]
    finally:
        await ws.close()
    failed = [n for n in await picture_notifications(http, student) if n["type"] == "picture.failed"]
    assert len(failed) == len(HOSTILE) + 1


async def test_an_upload_whose_put_differs_from_what_was_asked_never_reaches_storage(client, accounts, storage):
    student = await accounts.student(card=None)
    upload = await request_upload(client, student, 1000, "image/png")
    async with httpx.AsyncClient() as http:
        as_other_type = await http.put(upload["upload_url"], content=bytes(1000), headers={"Content-Type": "text/html"})
        larger = await http.put(upload["upload_url"], content=bytes(5000), headers={"Content-Type": "image/png"})
    assert (as_other_type.status_code, larger.status_code) == (403, 403)
    assert await storage.head(upload_key(student.id, upload["upload_id"])) is None
    await put_to_storage(upload, bytes(1000))
    assert await storage.head(upload_key(student.id, upload["upload_id"])) == {
        "size": 1000,
        "content_type": "image/png",
    }
