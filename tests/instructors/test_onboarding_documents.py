"""Background-check documents: checked by content at submit (refused ones deleted, the step back to
not_started), decided by an admin, readable by their owner and admins only."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from app.media.storage import Storage
from tests.instructors.test_onboarding import statuses
from tests.support.accounts import BACKGROUND_CHECK_PDF

MB = 1024 * 1024


@pytest.fixture
async def storage(settings):
    opened = await Storage.open(settings)
    yield opened
    await opened.aclose()


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "teal").save(out, "JPEG")
    return out.getvalue()


def submit_path(document_id: int) -> str:
    return f"/api/instructors/me/background-check/{document_id}/submit"


def key_of(instructor, document_id: int) -> str:
    return f"background-checks/{instructor.id}/{document_id}"


async def refused_at_submit(client, accounts, storage, body: bytes, content_type: str, **declared) -> tuple:
    instructor = await accounts.instructor(live=False)
    upload = await accounts.upload_background_check(instructor, body, content_type, **declared)
    assert await storage.head(key_of(instructor, upload["document_id"])) is not None
    response = await client.post(submit_path(upload["document_id"]), headers=instructor.headers)
    assert response.status_code == 400, response.text
    assert await storage.head(key_of(instructor, upload["document_id"])) is None
    body = (await client.get("/api/instructors/me/onboarding", headers=instructor.headers)).json()
    step = body["steps"][3]
    assert (step["done"], step["status"]) == (False, "not_started")
    return response.json(), step


async def test_a_png_declared_as_a_pdf_is_refused_at_submit_and_deleted(client, accounts, storage):
    error, step = await refused_at_submit(client, accounts, storage, png_bytes(), "application/pdf")
    assert error["extra"] == [{"key": "content_type", "message": "The file is a PNG, not the declared application/pdf"}]
    assert "PNG" in step["detail"]


async def test_a_text_file_is_refused_at_submit_and_deleted(client, accounts, storage):
    error, _ = await refused_at_submit(client, accounts, storage, b"just some words\n" * 10, "application/pdf")
    assert error["extra"] == [{"key": "content_type", "message": "The file is not a PDF, JPEG or PNG"}]


async def test_a_truncated_png_is_refused_at_submit(client, accounts, storage):
    error, _ = await refused_at_submit(client, accounts, storage, png_bytes()[:40], "image/png")
    assert error["extra"][0]["key"] == "file" and "damaged" in error["extra"][0]["message"]


async def test_an_11_mb_file_is_refused_when_declared_and_when_stored_anyway(client, accounts, storage):
    instructor = await accounts.instructor(live=False)
    declared = {"filename": "big.pdf", "content_type": "application/pdf", "size_bytes": 11 * MB}
    early = await client.post("/api/instructors/me/background-check", json=declared, headers=instructor.headers)
    assert early.status_code == 400 and early.json()["extra"][0]["key"] == "size_bytes"
    # A storage that ignored the signed length would keep it: submit checks the stored object itself.
    upload = await accounts.upload_background_check(instructor)
    key = key_of(instructor, upload["document_id"])
    await storage.put(key, BACKGROUND_CHECK_PDF + b"\0" * (11 * MB), "application/pdf")
    response = await client.post(submit_path(upload["document_id"]), headers=instructor.headers)
    assert response.status_code == 400 and response.json()["extra"][0]["key"] == "size_bytes"
    assert "10 MB" in response.json()["extra"][0]["message"]
    assert await storage.head(key) is None
    assert (await statuses(client, instructor))["background_check"] == (False, "not_started")


async def test_a_jpeg_as_declared_waits_for_review_and_a_second_submit_changes_nothing(client, accounts):
    instructor = await accounts.instructor(live=False)
    upload = await accounts.upload_background_check(instructor, jpeg_bytes(), "image/jpeg")
    first = await client.post(submit_path(upload["document_id"]), headers=instructor.headers)
    second = await client.post(submit_path(upload["document_id"]), headers=instructor.headers)
    assert [r.status_code for r in (first, second)] == [200, 200]
    assert first.json()["status"] == second.json()["status"] == "pending_review"
    again = await client.post(
        "/api/instructors/me/background-check",
        json={"filename": "b.pdf", "content_type": "application/pdf", "size_bytes": 100},
        headers=instructor.headers,
    )
    assert (again.status_code, again.json()["code"]) == (409, "background_check_pending_review")


async def test_submitting_without_uploading_is_400_and_the_step_starts_over(client, accounts):
    instructor = await accounts.instructor(live=False)
    declared = {"filename": "a.pdf", "content_type": "application/pdf", "size_bytes": 100}
    upload = await accounts.call("POST", "/api/instructors/me/background-check", instructor, 201, json=declared)
    response = await client.post(submit_path(upload["document_id"]), headers=instructor.headers)
    assert response.status_code == 400 and "Nothing was uploaded" in response.json()["detail"]
    assert (await statuses(client, instructor))["background_check"] == (False, "not_started")


async def test_only_the_owner_and_admins_read_a_background_check_document(client, accounts):
    owner = await accounts.instructor(live=False)
    upload = await accounts.upload_background_check(owner)
    assert "X-Amz-Expires=900&" in upload["upload_url"]  # 15 minutes
    await accounts.call("POST", submit_path(upload["document_id"]), owner, 200)
    path = f"/api/background-checks/{upload['document_id']}"
    for reader in (owner, await accounts.admin()):
        document = await accounts.call("GET", path, reader, 200)
        assert "X-Amz-Expires=300&" in document["view_url"]  # 5 minutes
        async with httpx.AsyncClient() as plain:
            assert (await plain.get(document["view_url"])).content == BACKGROUND_CHECK_PDF
    other = await accounts.instructor(live=False)
    student = await accounts.student(card=None)
    for stranger in (other, student):
        refused = await client.get(path, headers=stranger.headers)
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
        assert "view_url" not in refused.text
    assert (await client.get(path)).status_code == 401
    # Someone else's document cannot be submitted either, and stays as it was.
    foreign = await client.post(submit_path(upload["document_id"]), headers=other.headers)
    assert foreign.status_code == 404
    assert (await accounts.call("GET", path, owner, 200))["status"] == "pending_review"


async def test_the_review_list_and_decision_are_for_admins_only(client, accounts):
    owner = await accounts.instructor(live=False)
    upload = await accounts.upload_background_check(owner)
    await accounts.call("POST", submit_path(upload["document_id"]), owner, 200)
    decision = f"/api/admin/background-checks/{upload['document_id']}/decision"
    for caller in (owner, await accounts.student(card=None)):
        listed = await client.get("/api/admin/background-checks", headers=caller.headers)
        decided = await client.post(decision, json={"approve": True}, headers=caller.headers)
        assert (listed.status_code, decided.status_code) == (403, 403)
    assert (await client.get("/api/admin/background-checks")).status_code == 401
    assert (await client.post(decision, json={"approve": True})).status_code == 401
    assert (await statuses(client, owner))["background_check"] == (False, "pending_review")


async def test_a_rejection_needs_a_reason_shows_it_and_lets_the_instructor_upload_again(client, accounts):
    owner = await accounts.instructor(live=False)
    admin = await accounts.admin()
    upload = await accounts.upload_background_check(owner)
    await accounts.call("POST", submit_path(upload["document_id"]), owner, 200)
    decision = f"/api/admin/background-checks/{upload['document_id']}/decision"
    no_reason = await client.post(decision, json={"approve": False}, headers=admin.headers)
    assert no_reason.status_code == 400 and no_reason.json()["extra"][0]["key"] == "reason"
    assert (await statuses(client, owner))["background_check"] == (False, "pending_review")
    await accounts.call("POST", decision, admin, 200, json={"approve": False, "reason": "The scan is unreadable"})
    body = (await client.get("/api/instructors/me/onboarding", headers=owner.headers)).json()
    assert body["steps"][3]["status"] == "rejected" and "The scan is unreadable" in body["steps"][3]["detail"]
    twice = await client.post(decision, json={"approve": True}, headers=admin.headers)
    assert (twice.status_code, twice.json()["code"]) == (409, "not_pending_review")
    unknown = await client.post("/api/admin/background-checks/999999/decision", json={"approve": True},
                                headers=admin.headers)  # fmt: skip
    assert unknown.status_code == 404
    items = (await client.get("/api/notifications", headers=owner.headers)).json()["items"]
    assert [n["type"] for n in items] == ["onboarding.background_check_rejected"]
    await accounts.pass_background_check(owner)
    assert (await statuses(client, owner))["background_check"] == (True, "approved")
