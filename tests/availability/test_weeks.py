from __future__ import annotations

from datetime import timedelta

from tests.bookings.conftest import booking_body
from tests.search.test_search import weekly_hours
from tests.support.calendar import monday_after, save_week, week_path


async def test_new_week_is_empty_with_all_seven_days_and_an_etag(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    response = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["instructor_id"] == instructor.id
    assert body["week_start"] == monday.isoformat()
    assert body["timezone"] == "America/New_York"
    assert list(body["days"]) == [(monday + timedelta(days=i)).isoformat() for i in range(7)]
    assert all(ranges == [] for ranges in body["days"].values())
    assert body["booked"] == []
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert "GMT" in response.headers["last-modified"]


async def test_save_replaces_the_week_merging_touching_ranges(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    day = monday.isoformat()
    ranges = [{"start": "13:00", "end": "15:00"}, {"start": "09:00", "end": "12:00"}]
    ranges.append({"start": "12:00", "end": "13:00"})
    body = await save_week(client, instructor, instructor, monday, {day: ranges})
    assert body["days"][day] == [{"start": "09:00", "end": "15:00"}]
    again = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert again.json() == body
    body = await save_week(client, instructor, instructor, monday, {(monday + timedelta(days=1)).isoformat(): []})
    assert body["days"][day] == [], "dates left out are emptied"


async def test_if_none_match_with_current_etag_is_304(client, accounts):
    instructor = await accounts.instructor()
    path = week_path(instructor, monday_after())
    first = await client.get(path, headers=instructor.headers)
    cached = await client.get(path, headers={**instructor.headers, "If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
    other = await client.get(path, headers={**instructor.headers, "If-None-Match": '"something-else"'})
    assert other.status_code == 200


async def test_save_without_if_match_is_428(client, accounts):
    instructor = await accounts.instructor()
    response = await client.put(week_path(instructor, monday_after()), json={"days": {}}, headers=instructor.headers)
    assert response.status_code == 428


async def test_stale_save_gets_409_with_current_week(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    path = week_path(instructor, monday)
    loaded = await client.get(path, headers=instructor.headers)
    stale_etag = loaded.headers["etag"]
    day = monday.isoformat()
    first = await client.put(
        path,
        json={"days": {day: [{"start": "09:00", "end": "10:00"}]}},
        headers={**instructor.headers, "If-Match": stale_etag},
    )
    assert first.status_code == 200
    second = await client.put(
        path,
        json={"days": {day: [{"start": "15:00", "end": "16:00"}]}},
        headers={**instructor.headers, "If-Match": stale_etag},
    )
    assert second.status_code == 409
    body = second.json()
    assert body["code"] == "stale_version"
    assert body["current"] == first.json()
    now = await client.get(path, headers=instructor.headers)
    assert now.json()["days"][day] == [{"start": "09:00", "end": "10:00"}], "the stale save changed nothing"


async def test_every_accepted_save_changes_the_version_even_with_same_content(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    days = {monday.isoformat(): [{"start": "09:00", "end": "10:00"}]}
    first = await save_week(client, instructor, instructor, monday, days)
    second = await save_week(client, instructor, instructor, monday, days)
    assert first["version"] != second["version"]


async def test_bad_ranges_are_400_naming_each_problem_and_change_nothing(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    path = week_path(instructor, monday)
    loaded = await client.get(path, headers=instructor.headers)
    day = monday.isoformat()
    outside = (monday + timedelta(days=7)).isoformat()
    response = await client.put(
        path,
        json={
            "days": {
                day: [
                    {"start": "09:00", "end": "12:00"},
                    {"start": "11:00", "end": "13:00"},
                    {"start": "25:00", "end": "26:00"},
                ],
                outside: [],
            }
        },
        headers={**instructor.headers, "If-Match": loaded.headers["etag"]},
    )
    assert response.status_code == 400
    keys = {item["key"] for item in response.json()["extra"]}
    assert f"days.{outside}" in keys
    assert f"days.{day}[1]" in keys
    assert any(key.startswith(f"days.{day}[2]") for key in keys)
    again = await client.get(path, headers=instructor.headers)
    assert again.headers["etag"] == loaded.headers["etag"]


async def test_400_comes_before_409_for_a_stale_bad_save(client, accounts):
    instructor = await accounts.instructor()
    path = week_path(instructor, monday_after())
    response = await client.put(
        path, json={"days": {"nope": []}}, headers={**instructor.headers, "If-Match": '"stale"'}
    )
    assert response.status_code == 400


async def test_week_start_must_be_a_monday(client, accounts):
    instructor = await accounts.instructor()
    tuesday = monday_after() + timedelta(days=1)
    response = await client.get(week_path(instructor, tuesday), headers=instructor.headers)
    assert response.status_code == 400
    assert response.json()["extra"][0]["key"] == "week_start"


async def test_only_editors_see_or_change_the_week(client, accounts):
    instructor = await accounts.instructor()
    stranger = await accounts.instructor()
    student = await accounts.student()
    path = week_path(instructor, monday_after())
    assert (await client.get(path)).status_code == 401
    for outsider in (stranger, student):
        assert (await client.get(path, headers=outsider.headers)).status_code == 403
        put = await client.put(path, json={"days": {}}, headers={**outsider.headers, "If-Match": '"x"'})
        assert put.status_code == 403


async def test_collaborator_can_edit_until_removed(client, accounts):
    instructor = await accounts.instructor()
    manager = await accounts.student(name="Studio Manager")
    monday = monday_after()
    added = await client.post(
        f"/api/instructors/{instructor.id}/collaborators",
        json={"email": manager.email},
        headers=instructor.headers,
    )
    assert added.status_code == 201
    assert added.json()["user_id"] == manager.id
    listed = await client.get(f"/api/instructors/{instructor.id}/collaborators", headers=instructor.headers)
    assert [c["user_id"] for c in listed.json()] == [manager.id]
    body = await save_week(
        client, manager, instructor, monday, {monday.isoformat(): [{"start": "08:00", "end": "09:00"}]}
    )
    assert body["days"][monday.isoformat()] == [{"start": "08:00", "end": "09:00"}]
    # Only the instructor manages collaborators.
    assert (
        await client.get(f"/api/instructors/{instructor.id}/collaborators", headers=manager.headers)
    ).status_code == 403
    removed = await client.delete(
        f"/api/instructors/{instructor.id}/collaborators/{manager.id}", headers=instructor.headers
    )
    assert removed.status_code == 204
    assert (await client.get(week_path(instructor, monday), headers=manager.headers)).status_code == 403


async def test_copy_week_to_following_weeks_all_or_nothing(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    days = {
        monday.isoformat(): [{"start": "09:00", "end": "11:00"}],
        (monday + timedelta(days=2)).isoformat(): [{"start": "14:00", "end": "16:00"}],
    }
    await save_week(client, instructor, instructor, monday, days)
    targets = [monday + timedelta(days=7 * i) for i in (1, 2)]
    versions = {}
    for target in targets:
        versions[target.isoformat()] = (
            await client.get(week_path(instructor, target), headers=instructor.headers)
        ).json()["version"]
    stale = {**versions, targets[1].isoformat(): "stale"}
    refused = await client.post(week_path(instructor, monday) + "/copy", json={"to": stale}, headers=instructor.headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "stale_version"
    assert targets[1].isoformat() in refused.json()["detail"]
    untouched = await client.get(week_path(instructor, targets[0]), headers=instructor.headers)
    assert untouched.json()["version"] == versions[targets[0].isoformat()], "nothing was copied"
    copied = await client.post(
        week_path(instructor, monday) + "/copy", json={"to": versions}, headers=instructor.headers
    )
    assert copied.status_code == 200
    for target in targets:
        week = (await client.get(week_path(instructor, target), headers=instructor.headers)).json()
        assert week["days"][target.isoformat()] == [{"start": "09:00", "end": "11:00"}]
        assert week["days"][(target + timedelta(days=2)).isoformat()] == [{"start": "14:00", "end": "16:00"}]


async def test_booked_entries_name_the_student_and_the_lesson_for_editors(client, accounts, open_week):
    instructor, service_id, monday = open_week
    student = await accounts.student(name="Rosa Parks-Lee")
    booking = (
        await client.post("/api/bookings", json=booking_body(instructor, service_id, monday), headers=student.headers)
    ).json()
    week = (await client.get(week_path(instructor, monday), headers=instructor.headers)).json()
    [booked] = week["booked"]
    assert booked["booking_id"] == booking["id"]
    assert (booked["student_name"], booked["service_name"]) == ("Rosa Parks-Lee", "Piano")

    current = await client.get(week_path(instructor, monday), headers=instructor.headers)
    refused = await client.put(
        week_path(instructor, monday),
        json={"days": {monday.isoformat(): []}},
        headers={**instructor.headers, "If-Match": current.headers["etag"]},
    )
    assert refused.status_code == 409 and refused.json()["code"] == "booked_range"
    [conflict] = refused.json()["bookings"]
    assert (conflict["student_name"], conflict["service_name"]) == ("Rosa Parks-Lee", "Piano")
    assert "Rosa Parks-Lee, Piano" in refused.json()["detail"]


async def test_a_save_answers_the_week_a_read_then_gives(client, accounts, open_week):
    """The week a save or a copy answers is built from what its checks read, not read again: it must be
    what a read right after gives, bookings, version and Last-Modified included, also for a week that
    followed the weekly hours until then."""
    instructor, service_id, monday = open_week  # Monday 09:00-12:00, its own week
    await weekly_hours(client, instructor, mon=("09:00", "12:00"))  # the weeks after follow these
    following = monday + timedelta(days=7)
    student = await accounts.student()
    for week in (monday, following):
        await accounts.call("POST", "/api/bookings", student, 201, json=booking_body(instructor, service_id, week))
    days = {monday.isoformat(): [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "15:00"}]}
    current = await client.get(week_path(instructor, monday), headers=instructor.headers)
    saved = await client.put(
        week_path(instructor, monday),
        json={"days": days},
        headers={**instructor.headers, "If-Match": current.headers["etag"]},
    )
    assert saved.status_code == 200, saved.text
    read = await client.get(week_path(instructor, monday), headers=instructor.headers)
    assert saved.json() == read.json() and len(saved.json()["booked"]) == 1
    assert (saved.headers["etag"], saved.headers["last-modified"]) == (
        read.headers["etag"],
        read.headers["last-modified"],
    )

    target = (await client.get(week_path(instructor, following), headers=instructor.headers)).json()
    assert target["source"] == "template" and len(target["booked"]) == 1
    copied = await client.post(
        week_path(instructor, monday) + "/copy",
        json={"to": {following.isoformat(): target["version"]}},
        headers=instructor.headers,
    )
    assert copied.status_code == 200, copied.text
    [week] = copied.json()["weeks"]
    assert week["source"] == "week"
    assert week == (await client.get(week_path(instructor, following), headers=instructor.headers)).json()
