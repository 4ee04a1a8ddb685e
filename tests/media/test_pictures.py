"""A good picture through the real arq worker: three upright sizes without metadata, made current
only when all three exist; the job run again changes nothing."""

from __future__ import annotations

import asyncio
import contextlib
import io
import time

from PIL import Image

from app.main import create_app
from app.media.processing import process_upload
from app.services import open_services
from realtime.publisher import Publisher
from tests.media.conftest import download, picture_notifications, upload_picture, upload_row
from tests.media.pictures import colour_at, png, two_colour_jpeg


def has_no_metadata(body: bytes) -> bool:
    image = Image.open(io.BytesIO(body))
    return not image.getexif() and b"Exif\0\0" not in body and b"http://ns.adobe.com/xap" not in body


async def test_a_picture_with_exif_yields_three_upright_sizes_with_no_exif_left(client, accounts, run_worker_burst):
    student = await accounts.student(card=None)
    # stored 1200x800, left red / right blue; orientation 6 shows it turned a quarter clockwise
    upload_id = await upload_picture(client, student, two_colour_jpeg(orientation=6, gps=True))
    assert (await client.get("/api/me", headers=student.headers)).json()["picture"] is None
    await run_worker_burst(max_jobs=10)

    picture = (await client.get("/api/me", headers=student.headers)).json()["picture"]
    assert picture["version"] == upload_id
    assert sorted(picture["urls"]) == ["200", "400", "original"]
    bodies = {name: await download(url) for name, url in picture["urls"].items()}
    sizes = {name: Image.open(io.BytesIO(body)).size for name, body in bodies.items()}
    assert sizes == {"original": (800, 1200), "400": (400, 400), "200": (200, 200)}
    original = Image.open(io.BytesIO(bodies["original"]))
    assert (colour_at(original, 400, 100), colour_at(original, 400, 1100)) == ("red", "blue")
    assert all(has_no_metadata(body) for body in bodies.values())
    [ready] = await picture_notifications(client, student)
    assert (ready["type"], ready["data"]) == ("picture.ready", {"upload_id": upload_id, "version": upload_id})


async def test_a_crop_is_a_square_of_the_upright_picture(client, accounts, run_worker_burst):
    student = await accounts.student(card=None)
    # upright the picture is 800x1200: red on top, blue below; the crop takes the bottom square
    await upload_picture(client, student, two_colour_jpeg(orientation=6), crop={"x": 0, "y": 400, "size": 800})
    await run_worker_burst(max_jobs=10)
    urls = (await client.get("/api/me", headers=student.headers)).json()["picture"]["urls"]
    original = Image.open(io.BytesIO(await download(urls["original"])))
    assert original.size == (800, 800)
    assert (colour_at(original, 400, 10), colour_at(original, 400, 790)) == ("red", "blue")
    small = Image.open(io.BytesIO(await download(urls["200"])))
    assert (colour_at(small, 100, 10), colour_at(small, 100, 190)) == ("red", "blue")


async def test_a_png_with_transparency_becomes_a_jpeg_picture(client, accounts, run_worker_burst):
    student = await accounts.student(card=None)
    await upload_picture(client, student, png(900, 600), content_type="image/png")
    await run_worker_burst(max_jobs=10)
    urls = (await client.get("/api/me", headers=student.headers)).json()["picture"]["urls"]
    original = Image.open(io.BytesIO(await download(urls["original"])))
    assert (original.format, original.size) == ("JPEG", (900, 600))
    assert Image.open(io.BytesIO(await download(urls["400"]))).size == (400, 400)


async def test_a_webp_declared_as_png_is_taken_by_its_content(client, accounts, run_worker_burst):
    student = await accounts.student(card=None)
    out = io.BytesIO()
    Image.new("RGB", (500, 700), (20, 20, 220)).save(out, "WEBP")
    await upload_picture(client, student, out.getvalue(), content_type="image/png")
    await run_worker_burst(max_jobs=10)
    urls = (await client.get("/api/me", headers=student.headers)).json()["picture"]["urls"]
    original = Image.open(io.BytesIO(await download(urls["original"])))
    assert (original.format, original.size, colour_at(original, 250, 350)) == ("JPEG", (500, 700), "blue")


