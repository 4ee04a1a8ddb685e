"""Who may upload and finalize, and what is refused before any work is queued."""

from __future__ import annotations

from tests.media.conftest import put_to_storage, request_upload, upload_row


async def test_a_second_upload_within_a_minute_is_429_with_retry_after(client, accounts, settings):
    student = await accounts.student(card=None)
    first = await request_upload(client, student, 1000)
    second = await client.post(
        "/api/me/picture", json={"content_type": "image/jpeg", "size_bytes": 1000}, headers=student.headers
    )
    assert second.status_code == 429
    assert second.json()["code"] == "too_many_uploads"
    assert 1 <= int(second.headers["retry-after"]) <= 60
    other = await accounts.student(card=None)
    assert (await request_upload(client, other, 1000))["upload_id"] == first["upload_id"] + 1, "per user"


async def test_anonymous_requests_are_401(client, accounts):
    student = await accounts.student(card=None)
    upload = await request_upload(client, student, 1000)
    asked = await client.post("/api/me/picture", json={"content_type": "image/jpeg", "size_bytes": 1000})
    finalized = await client.post(f"/api/me/picture/{upload['upload_id']}/finalize", json={})
    assert (asked.status_code, finalized.status_code) == (401, 401)
    assert (await client.get("/api/me")).status_code == 401


async def test_someone_elses_upload_is_404_and_stays_unfinalized(client, accounts, settings, run_worker_burst):
    owner, intruder = await accounts.student(card=None), await accounts.student(card=None)
    upload = await request_upload(client, owner, 4)
    await put_to_storage(upload, b"\xff\xd8\xff\xe0")
    refused = await client.post(f"/api/me/picture/{upload['upload_id']}/finalize", json={}, headers=intruder.headers)
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    assert (await upload_row(settings, upload["upload_id"]))["status"] == "issued"
    unknown = await client.post("/api/me/picture/999999/finalize", json={}, headers=owner.headers)
    assert unknown.status_code == 404
    await run_worker_burst(max_jobs=10)
    assert (await client.get("/api/me", headers=intruder.headers)).json()["picture"] is None


async def test_bad_upload_requests_are_400_naming_the_field(client, accounts):
    student = await accounts.student(card=None)
    cases = [
        ({"content_type": "application/pdf", "size_bytes": 1000}, "content_type"),
        ({"content_type": "image/gif", "size_bytes": 1000}, "content_type"),
        ({"content_type": "image/jpeg", "size_bytes": 10 * 1024 * 1024 + 1}, "size_bytes"),
        ({"content_type": "image/jpeg", "size_bytes": 0}, "size_bytes"),
    ]
    for body, key in cases:
        response = await client.post("/api/me/picture", json=body, headers=student.headers)
        assert response.status_code == 400, body
        assert [problem["key"] for problem in response.json()["extra"]] == [key], body
        assert key in response.json()["detail"]
    # refused requests use up no upload: the next good one is answered
    assert (await request_upload(client, student, 10 * 1024 * 1024))["upload_url"].startswith("http")


async def test_finalize_before_the_put_is_409_and_a_bad_crop_is_400(client, accounts, settings):
    student = await accounts.student(card=None)
    upload = await request_upload(client, student, 4)
    path = f"/api/me/picture/{upload['upload_id']}/finalize"
    early = await client.post(path, json={}, headers=student.headers)
    assert (early.status_code, early.json()["code"]) == (409, "nothing_uploaded")
    for crop in ({"x": -1, "y": 0, "size": 10}, {"x": 0, "y": 0, "size": 0}, {"x": 0, "y": 0}):
        bad = await client.post(path, json={"crop": crop}, headers=student.headers)
        assert bad.status_code == 400, crop
    assert (await upload_row(settings, upload["upload_id"]))["status"] == "issued"


async def test_finalize_twice_is_one_job_and_after_it_ran_409(client, accounts, settings, run_worker_burst):
    student = await accounts.student(card=None)
    upload = await request_upload(client, student, 4)
    await put_to_storage(upload, b"\xff\xd8\xff\xe0")
    path = f"/api/me/picture/{upload['upload_id']}/finalize"
    first = await client.post(path, headers=student.headers)
    again = await client.post(path, json={"crop": {"x": 0, "y": 0, "size": 5}}, headers=student.headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert (await upload_row(settings, upload["upload_id"]))["crop"] is None, "the first finalize's crop holds"
    await run_worker_burst(max_jobs=10)
    row = await upload_row(settings, upload["upload_id"])
    assert row["status"] == "failed"
    late = await client.post(path, json={}, headers=student.headers)
    assert (late.status_code, late.json()["code"]) == (409, "already_finalized")


async def test_a_stored_file_of_another_size_than_declared_fails_naming_both(
    client, accounts, settings, run_worker_burst
):
    from app.media.service import upload_key
    from app.media.storage import Storage

    student = await accounts.student(card=None)
    upload = await request_upload(client, student, 1000)
    storage = await Storage.open(settings)
    try:  # a store that did not hold the PUT to its signed length
        await storage.put(upload_key(student.id, upload["upload_id"]), b"\xff\xd8\xff" + bytes(1997), "image/jpeg")
    finally:
        await storage.aclose()
    finalized = await client.post(f"/api/me/picture/{upload['upload_id']}/finalize", json={}, headers=student.headers)
    assert finalized.status_code == 202
    await run_worker_burst(max_jobs=10)
    row = await upload_row(settings, upload["upload_id"])
    assert (row["status"], row["reason"]) == ("failed", "The file has 2000 bytes, not the 1000 declared")
    assert (await client.get("/api/me", headers=student.headers)).json()["picture"] is None
