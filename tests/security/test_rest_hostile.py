"""Hostile REST input, class by class: every case a small 4xx naming the problem, never a 500."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from tests.bookings.conftest import booking_body
from tests.support.calendar import monday_after, offer_piano, save_week, week_path

MAX_ERROR_BYTES = 4096


def assert_refused(response, status: int = 400, key: str | None = None) -> dict:
    """The API's error shape: a code always, `extra` naming the key on a 400, small, no server paths."""
    assert response.status_code == status, (response.status_code, response.text[:500])
    assert len(response.content) < MAX_ERROR_BYTES, len(response.content)
    assert "/work/" not in response.text and "site-packages" not in response.text
    body = response.json()
    assert body["status_code"] == status and body["code"] and body["detail"]
    if status == 400:
        keys = {problem["key"] for problem in body["extra"]}
        assert all(problem["message"] for problem in body["extra"])
        if key is not None:
            assert key in keys, (key, body)
    return body


# ---- dates, numbers and times past the contract ---------------------------------------------

SLOT_QUERIES = [
    ("start=9999-12-31&end=9999-12-31&duration=60", "start"),
    ("start=0001-01-01&end=0001-01-01&duration=60", "start"),
    ("start=2026-12-07&end=9999-12-31&duration=60", "end"),
    ("start=2026-W50&end=2026-12-07&duration=60", "start"),
    ("start=20261207&end=2026-12-07&duration=60", "start"),
    ("start=2026-12-07%00&end=2026-12-07&duration=60", "start"),
    ("start=2026-12-07%0A&end=2026-12-07&duration=60", "start"),
    ("start=%D9%A2%D9%A0%D9%A2%D9%A6-12-07&end=2026-12-07&duration=60", "start"),  # Arabic-Indic digits
    ("start=2026-12-07&end=2026-12-07&duration=%C2%B2", "duration"),  # superscript two
    ("start=2026-12-07&end=2026-12-07&duration=%D9%A1%D9%A5", "duration"),  # Arabic-Indic 15
    ("start=2026-12-07&end=2026-12-07&duration=%2B15", "duration"),
    ("start=2026-12-07&end=2026-12-07&duration=%2015", "duration"),
    ("start=2026-12-07&end=2026-12-07&duration=15.0", "duration"),
    ("start=2026-12-07&end=2026-12-07&duration=0060", "duration"),
    ("start=2026-12-07&end=2026-12-07&duration=99999999999999999999", "duration"),
    ("start=2026-12-07&end=2026-12-07", "duration"),
]


@pytest.mark.parametrize(("query", "key"), SLOT_QUERIES)
async def test_slot_queries_past_the_contract_are_400_naming_the_parameter(client, accounts, query, key):
    instructor = await accounts.instructor()
    response = await client.get(f"/api/instructors/{instructor.id}/slots?{query}")
    assert_refused(response, 400, key)


WEEK_STARTS = ["9999-12-27", "0001-01-01", "2026-W50", "2026-W50-1", "20261207", "2026-12-07%00", "%D9%A2026-12-07"]


@pytest.mark.parametrize("week_start", WEEK_STARTS)
async def test_week_paths_past_the_contract_are_400_naming_week_start(client, accounts, week_start):
    instructor = await accounts.instructor()
    response = await client.get(
        f"/api/instructors/{instructor.id}/availability/weeks/{week_start}", headers=instructor.headers
    )
    assert_refused(response, 400, None if "%00" in week_start else "week_start")


async def test_a_week_start_that_is_not_a_monday_names_the_field(client, accounts):
    instructor = await accounts.instructor()
    tuesday = monday_after() + timedelta(days=1)
    response = await client.get(week_path(instructor, tuesday), headers=instructor.headers)
    assert "is not a Monday" in assert_refused(response, 400, "week_start")["detail"]


BAD_TIMES = ["\u0660\u0669:00", "09:00\u0000", "9:00", "09:00:00", "24:30", "09.00", "0900", 900, None]


@pytest.mark.parametrize("bad", BAD_TIMES)
async def test_range_times_past_the_contract_are_400_naming_the_range(client, accounts, bad):
    instructor = await accounts.instructor()
    monday = monday_after()
    current = await client.get(week_path(instructor, monday), headers=instructor.headers)
    response = await client.put(
        week_path(instructor, monday),
        json={"days": {monday.isoformat(): [{"start": bad, "end": "12:00"}]}},
        headers={**instructor.headers, "If-Match": current.headers["etag"]},
    )
    assert_refused(response, 400, f"days.{monday.isoformat()}[0].start")
    after = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert after.json()["days"][monday.isoformat()] == [], "nothing was written"