async def test_a_crop_outside_the_picture_fails_naming_it(client, accounts, run_worker_burst, settings):
    student = await accounts.student(card=None)
    upload_id = await upload_picture(client, student, png(300, 300), "image/png", crop={"x": 100, "y": 0, "size": 250})
    await run_worker_burst(max_jobs=10)
    row = await upload_row(settings, upload_id)
    assert row["status"] == "failed"
    assert row["reason"] == "The crop (100, 0, size 250) does not fit in the 300x300 picture"
    assert (await client.get("/api/me", headers=student.headers)).json()["picture"] is None


async def test_the_picture_job_run_again_changes_nothing(client, accounts, run_worker_burst, settings):
    student = await accounts.student(card=None)
    upload_id = await upload_picture(client, student, two_colour_jpeg())
    await run_worker_burst(max_jobs=10)
    before = (await client.get("/api/me", headers=student.headers)).json()["picture"]

    publisher = Publisher.connect(settings.redis_url, settings.redis_prefix, settings.channel_history)
    services = await open_services(settings, publisher, pool_size=2)
    try:
        assert await process_upload(services, upload_id) == "ready"
    finally:
        await services.aclose()
        await publisher.aclose()
    assert (await client.get("/api/me", headers=student.headers)).json()["picture"] == before
    assert [n["type"] for n in await picture_notifications(client, student)] == ["picture.ready"]
    assert (await upload_row(settings, upload_id))["status"] == "ready"


async def test_me_answers_with_a_null_picture_before_any_upload(client, accounts):
    student = await accounts.student(card=None)
    me = (await client.get("/api/me", headers=student.headers)).json()
    assert me["picture"] is None and me["id"] == student.id


def test_the_openapi_document_describes_the_picture_endpoints(settings):
    schema = create_app(settings).openapi_schema.to_schema()
    upload = schema["paths"]["/api/me/picture"]["post"]
    assert set(upload["responses"]) == {"201", "400", "401", "429", "503"}
    assert upload["security"] == [{"bearer": []}]
    finalize = schema["paths"]["/api/me/picture/{upload_id}/finalize"]["post"]
    assert set(finalize["responses"]) == {"202", "400", "401", "404", "409", "503"}


async def test_storage_gone_while_the_job_runs_is_retried_then_fails_with_a_reason(
    client, accounts, settings, stripe_env
):
    """The worker's storage answers at start-up, then vanishes: each try is retried, the last one
    fails the upload (never left processing) and tells its owner."""
    from dataclasses import replace

    from arq.worker import Worker

    from standins.s3.launch import start_s3_standin
    from tasks.media import STORAGE_DOWN
    from tasks.worker import worker_settings

    student = await accounts.student(card=None)
    upload_id = await upload_picture(client, student, two_colour_jpeg())
    with start_s3_standin(secret_key=settings.s3_secret_key) as vanishing:
        options = worker_settings(replace(settings, s3_endpoint_url=vanishing.endpoint_url))
        started = options["on_startup"]

        async def then_storage_goes(ctx):
            await started(ctx)
            vanishing.stop()

        options["on_startup"] = then_storage_goes
        # Not a burst: the crons would keep its queue full; the worker runs until the upload is done.
        worker = Worker(**options, poll_delay=0.05)
        worker.handle_signals = False
        running = asyncio.create_task(worker.main())
        try:
            deadline = time.monotonic() + 120  # five tries 1, 2, 4 and 8 s apart
            while (row := await upload_row(settings, upload_id))["status"] == "processing":
                assert time.monotonic() < deadline and not running.done(), row
                await asyncio.sleep(0.2)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            await worker.close()
    assert (row["status"], row["reason"]) == ("failed", STORAGE_DOWN)
    [failed] = await picture_notifications(client, student)
    assert failed["type"] == "picture.failed"
    assert (await client.get("/api/me", headers=student.headers)).json()["picture"] is None
