"""Input the database cannot hold is a 400 naming the problem, never a 500."""

from __future__ import annotations

TOO_BIG = 16_272_347_807  # past PostgreSQL's integer: no row can have this id


async def test_ids_too_large_to_exist_are_400_not_500(client, accounts):
    student = await accounts.student()
    requests = [
        ("GET", f"/api/instructors/{TOO_BIG}/slots?start=2026-12-07&end=2026-12-08&duration=60", {}, "instructor_id"),
        ("POST", f"/api/bookings/{TOO_BIG}/cancel", student.headers, "booking_id"),
        ("POST", f"/api/notifications/{TOO_BIG}/read", student.headers, "notification_id"),
        ("GET", f"/api/notifications?before={TOO_BIG}", student.headers, "before"),
    ]
    for method, path, headers, key in requests:
        response = await client.request(method, path, headers=headers)
        assert response.status_code == 400, (path, response.status_code, response.text)
        assert response.json()["code"] == "bad_request"
        assert response.json()["extra"] == [
            {"key": key, "message": "must be a whole number from 1 to 2147483647, in ASCII digits"}
        ]


async def test_a_nul_character_is_400_not_500(client):
    body = {
        "email": "nul@example.test",
        "password": "correct-horse-battery",
        "full_name": "Nul\u0000Name",
        "role": "student",
        "timezone": "UTC",
    }
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["detail"]
    login = await client.post("/api/auth/login", json={"email": "a\u0000@example.test", "password": "x" * 12})
    assert login.status_code in (400, 401), login.text
