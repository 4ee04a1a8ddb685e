"""A 24-megapixel JPEG through the real picture job (app.media.processing.process_upload: HEAD, read,
render, three PUTs, the version made current), each run in a fresh process so its peak memory is its
own, beside the same job decoding the JPEG in full (the baseline); then the view-URL path
(app.media.service.picture_of) served from Redis against presigning three URLs every time.

    bench/picture_job.py [--runs 3] [--calls 2000]

Peak memory is the job's: the process's peak resident size (VmHWM, reset just before the job) minus
its resident size then (Pillow allocates pixels outside Python's allocator, where tracemalloc does
not see them).
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import subprocess
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from _common import PYTHON, ROOT, Services, median, ratio

SIDE = (6000, 4000)  # 24 megapixels, as a 24 MP camera's 3:2 frame
S3_SECRET = "bench-s3-secret"


def photo_like_jpeg() -> bytes:
    """Smooth gradients with edges and texture, upright only after EXIF orientation 6 (a portrait shot)."""
    from PIL import ExifTags, Image, ImageDraw

    width, height = SIDE
    red = Image.linear_gradient("L").resize(SIDE)
    green = Image.radial_gradient("L").resize(SIDE)
    blue = Image.linear_gradient("L").rotate(90).resize(SIDE)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for i in range(0, width, 97):
        draw.line([(i, 0), (width - i, height)], fill=(i % 255, 80, 200 - i % 200), width=3)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def reset_peak() -> None:
    """VmHWM starts again from the current resident size (ru_maxrss cannot: after fork and exec it
    still holds the parent's peak)."""
    Path("/proc/self/clear_refs").write_text("5")


async def child(kind: str, upload_id: int) -> dict:
    """One job in this fresh process: `draft` is the product's code path, `full` decodes in full."""
    import app.media.processing as processing
    from app.media.pictures import render_picture
    from app.services import open_services
    from app.settings import Settings
    from realtime.publisher import Publisher

    if kind == "full":
        processing.render_picture = partial(render_picture, draft=False)
    settings = Settings.from_env()
    publisher = Publisher.connect(settings.redis_url or "", settings.redis_prefix, settings.channel_history)
    services = await open_services(settings, publisher, pool_size=2)
    try:
        reset_peak()
        before = status_kb("VmRSS")
        started = time.perf_counter()
        status = await processing.process_upload(services, upload_id)
        seconds = time.perf_counter() - started
        peak = status_kb("VmHWM")
    finally:
        await services.aclose()
        await publisher.aclose()
    return {"kind": kind, "status": status, "seconds": seconds, "job_peak_kb": max(0, peak - before)}


async def add_upload(services: Services, storage, user_id: int, body: bytes) -> int:
    import asyncpg

    from app.media.service import upload_key

    conn = await asyncpg.connect(services.database_url)
    try:
        now = datetime.now(UTC)
        upload_id = await conn.fetchval(
            "INSERT INTO picture_uploads (\"user\", content_type, size_bytes, status, created_at, updated_at) "
            "VALUES ($1, 'image/jpeg', $2, 'processing', $3, $3) RETURNING id",
            user_id, len(body), now,
        )  # fmt: skip
    finally:
        await conn.close()
    await storage.put(upload_key(user_id, upload_id), body, "image/jpeg")
    return upload_id


async def add_users(services: Services, n: int) -> list[int]:
    import asyncpg

    conn = await asyncpg.connect(services.database_url)
    try:
        rows = await conn.fetch(
            "INSERT INTO users (email, password_hash, full_name, role, timezone, created_at) "
            "SELECT 'bench' || $2::text || '-' || i || '@pictures.test', 'x', 'Bench ' || i, 'student', 'UTC', now() "
            "FROM generate_series(1, $1) AS i RETURNING id",
            n,
            os.urandom(4).hex(),
        )
    finally:
        await conn.close()
    return [row["id"] for row in rows]


async def job_runs(services: Services, runs: int) -> None:
    from app.media.storage import Storage

    body = photo_like_jpeg()
    print(f"picture: {SIDE[0]}x{SIDE[1]} JPEG (EXIF orientation 6), {len(body) / 1e6:.1f} MB", flush=True)
    settings = services.settings()
    storage = await Storage.open(_with_s3(settings))
    [user_id] = await add_users(services, 1)
    results: dict[str, list[dict]] = {"draft": [], "full": []}
    try:
        for run in range(runs):
            for kind in ("draft", "full") if run % 2 == 0 else ("full", "draft"):
                upload_id = await add_upload(services, storage, user_id, body)
                done = await asyncio.to_thread(
                    subprocess.run,
                    [PYTHON, __file__, "--child", kind, "--upload-id", str(upload_id)],
                    env=services.env(**s3_env()), cwd=ROOT, capture_output=True, text=True, timeout=300,
                )  # fmt: skip
                if done.returncode:
                    raise RuntimeError(done.stderr[-2000:])
                result = json.loads(done.stdout.strip().splitlines()[-1])
                assert result["status"] == "ready", result
                results[kind].append(result)
                print(f"run {run + 1} {kind:5}: {result['seconds'] * 1000:7.0f} ms, job peak "
                      f"{result['job_peak_kb'] / 1024:6.1f} MB", flush=True)  # fmt: skip
    finally:
        await storage.aclose()
    time_draft, time_full = (median([r["seconds"] for r in results[k]]) for k in ("draft", "full"))
    peak_draft, peak_full = (median([r["job_peak_kb"] for r in results[k]]) for k in ("draft", "full"))
    print(f"\nmedians over {runs} runs:")
    print(f"  draft decode (the product): {time_draft * 1000:.0f} ms, peak {peak_draft / 1024:.1f} MB")
    print(f"  full decode (baseline):     {time_full * 1000:.0f} ms, peak {peak_full / 1024:.1f} MB")
    print(f"  draft/full: time {ratio(time_draft, time_full)}, peak memory {ratio(peak_draft, peak_full)} "
          f"(target: at most x0.33)")  # fmt: skip


async def view_url_runs(services: Services, calls: int) -> None:
    from app.media.service import RENDITIONS, VIEW_URL_SECONDS, picture_key, picture_of, pictures_of
    from app.media.tables import ProfilePicture
    from app.services import open_services
    from realtime.publisher import Publisher

    settings = _with_s3(services.settings())
    publisher = Publisher.connect(settings.redis_url, settings.redis_prefix, settings.channel_history)
    app_services = await open_services(settings, publisher, pool_size=2)
    try:
        import asyncpg

        conn = await asyncpg.connect(services.database_url)
        user_id, version = await conn.fetchrow('SELECT "user", version FROM profile_pictures LIMIT 1')
        page = await add_users(services, 49)
        await conn.execute(
            'INSERT INTO profile_pictures ("user", version, updated_at) SELECT unnest($1::int[]), $2, now()',
            page, version,
        )  # fmt: skip
        await conn.close()
        page.append(user_id)

        async def presigned_every_time(user_ids: list[int]) -> None:
            """What picture_of would do without the cache: the same version lookup, then 3 presigns a user."""
            rows = await ProfilePicture.select(ProfilePicture.user, ProfilePicture.version).where(
                ProfilePicture.user.is_in(user_ids)
            )
            for row in rows:
                for name in RENDITIONS:
                    await app_services.storage.presign_get(
                        picture_key(row["user"], row["version"], name), VIEW_URL_SECONDS
                    )

        async def interleaved(cached, presigned, n: int) -> tuple[float, float]:
            """Seconds per call of each, alternating blocks of 10 calls so both see the same machine."""
            spent = [0.0, 0.0]
            for _ in range(max(1, n // 10)):
                for i, step in enumerate((cached, presigned)):
                    started = time.perf_counter()
                    for _ in range(10):
                        await step()
                    spent[i] += time.perf_counter() - started
            calls_each = max(1, n // 10) * 10
            return spent[0] / calls_each, spent[1] / calls_each

        await picture_of(app_services, user_id)
        await pictures_of(app_services, page)
        one_cached, one_presigned = await interleaved(
            partial(picture_of, app_services, user_id), partial(presigned_every_time, [user_id]), calls
        )
        page_cached, page_uncached = await interleaved(
            partial(pictures_of, app_services, page), partial(presigned_every_time, page), calls // 20
        )
    finally:
        await app_services.aclose()
        await publisher.aclose()
    print("\nview URLs, wall time per call (both look the version up in PostgreSQL; the cache adds one Redis MGET):")
    print(f"  one user, picture_of from the cache: {one_cached * 1e6:.0f} us; presigning 3 URLs: "
          f"{one_presigned * 1e6:.0f} us  (cached/presign {ratio(one_cached, one_presigned)})")  # fmt: skip
    print(f"  50 users, pictures_of from the cache: {page_cached * 1e3:.2f} ms; presigning 150 URLs: "
          f"{page_uncached * 1e3:.2f} ms  (cached/presign {ratio(page_cached, page_uncached)})")  # fmt: skip


_s3_url: str | None = None


def s3_env() -> dict[str, str]:
    return {"S3_ENDPOINT_URL": _s3_url or "", "S3_SECRET_KEY": S3_SECRET, "S3_BUCKET": "instainstru-bench"}


def _with_s3(settings):
    from dataclasses import replace

    return replace(settings, s3_endpoint_url=_s3_url, s3_secret_key=S3_SECRET, s3_bucket="instainstru-bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="jobs per kind, each in a fresh process")
    parser.add_argument("--calls", type=int, default=2000, help="view-URL calls per variant (a twentieth for pages)")
    parser.add_argument("--child", choices=["draft", "full"], help=argparse.SUPPRESS)
    parser.add_argument("--upload-id", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(child(args.child, args.upload_id))))
        return
    global _s3_url
    from standins.s3.launch import start_s3_standin

    with Services() as services, start_s3_standin(secret_key=S3_SECRET) as s3:
        _s3_url = s3.endpoint_url
        os.environ.update(s3_env())
        asyncio.run(job_runs(services, args.runs))
        asyncio.run(view_url_runs(services, args.calls))


if __name__ == "__main__":
    main()
