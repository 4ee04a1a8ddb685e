"""Onboarding to go-live through the API, the Stripe stand-in's hosted pages and an admin's decision
alone (tests/support/accounts.py walks each step as a person would)."""

from __future__ import annotations

import time

from tests.bookings.conftest import booking_body
from tests.support.calendar import monday_after, save_week

ONBOARDING = "/api/instructors/me/onboarding"
LIVE = "/api/instructors/me/live"
STEP_KEYS = ["profile", "services", "identity", "background_check", "payouts"]


async def checklist(client, instructor) -> dict:
    response = await client.get(ONBOARDING, headers=instructor.headers)
    assert response.status_code == 200, response.text
    return response.json()


async def statuses(client, instructor) -> dict[str, tuple[bool, str]]:
    return {s["key"]: (s["done"], s["status"]) for s in (await checklist(client, instructor))["steps"]}


async def notification_types(client, user) -> list[tuple[str, str | None]]:
    items = (await client.get("/api/notifications", headers=user.headers)).json()["items"]
    return sorted((n["type"], n["data"].get("step")) for n in items if n["type"].startswith("onboarding."))


async def book(client, student, instructor, service_id, monday):
    return await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )


async def open_monday(client, instructor) -> str:
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    return monday


async def test_a_new_instructor_sees_every_step_not_started_in_order(client, accounts):
    instructor = await accounts.instructor(live=False)
    body = await checklist(client, instructor)
    assert (body["is_live"], body["can_go_live"]) == (False, False)
    assert [(s["key"], s["done"], s["status"]) for s in body["steps"]] == [
        ("profile", False, "incomplete"),
        ("services", False, "incomplete"),
        ("identity", False, "not_started"),
        ("background_check", False, "not_started"),
        ("payouts", False, "not_started"),
    ]
    assert all(s["detail"] for s in body["steps"])


async def test_an_instructor_goes_live_through_the_api_hosted_pages_and_an_admin_and_is_bookable_only_then(
    client, accounts
):
    instructor = await accounts.instructor(live=False)
    student = await accounts.student()
    await accounts.write_profile(instructor)
    service_id = await accounts.offer_piano(instructor)
    monday = await open_monday(client, instructor)
    early = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert (early.status_code, early.json()["code"]) == (409, "instructor_not_live")

    session = await accounts.call("POST", "/api/instructors/me/identity", instructor, 201)
    assert (await statuses(client, instructor))["identity"] == (False, "pending")
    await accounts.verify_identity(instructor)
    assert (await statuses(client, instructor))["identity"] == (True, "verified")
    assert session["url"]

    upload = await accounts.upload_background_check(instructor)
    assert (await statuses(client, instructor))["background_check"] == (False, "uploaded")
    path = f"/api/instructors/me/background-check/{upload['document_id']}/submit"
    assert (await accounts.call("POST", path, instructor, 200))["status"] == "pending_review"
    admin = await accounts.admin()
    queue = await accounts.call("GET", "/api/admin/background-checks?status=pending_review", admin, 200)
    assert [(d["document_id"], d["instructor_id"]) for d in queue] == [(upload["document_id"], instructor.id)]
    assert queue[0]["view_url"] and queue[0]["uploaded_at"]
    decision = f"/api/admin/background-checks/{upload['document_id']}/decision"
    await accounts.call("POST", decision, admin, 200, json={"approve": True})
    assert (await statuses(client, instructor))["background_check"] == (True, "approved")

    link = await accounts.call("POST", "/api/instructors/me/payouts-account", instructor, 201)
    assert (await statuses(client, instructor))["payouts"] == (False, "pending")
    again = await accounts.set_up_payouts(instructor)
    assert again["account_id"] == link["account_id"] and again["url"] != link["url"]
    body = await checklist(client, instructor)
    assert (body["is_live"], body["can_go_live"]) == (False, True)

    assert await accounts.call("POST", LIVE, instructor, 200) == {"is_live": True}
    assert (await checklist(client, instructor))["is_live"] is True
    booked = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert booked.status_code == 201, booked.text
    assert await notification_types(client, instructor) == sorted(
        [("onboarding.live", None)] + [("onboarding.step_done", key) for key in STEP_KEYS]
    )