COPY_TARGETS = [
    ({"9999-12-27": "0.x"}, "to.9999-12-27"),
    ({"2026-W50": "0.x"}, "to"),
    ({"0001-01-01": "0.x"}, "to.0001-01-01"),
    ({"2026-12-14": 5}, "to"),
]


@pytest.mark.parametrize(("targets", "key"), COPY_TARGETS)
async def test_copy_targets_past_the_contract_are_400_naming_the_target(client, accounts, targets, key):
    instructor = await accounts.instructor()
    response = await client.post(
        week_path(instructor, monday_after()) + "/copy", json={"to": targets}, headers=instructor.headers
    )
    assert_refused(response, 400, key)


async def test_copying_onto_more_than_26_weeks_is_refused_and_writes_nothing(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]})
    targets = {}
    for n in range(1, 28):
        week = monday + timedelta(weeks=n)
        targets[week.isoformat()] = (await client.get(week_path(instructor, week), headers=instructor.headers)).headers[
            "etag"
        ]
    response = await client.post(
        week_path(instructor, monday) + "/copy", json={"to": targets}, headers=instructor.headers
    )
    assert "26" in assert_refused(response, 400, "to")["detail"]
    first_target = await client.get(week_path(instructor, monday + timedelta(weeks=1)), headers=instructor.headers)
    assert all(ranges == [] for ranges in first_target.json()["days"].values())


BOOKING_STARTS = [
    "9999-12-31T23:00:00Z",
    "0001-01-01T00:00:00Z",
    "2026-W50-1T10:00:00Z",
    "\uff12\uff10\uff12\uff16-12-14T10:00:00Z",  # full-width digits
    "2026-12-14T10:00:00-05:00\u0000",
    "2026-12-14T10:00:00",
    "2026-12-14 10:00:00Z",
    "20261214T100000Z",
]


@pytest.mark.parametrize("start", BOOKING_STARTS)
async def test_booking_starts_past_the_contract_are_400_naming_start(client, accounts, open_week, start):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = {**booking_body(instructor, service_id, monday), "start": start}
    assert_refused(await client.post("/api/bookings", json=body, headers=student.headers), 400, "start")


WRONG_TYPES = [
    ("instructor_id", "1"),
    ("service_id", "1"),
    ("duration_minutes", "60"),
    ("duration_minutes", 60.0),
    ("hold", "true"),
    ("hold", 1),
    ("start", 1796212740),
]


@pytest.mark.parametrize(("field", "value"), WRONG_TYPES)
async def test_json_fields_of_the_wrong_type_are_400_naming_the_field(client, accounts, open_week, field, value):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    body = {**booking_body(instructor, service_id, monday), field: value}
    assert_refused(await client.post("/api/bookings", json=body, headers=student.headers), 400, field)
    listed = await client.get("/api/bookings", headers=student.headers)
    assert listed.json() == [], "nothing was booked"


# ---- bodies: nesting, syntax, size ----------------------------------------------------------

DEEP = "[" * 5000 + "]" * 5000
JSON_ENDPOINTS = [
    ("POST", "/api/auth/login", False),
    ("POST", "/api/auth/register", False),
    ("POST", "/api/bookings", True),
    ("PUT", "/api/instructors/me/availability/settings", True),
]


@pytest.mark.parametrize(("method", "path", "authenticated"), JSON_ENDPOINTS)
@pytest.mark.parametrize(
    "payload", [DEEP, '{"email": ' + DEEP + "}", '{"email": "a@b.test"', "{'a': 1}", "\u0000", "[]", "null"]
)
async def test_malformed_or_deeply_nested_bodies_are_400_with_a_code(
    client, accounts, method, path, authenticated, payload
):
    headers = {"Content-Type": "application/json"}
    if authenticated:
        account = await (accounts.student() if path == "/api/bookings" else accounts.instructor())
        headers |= account.headers
    response = await client.request(method, path, content=payload.encode(), headers=headers)
    assert_refused(response, 400)


