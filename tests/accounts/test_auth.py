from __future__ import annotations

import asyncio
from dataclasses import replace

from litestar.testing import AsyncTestClient

from app.main import create_app
from tests.support.accounts import PASSWORD, Accounts


def registration(**overrides):
    body = {
        "email": "Ada@Example.test",
        "password": "long-enough-password",
        "full_name": "Ada Lovelace",
        "role": "instructor",
        "timezone": "Europe/London",
    }
    return {**body, **overrides}


async def test_register_login_and_me(client):
    response = await client.post("/api/auth/register", json=registration())
    assert response.status_code == 201
    user = response.json()
    assert user["email"] == "ada@example.test"
    assert user["role"] == "instructor"
    assert not any("password" in key for key in user)

    login = await client.post("/api/auth/login", json={"email": "ADA@example.test", "password": "long-enough-password"})
    assert login.status_code == 200
    body = login.json()
    assert set(body) == {"token", "expires_at", "user"}
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json() == {
        "id": user["id"], "email": "ada@example.test", "full_name": "Ada Lovelace",
        "role": "instructor", "timezone": "Europe/London", "manages": [], "picture": None,
    }  # fmt: skip


async def test_me_and_login_list_the_calendars_a_collaborator_manages(client):
    accounts = Accounts(client)
    ada = await accounts.instructor(name="Ada Piano")
    bea = await accounts.instructor(name="Bea Cello")
    manager = await accounts.student(name="Max Manager")
    for instructor in (bea, ada):
        added = await client.post(
            f"/api/instructors/{instructor.id}/collaborators", json={"email": manager.email}, headers=instructor.headers
        )
        assert added.status_code == 201, added.text

    expected = [
        {"instructor_id": ada.id, "full_name": "Ada Piano"},
        {"instructor_id": bea.id, "full_name": "Bea Cello"},
    ]
    assert (await client.get("/api/me", headers=manager.headers)).json()["manages"] == expected
    login = await client.post("/api/auth/login", json={"email": manager.email, "password": PASSWORD})
    assert login.json()["user"]["manages"] == expected
    assert (await client.get("/api/me", headers=ada.headers)).json()["manages"] == []

    removed = await client.delete(f"/api/instructors/{bea.id}/collaborators/{manager.id}", headers=bea.headers)
    assert removed.status_code == 204
    assert (await client.get("/api/me", headers=manager.headers)).json()["manages"] == expected[:1]


async def test_duplicate_email_is_409_case_insensitively(client):
    assert (await client.post("/api/auth/register", json=registration())).status_code == 201
    again = await client.post("/api/auth/register", json=registration(email="ADA@example.TEST"))
    assert again.status_code == 409
    assert again.json()["status_code"] == 409


async def test_bad_input_is_400_naming_each_field(client):
    response = await client.post(
        "/api/auth/register",
        json=registration(email="not-an-email", password="short", timezone="Mars/Olympus"),
    )
    assert response.status_code == 400
    keys = {item["key"] for item in response.json()["extra"]}
    assert keys == {"email", "password", "timezone"}


async def test_unknown_role_and_missing_field_are_400(client):
    bad_role = await client.post("/api/auth/register", json=registration(role="admin"))
    assert bad_role.status_code == 400
    assert any(item["key"] == "role" for item in bad_role.json()["extra"])
    body = registration()
    del body["timezone"]
    missing = await client.post("/api/auth/register", json=body)
    assert missing.status_code == 400
    assert "timezone" in missing.text


async def test_wrong_password_is_401(client, accounts):
    account = await accounts.student()
    response = await client.post("/api/auth/login", json={"email": account.email, "password": "wrong-password"})
    assert response.status_code == 401
    unknown = await client.post("/api/auth/login", json={"email": "nobody@example.test", "password": "whatever123"})
    assert unknown.status_code == 401


async def test_repeated_failed_logins_lock_that_email_only(client, accounts):
    victim = await accounts.student()
    other = await accounts.student()
    for _ in range(5):
        failed = await client.post("/api/auth/login", json={"email": victim.email, "password": "wrong-password"})
        assert failed.status_code == 401
    locked = await client.post("/api/auth/login", json={"email": victim.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 60
    fine = await client.post("/api/auth/login", json={"email": other.email, "password": PASSWORD})
    assert fine.status_code == 200


async def test_per_address_limit_applies_to_auth_routes(settings, redis):
    limit = 8
    app = create_app(replace(settings, login_attempts_per_address_per_minute=limit))
    async with AsyncTestClient(app=app) as client:
        codes = []
        for i in range(limit + 1):
            body = {"email": f"x{i}@example.test", "password": "whatever123"}
            codes.append((await client.post("/api/auth/login", json=body)).status_code)
        assert codes == [401] * limit + [429]
        assert (await client.get("/health")).status_code == 200


async def test_protected_route_without_token_is_401(client):
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["status_code"] == 401
    garbage = await client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert garbage.status_code == 401


async def test_student_on_instructor_route_is_403(client, accounts):
    student = await accounts.student()
    body = {
        "hourly_rate_cents": 5000,
        "durations_minutes": [60],
        "age_groups": ["adults"],
        "locations": ["online"],
    }
    response = await client.put("/api/instructors/me/services/1", json=body, headers=student.headers)
    assert response.status_code == 403


async def test_logout_revokes_the_token(client, accounts):
    account = await accounts.student()
    assert (await client.post("/api/auth/logout", headers=account.headers)).status_code == 204
    assert (await client.get("/api/me", headers=account.headers)).status_code == 401


async def test_concurrent_registrations_of_one_email_create_one_account(client):
    results = await asyncio.gather(*(client.post("/api/auth/register", json=registration()) for _ in range(5)))
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409]
