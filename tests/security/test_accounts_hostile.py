"""Hostile input against accounts and collaborators: guessable passwords, zone names that are not
canonical IANA names, racing collaborator adds, and collaborator adds used to look accounts up."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.support.accounts import PASSWORD, Accounts
from tests.support.live import SERVERS

_ids = itertools.count(1)
NAME = "Grace Hopper"


def registration(**overrides: str) -> dict[str, str]:
    body = {
        "email": f"grace{next(_ids)}@example.test",
        "password": PASSWORD,
        "full_name": NAME,
        "role": "student",
        "timezone": "America/New_York",
    }
    return {**body, **overrides}


def keys_of(response) -> set[str]:
    return {item["key"] for item in response.json()["extra"]}


WEAK_PASSWORDS = [
    "12345678",
    "password",
    " " * 8,
    "qwertyuiop",
    "Password1",
    "aaaaaaaaaaaa",
    "iloveyou123",
    "{email}",  # the account's own email
    "gracehopper",  # the account's own name
    "short",
    "x" * 1025,
]


@pytest.mark.parametrize("password", WEAK_PASSWORDS, ids=lambda p: repr(p[:16]))
async def test_guessable_or_badly_sized_passwords_are_400_naming_the_field_and_why(client, password):
    body = registration()
    body["password"] = password.format(email=body["email"])
    response = await client.post("/api/auth/register", json=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "bad_request"
    assert keys_of(response) == {"password"}
    message = next(item["message"] for item in response.json()["extra"] if item["key"] == "password")
    assert len(message) > len("Too easy to guess: "), message
    assert len(response.content) < 2048  # never echoes a long password back
    # Nothing was created: the same email registers with a strong password.
    assert (await client.post("/api/auth/register", json={**body, "password": PASSWORD})).status_code == 201


async def test_a_guessable_password_says_what_zxcvbn_found(client):
    response = await client.post("/api/auth/register", json=registration(password="password"))
    message = response.json()["extra"][0]["message"]
    assert message.startswith("Too easy to guess:")
    assert "common password" in message


STRONG_PASSWORDS = [
    PASSWORD,  # the suite's own accounts
    "demo-password",  # the demo accounts (app/demo.py)
    "long-enough-password",
    "Käsebrötchen über Grünkohl 🎹",
    PASSWORD + "-" + "z" * 900,  # scored on its first 72 characters, stored whole
]


@pytest.mark.parametrize("password", STRONG_PASSWORDS, ids=lambda p: repr(p[:24]))
async def test_passwords_hard_enough_to_guess_register(client, password):
    response = await client.post("/api/auth/register", json=registration(password=password))
    assert response.status_code == 201, response.text
    login = await client.post("/api/auth/login", json={"email": response.json()["email"], "password": password})
    assert login.status_code == 200


NOT_CANONICAL_ZONES = [
    "right/America/New_York",
    "posix/America/New_York",
    "posix/UTC",
    "localtime",
    "posixrules",
    "Factory",
    "america/new_york",
    " America/New_York",
    "America/New_York\u0000",
    "../zoneinfo/America/New_York",
    "/usr/share/zoneinfo/UTC",
    "EST+5",
    "Mars/Olympus",
    "",
    "A" * 65,
]


@pytest.mark.parametrize("timezone", NOT_CANONICAL_ZONES, ids=repr)
async def test_zone_names_that_are_not_iana_names_are_400_naming_timezone(client, timezone):
    response = await client.post("/api/auth/register", json=registration(timezone=timezone))
    assert response.status_code == 400, response.text
    assert keys_of(response) == {"timezone"}


# US/Eastern and Asia/Calcutta are IANA links (browsers' Intl still reports some of them): same rules.
CANONICAL_ZONES = [
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "UTC",
    "Etc/GMT+5",
    "US/Eastern",
    "Asia/Calcutta",
]


@pytest.mark.parametrize("timezone", CANONICAL_ZONES)
async def test_iana_zone_names_register(client, timezone):
    response = await client.post("/api/auth/register", json=registration(timezone=timezone))
    assert response.status_code == 201, response.text
    assert response.json()["timezone"] == timezone


def collaborators_path(instructor) -> str:
    return f"/api/instructors/{instructor.id}/collaborators"


@pytest.mark.parametrize("server_kind", SERVERS)
async def test_twenty_concurrent_adds_of_one_collaborator_make_one_row_and_no_5xx(live, http_factory, server_kind):
    # Live servers: requests really overlap (the in-process client answers them one after another).
    http = http_factory(live(server_kind))
    accounts = Accounts(http)
    instructor, manager = await accounts.instructor(), await accounts.student(name="Max Manager")
    responses = await asyncio.gather(
        *(
            http.post(collaborators_path(instructor), json={"email": manager.email}, headers=instructor.headers)
            for _ in range(20)
        )
    )
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    expected = {"user_id": manager.id, "email": manager.email, "full_name": "Max Manager"}
    assert all(r.json() == expected for r in responses)
    listed = await http.get(collaborators_path(instructor), headers=instructor.headers)
    assert listed.json() == [expected]


async def test_adding_a_collaborator_again_answers_the_same_collaborator(client, accounts):
    instructor, manager = await accounts.instructor(), await accounts.student()
    first = await client.post(collaborators_path(instructor), json={"email": manager.email}, headers=instructor.headers)
    again = await client.post(
        collaborators_path(instructor), json={"email": manager.email.upper()}, headers=instructor.headers
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()


async def test_an_unknown_email_is_404_no_account_without_echoing_it(client, accounts):
    instructor = await accounts.instructor()
    email = "nobody-" + "x" * 200 + "@example.test"
    response = await client.post(collaborators_path(instructor), json={"email": email}, headers=instructor.headers)
    assert response.status_code == 404
    assert response.json()["code"] == "no_account"
    assert "nobody-" not in response.text
    assert (await client.get(collaborators_path(instructor), headers=instructor.headers)).json() == []


async def test_collaborator_adds_are_limited_per_instructor_and_hour(client, accounts, settings):
    instructor, other = await accounts.instructor(), await accounts.instructor()
    manager = await accounts.student()
    for n in range(settings.collaborator_adds_per_hour):
        probe = await client.post(
            collaborators_path(instructor), json={"email": f"probe{n}@example.test"}, headers=instructor.headers
        )
        assert probe.status_code == 404
    refused = await client.post(
        collaborators_path(instructor), json={"email": manager.email}, headers=instructor.headers
    )
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_lookups"
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert (await client.get(collaborators_path(instructor), headers=instructor.headers)).json() == []
    # Another instructor has its own budget.
    added = await client.post(collaborators_path(other), json={"email": manager.email}, headers=other.headers)
    assert added.status_code == 201


async def test_only_the_instructor_may_add_and_a_student_learns_nothing(client, accounts):
    instructor, student = await accounts.instructor(), await accounts.student()
    for email in (instructor.email, "nobody@example.test"):
        response = await client.post(collaborators_path(instructor), json={"email": email}, headers=student.headers)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


async def test_the_suites_own_accounts_still_register(client):
    account = await Accounts(client).instructor()
    assert account.token
