from __future__ import annotations

from tests.support.calendar import monday_after, offer_piano, save_week, week_path
from tests.support.live import WsClient


async def book(client, instructor, student, service_id, monday, at="10:00"):
    body = {
        "instructor_id": instructor.id,
        "service_id": service_id,
        "start": f"{monday}T{at}:00-05:00",
        "duration_minutes": 60,
    }
    response = await client.post("/api/bookings", json=body, headers=student.headers)
    assert response.status_code == 201, response.text
    return response.json()


async def test_booking_and_cancellation_fill_the_feeds(client, accounts):
    instructor, student = await accounts.instructor(), await accounts.student()
    service_id = await offer_piano(client, instructor)
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    booking = await book(client, instructor, student, service_id, monday)

    feed = (await client.get("/api/notifications", headers=instructor.headers)).json()
    assert feed["unread"] == 1
    item = feed["items"][0]
    assert item["type"] == "booking.created"
    assert item["data"]["booking_id"] == booking["id"]
    assert item["read_at"] is None
    assert set(item) == {"id", "type", "title", "body", "data", "created_at", "read_at"}

    await client.post(f"/api/bookings/{booking['id']}/cancel", headers=instructor.headers)
    student_feed = (await client.get("/api/notifications", headers=student.headers)).json()
    # newest first: the student was told of its booking too (issue 11)
    assert [i["type"] for i in student_feed["items"]] == ["booking.cancelled", "booking.created"]
    assert student_feed["items"][0]["data"]["outcome"] == "full_refund"


async def test_paging_mark_read_and_read_all(client, accounts):
    instructor, student = await accounts.instructor(), await accounts.student()
    service_id = await offer_piano(client, instructor)
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "08:00", "end": "18:00"}]})
    for hour in ("08:00", "10:00", "12:00", "14:00"):
        await book(client, instructor, student, service_id, monday, at=hour)
    page = (await client.get("/api/notifications?limit=3", headers=instructor.headers)).json()
    assert len(page["items"]) == 3 and page["unread"] == 4
    ids = [i["id"] for i in page["items"]]
    assert ids == sorted(ids, reverse=True), "newest first"
    rest = (await client.get(f"/api/notifications?limit=3&before={ids[-1]}", headers=instructor.headers)).json()
    older = [i for i in rest["items"] if i["type"] == "booking.created"]  # then going live's, already read
    assert len(older) == 1 and older[0]["id"] < ids[-1]

    assert (await client.post(f"/api/notifications/{ids[0]}/read", headers=instructor.headers)).status_code == 204
    assert (await client.get("/api/notifications", headers=instructor.headers)).json()["unread"] == 3
    # Someone else's notification is not found, not marked.
    assert (await client.post(f"/api/notifications/{ids[1]}/read", headers=student.headers)).status_code == 404
    assert (await client.post("/api/notifications/read-all", headers=instructor.headers)).status_code == 204
    after = (await client.get("/api/notifications", headers=instructor.headers)).json()
    assert after["unread"] == 0 and all(i["read_at"] for i in after["items"])
    assert (await client.get("/api/notifications")).status_code == 401
    assert (await client.get("/api/notifications?limit=0", headers=instructor.headers)).status_code == 400


async def test_notification_is_delivered_live_to_its_owner(live, http_factory):
    from tests.support.accounts import Accounts

    server = live("uvicorn")
    http = http_factory(server)
    accounts = Accounts(http)
    instructor, student = await accounts.instructor(), await accounts.student()
    service_id = await offer_piano(http, instructor)
    monday = monday_after()
    await save_week(http, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    ws = await WsClient.connect(server, instructor.token)
    try:
        assert (await ws.subscribe(f"notifications:{instructor.id}"))["op"] == "subscribed"
        booking = await book(http, instructor, student, service_id, monday)
        frame = await ws.event("notification.created", f"notifications:{instructor.id}")
        assert frame["data"]["type"] == "booking.created"
        assert frame["data"]["data"]["booking_id"] == booking["id"]
        stored = (await http.get("/api/notifications", headers=instructor.headers)).json()["items"][0]
        assert stored == frame["data"]
    finally:
        await ws.close()


async def test_a_save_refused_by_a_conflict_leaves_one_notice_in_the_authors_feed(client, accounts):
    instructor = await accounts.instructor(name="Ada Owner")
    manager = await accounts.student(name="Max Manager")
    added = await client.post(
        f"/api/instructors/{instructor.id}/collaborators", json={"email": manager.email}, headers=instructor.headers
    )
    assert added.status_code == 201
    monday = monday_after()
    path = week_path(instructor, monday)
    loaded_by_manager = (await client.get(path, headers=manager.headers)).headers["etag"]
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]})

    for _ in range(2):  # the manager retries with the copy it loaded
        stale = await client.put(path, json={"days": {}}, headers={**manager.headers, "If-Match": loaded_by_manager})
        assert stale.status_code == 409
    feed = (await client.get("/api/notifications", headers=manager.headers)).json()
    assert feed["unread"] == 1, "one unread notice per week, however many retries"
    notice = feed["items"][0]
    assert notice["type"] == "calendar.conflict"
    assert notice["title"] == f"Your changes to the week of {monday:%b} {monday.day} were not saved"
    assert notice["data"] == {"instructor_id": instructor.id, "week_start": monday.isoformat(), "code": "stale_version"}
    owners = (await client.get("/api/notifications", headers=instructor.headers)).json()["items"]
    assert [i for i in owners if not i["type"].startswith("onboarding.")] == []  # going live's are its own

    await client.post("/api/notifications/read-all", headers=manager.headers)
    service_id = await offer_piano(client, instructor)
    student = await accounts.student()
    await book(client, instructor, student, service_id, monday, at="09:00")
    current = (await client.get(path, headers=manager.headers)).headers["etag"]
    shrink = await client.put(path, json={"days": {}}, headers={**manager.headers, "If-Match": current})
    assert shrink.status_code == 409 and shrink.json()["code"] == "booked_range"
    feed = (await client.get("/api/notifications", headers=manager.headers)).json()
    assert feed["unread"] == 1 and feed["items"][0]["data"]["code"] == "booked_range"
    assert "would no longer contain booking" in feed["items"][0]["body"]