async def test_going_live_early_is_409_naming_each_missing_step_and_changes_nothing(client, accounts):
    instructor = await accounts.instructor(live=False)
    refused = await client.post(LIVE, headers=instructor.headers)
    assert refused.status_code == 409
    assert (refused.json()["code"], refused.json()["missing"]) == ("onboarding_incomplete", STEP_KEYS)
    await accounts.offer_piano(instructor)
    await accounts.verify_identity(instructor)
    refused = await client.post(LIVE, headers=instructor.headers)
    assert refused.json()["missing"] == ["profile", "background_check", "payouts"]
    assert "profile" in refused.json()["detail"]
    assert (await checklist(client, instructor))["is_live"] is False
    assert ("onboarding.live", None) not in await notification_types(client, instructor)


async def test_going_offline_is_always_possible_and_makes_the_instructor_unbookable_until_live_again(client, accounts):
    never_live = await accounts.instructor(live=False)
    assert await accounts.call("DELETE", LIVE, never_live, 200) == {"is_live": False}
    instructor = await accounts.instructor()
    student = await accounts.student()
    service_id = await accounts.offer_piano(instructor)
    monday = await open_monday(client, instructor)
    assert await accounts.call("DELETE", LIVE, instructor, 200) == {"is_live": False}
    assert await accounts.call("DELETE", LIVE, instructor, 200) == {"is_live": False}
    refused = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert (refused.status_code, refused.json()["code"]) == (409, "instructor_not_live")
    mine = (await client.get("/api/bookings?role=student", headers=student.headers)).json()
    assert mine == []
    # Its calendar keeps working for its editor while offline.
    week = await client.get(f"/api/instructors/{instructor.id}/availability/weeks/{monday}", headers=instructor.headers)
    assert week.status_code == 200
    assert await accounts.call("POST", LIVE, instructor, 200) == {"is_live": True}
    booked = await client.post(
        "/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers
    )
    assert booked.status_code == 201, booked.text


async def test_an_unknown_instructor_is_404_before_not_live(client, accounts):
    student = await accounts.student()
    body = booking_body(type("Nobody", (), {"id": 2**31 - 1})(), 1, monday_after())
    response = await client.post("/api/bookings", json=body, headers=student.headers)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


async def test_onboarding_endpoints_refuse_students_and_anonymous_callers(client, accounts):
    student = await accounts.student(card=None)
    calls = [
        ("GET", ONBOARDING, None),
        ("POST", "/api/instructors/me/identity", None),
        ("POST", "/api/instructors/me/background-check", {"filename": "a.pdf", "content_type": "application/pdf",
                                                          "size_bytes": 10}),
        ("POST", "/api/instructors/me/background-check/1/submit", None),
        ("POST", "/api/instructors/me/payouts-account", None),
        ("POST", LIVE, None),
        ("DELETE", LIVE, None),
    ]  # fmt: skip
    for method, path, body in calls:
        as_student = await client.request(method, path, json=body, headers=student.headers)
        anonymous = await client.request(method, path, json=body)
        assert (as_student.status_code, anonymous.status_code) == (403, 401), (method, path)
    admin = await accounts.admin()
    queue = await accounts.call("GET", "/api/admin/background-checks?status=uploaded", admin, 200)
    assert queue == []


async def test_the_factory_walks_the_real_flow_to_a_live_instructor_quickly(client, accounts):
    await accounts.instructor()  # the first pays for the admin and the catalog lookup
    started = time.perf_counter()
    instructor = await accounts.instructor()
    took = time.perf_counter() - started
    print(f"one live instructor through the API and the stand-ins: {took * 1000:.0f} ms")
    body = await checklist(client, instructor)
    assert (body["is_live"], [s["done"] for s in body["steps"]]) == (True, [True] * 5)
    assert took < 5


async def test_a_hold_cannot_be_confirmed_once_its_instructor_went_offline(client, accounts):
    instructor = await accounts.instructor()
    student = await accounts.student()
    service_id = await accounts.offer_piano(instructor)
    monday = await open_monday(client, instructor)
    body = booking_body(instructor, service_id, monday, hold=True)
    hold = await accounts.call("POST", "/api/bookings", student, 201, json=body)
    await accounts.call("DELETE", LIVE, instructor, 200)
    refused = await client.post(f"/api/bookings/{hold['id']}/confirm", headers=student.headers)
    assert (refused.status_code, refused.json()["code"]) == (409, "instructor_not_live")
    assert (await accounts.call("GET", f"/api/bookings/{hold['id']}", student, 200))["status"] == "held"


async def test_the_review_list_refuses_an_unknown_status(client, accounts):
    admin = await accounts.admin()
    response = await client.get("/api/admin/background-checks?status=lost", headers=admin.headers)
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
