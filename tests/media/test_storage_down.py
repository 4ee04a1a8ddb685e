"""Object storage that cannot be reached is the client's 503 `storage_unavailable` with Retry-After,
never a 500, and the request can be made again once storage is back."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import AsyncTestClient

from app.main import create_app
from standins.s3.launch import start_s3_standin
from tests.media.conftest import request_upload

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_storage_out_of_reach_is_a_503_naming_it_and_the_same_request_works_again(settings, redis, accounts):
    instructor = await accounts.instructor(live=False)
    with start_s3_standin(secret_key=settings.s3_secret_key) as vanishing:
        elsewhere = replace(settings, s3_endpoint_url=vanishing.endpoint_url)
        async with AsyncTestClient(app=create_app(elsewhere), timeout=30) as client:
            upload = await request_upload(client, instructor, 10)
            vanishing.stop()
            calls = [
                ("POST", f"/api/me/picture/{upload['upload_id']}/finalize", {}),
                ("POST", "/api/instructors/me/background-check",
                 {"filename": "check.pdf", "content_type": "application/pdf", "size_bytes": len(PDF)}),
            ]  # fmt: skip
            for method, path, body in calls:
                response = await client.request(method, path, json=body, headers=instructor.headers)
                assert response.status_code == 503, (path, response.text)
                assert response.json()["code"] == "storage_unavailable"
                assert response.headers["retry-after"] == "5"

    again = await accounts.client.post(  # the session's storage, reachable
        "/api/instructors/me/background-check", json=calls[1][2], headers=instructor.headers
    )
    assert again.status_code == 201, again.text
