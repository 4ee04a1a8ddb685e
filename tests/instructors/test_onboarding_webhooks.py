"""Onboarding's webhooks obey the payments rules: each event once, states only forward, so repeated
and out-of-order identity and account events change nothing."""

from __future__ import annotations

from tests.instructors.test_onboarding import notification_types, statuses
from tests.support.accounts import press, signed_event, standin_event


async def deliver(client, event) -> dict:
    payload, headers = signed_event(event)
    response = await client.post("/api/payments/webhook", content=payload, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_verified_identity_delivered_three_times_is_one_verification_and_one_notification(client, accounts):
    instructor = await accounts.instructor(live=False)
    session = await accounts.call("POST", "/api/instructors/me/identity", instructor, 201)
    await press(session["url"], "verified")
    event = await standin_event("identity.verification_session.verified", session["session_id"])
    answers = [await deliver(client, event) for _ in range(3)]
    assert [a["duplicate"] for a in answers] == [False, True, True]
    assert (await statuses(client, instructor))["identity"] == (True, "verified")
    assert await notification_types(client, instructor) == [("onboarding.step_done", "identity")]


async def test_an_older_failed_identity_event_after_the_verified_one_changes_nothing(client, accounts):
    instructor = await accounts.instructor(live=False)
    session = await accounts.call("POST", "/api/instructors/me/identity", instructor, 201)
    await press(session["url"], "failed")
    failed = await standin_event("identity.verification_session.requires_input", session["session_id"])
    await press(session["url"], "verified")
    verified = await standin_event("identity.verification_session.verified", session["session_id"])
    await deliver(client, verified)
    await deliver(client, failed)
    assert (await statuses(client, instructor))["identity"] == (True, "verified")


async def test_a_failed_identity_says_why_and_a_new_session_is_fresh_for_the_same_person(client, accounts):
    instructor = await accounts.instructor(live=False)
    first = await accounts.verify_identity(instructor, result="failed")
    body = (await client.get("/api/instructors/me/onboarding", headers=instructor.headers)).json()
    identity = body["steps"][2]
    assert (identity["done"], identity["status"]) == (False, "failed")
    assert "could not be verified" in identity["detail"]
    second = await accounts.verify_identity(instructor)
    assert second["session_id"] != first["session_id"] and second["url"] != first["url"]
    assert (await statuses(client, instructor))["identity"] == (True, "verified")
    again = await client.post("/api/instructors/me/identity", headers=instructor.headers)
    assert (again.status_code, again.json()["code"]) == (409, "identity_verified")


async def test_an_identity_event_of_someone_elses_session_id_moves_nothing_of_this_instructor(client, accounts):
    instructor = await accounts.instructor(live=False)
    other = await accounts.instructor(live=False)
    session = await accounts.call("POST", "/api/instructors/me/identity", other, 201)
    await press(session["url"], "verified")
    await deliver(client, await standin_event("identity.verification_session.verified", session["session_id"]))
    assert (await statuses(client, instructor))["identity"] == (False, "not_started")
    assert (await statuses(client, other))["identity"] == (True, "verified")


async def test_restricted_payouts_say_what_stripe_asks_for_and_an_older_event_never_undoes_active(client, accounts):
    instructor = await accounts.instructor(live=False)
    link = await accounts.set_up_payouts(instructor, result="failed")
    restricted = await standin_event("account.updated", link["account_id"], account=link["account_id"])
    body = (await client.get("/api/instructors/me/onboarding", headers=instructor.headers)).json()
    payouts = body["steps"][4]
    assert (payouts["done"], payouts["status"]) == (False, "restricted")
    assert "external_account" in payouts["detail"]
    await accounts.set_up_payouts(instructor)
    assert (await statuses(client, instructor))["payouts"] == (True, "active")
    replay = {**restricted, "id": restricted["id"] + "_again"}  # a copy Stripe sent late, under its own id
    payload, headers = signed_event(replay)
    assert (await client.post("/api/payments/webhook", content=payload, headers=headers)).status_code == 200
    assert (await statuses(client, instructor))["payouts"] == (True, "active")
    assert await notification_types(client, instructor) == [("onboarding.step_done", "payouts")]