async def test_a_huge_bad_request_gets_a_small_answer(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    current = await client.get(week_path(instructor, monday), headers=instructor.headers)
    ranges = [{"start": "x" * 20, "end": "y" * 20, "z" * 30: 1} for _ in range(12_000)]  # ~600 KB
    response = await client.put(
        week_path(instructor, monday),
        content=json.dumps({"days": {monday.isoformat(): ranges}}).encode(),
        headers={**instructor.headers, "If-Match": current.headers["etag"], "Content-Type": "application/json"},
    )
    assert_refused(response, 400)


async def test_long_strings_are_not_echoed_back(client, accounts):
    instructor = await accounts.instructor()
    response = await client.get(f"/api/instructors/{instructor.id}/slots?start={'9' * 60_000}&end=x&duration=60")
    assert_refused(response, 400, "start")


# ---- refusals carry a code ------------------------------------------------------------------


async def test_401_and_403_carry_a_code(client, accounts):
    instructor = await accounts.instructor()
    other = await accounts.instructor()
    assert assert_refused(await client.get("/api/me"), 401)["code"] == "unauthorized"
    assert assert_refused(await client.get("/api/me", headers={"Authorization": "Bearer nope"}), 401)
    forbidden = await client.get(week_path(instructor, monday_after()), headers=other.headers)
    assert assert_refused(forbidden, 403)["code"] == "forbidden"
    as_instructor = await client.post("/api/bookings", json={}, headers=instructor.headers)
    assert assert_refused(as_instructor, 403)["code"] == "forbidden"


STATIC_PATHS = ["/static/js/", "/static/js/%00x", "/static/../app/main.py", "/static/js/nope.js", "/static/%2e%2e/x"]


@pytest.mark.parametrize("path", STATIC_PATHS)
async def test_static_paths_never_500_nor_reveal_the_install_path(client, path):
    response = await client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert_refused(response, response.status_code)


# ---- HTTP semantics: HEAD and conditional GET -----------------------------------------------


@pytest.mark.parametrize("path", ["/health", "/api/catalog/categories", "/"])
async def test_every_get_answers_head_with_headers_only(client, path):
    get, head = await client.get(path), await client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


async def test_if_none_match_takes_a_list_or_star(client, accounts):
    instructor = await accounts.instructor()
    path = week_path(instructor, monday_after())
    etag = (await client.get(path, headers=instructor.headers)).headers["etag"]
    for header in [etag, f'"other", {etag}', f"W/{etag}", "*"]:
        response = await client.get(path, headers={**instructor.headers, "If-None-Match": header})
        assert response.status_code == 304, header
    assert (await client.get(path, headers={**instructor.headers, "If-None-Match": '"other"'})).status_code == 200


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/instructors/me/availability/settings", "GET, HEAD, OPTIONS, PUT"),
        ("/api/instructors/me/services/1", "DELETE, OPTIONS, PUT"),
        ("/health", "GET, HEAD, OPTIONS"),
    ],
)
async def test_options_lists_every_method_of_the_path(client, path, methods):
    response = await client.options(path)
    assert response.status_code == 204
    assert response.headers["allow"] == methods


# ---- idempotency keys -----------------------------------------------------------------------


async def test_concurrent_retries_with_one_key_get_one_booking(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    headers = {**student.headers, "Idempotency-Key": "retry-me"}
    body = booking_body(instructor, service_id, monday)
    responses = await asyncio.gather(*[client.post("/api/bookings", json=body, headers=headers) for _ in range(20)])
    assert [r.status_code for r in responses] == [201] * 20, [r.text for r in responses if r.status_code != 201]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len((await client.get("/api/bookings", headers=student.headers)).json()) == 1


async def test_a_reused_key_with_another_body_is_409_and_books_nothing(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student()
    headers = {**student.headers, "Idempotency-Key": "once"}
    first = await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=headers)
    assert first.status_code == 201
    same_instant = booking_body(instructor, service_id, monday) | {"start": f"{monday}T15:00:00Z"}
    assert (await client.post("/api/bookings", json=same_instant, headers=headers)).json()["id"] == first.json()["id"]
    other = booking_body(instructor, service_id, monday, at="11:00")
    refused = await client.post("/api/bookings", json=other, headers=headers)
    assert assert_refused(refused, 409)["code"] == "idempotency_key_reused"
    assert [b["id"] for b in (await client.get("/api/bookings", headers=student.headers)).json()] == [
        first.json()["id"]
    ]


# ---- time zones and DST ---------------------------------------------------------------------


async def test_a_lesson_across_the_fall_back_hour_carries_unambiguous_instants(client, accounts):
    from datetime import date

    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    # 2027-11-07: New York falls back at 02:00, so a lesson from the first 01:30 ends at the second.
    sunday = date(2027, 11, 7)
    monday = sunday - timedelta(days=6)
    await save_week(client, instructor, instructor, monday, {sunday.isoformat(): [{"start": "00:00", "end": "04:00"}]})
    student = await accounts.student()
    body = {"instructor_id": instructor.id, "service_id": service_id, "start": "2027-11-07T01:30:00-04:00",
            "duration_minutes": 60}  # fmt: skip
    booked = await client.post("/api/bookings", json=body, headers=student.headers)
    assert booked.status_code == 201, booked.text
    entry = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()["booked"][0]
    assert (entry["start"], entry["end"]) == ("01:30", "01:30"), "the wall clock alone is ambiguous"
    assert (entry["start_at"], entry["end_at"]) == ("2027-11-07T01:30:00-04:00", "2027-11-07T01:30:00-05:00")
