from __future__ import annotations

from datetime import date, timedelta

from tests.support.calendar import monday_after, offer_piano, save_week


def slots_path(instructor, start: date, end: date, duration: int = 60) -> str:
    return f"/api/instructors/{instructor.id}/slots?start={start}&end={end}&duration={duration}"


async def test_slots_are_public_on_a_15_minute_grid_with_the_instructor_offset(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "11:00"}]})
    response = await client.get(slots_path(instructor, monday, monday + timedelta(days=6)))
    assert response.status_code == 200
    body = response.json()
    assert body["instructor_id"] == instructor.id
    assert body["timezone"] == "America/New_York"
    assert body["duration"] == 60
    starts = [s["start"][11:16] for s in body["slots"]]
    assert starts == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    assert all(s["start"].startswith(monday.isoformat()) for s in body["slots"])
    assert body["slots"][0]["end"][11:16] == "10:00"
    assert body["slots"][0]["start"][-6:] in ("-05:00", "-04:00")


async def test_slot_query_problems_are_400_naming_the_parameter(client, accounts):
    instructor = await accounts.instructor()
    monday = monday_after()
    cases = {
        f"/api/instructors/{instructor.id}/slots?start={monday}&end={monday}": "duration",
        slots_path(instructor, monday, monday, 50): "duration",
        slots_path(instructor, monday, monday + timedelta(days=31)): "end",
        slots_path(instructor, monday, monday - timedelta(days=1)): "end",
        f"/api/instructors/{instructor.id}/slots?start=soon&end={monday}&duration=60": "start",
    }
    for path, key in cases.items():
        response = await client.get(path)
        assert response.status_code == 400, path
        assert key in {e["key"] for e in response.json()["extra"]}, path
    assert (await client.get(slots_path(instructor, monday, monday + timedelta(days=30)))).status_code == 200
    assert (
        await client.get(f"/api/instructors/999999/slots?start={monday}&end={monday}&duration=60")
    ).status_code == 404


async def test_spring_forward_2027_skips_the_missing_hour_without_shifting_slots(client, accounts):
    instructor = await accounts.instructor()
    day = date(2027, 3, 14)  # America/New_York springs forward at 02:00
    monday = day - timedelta(days=day.weekday())
    await save_week(client, instructor, instructor, monday, {day.isoformat(): [{"start": "01:00", "end": "04:00"}]})
    body = (await client.get(slots_path(instructor, day, day))).json()
    starts = [s["start"] for s in body["slots"]]
    assert starts == [
        "2027-03-14T01:00:00-05:00", "2027-03-14T01:15:00-05:00", "2027-03-14T01:30:00-05:00",
        "2027-03-14T01:45:00-05:00", "2027-03-14T03:00:00-04:00",
    ]  # fmt: skip
    # A lesson lasts elapsed time: 01:30 EST + 60 minutes is 03:30 EDT.
    assert body["slots"][2]["end"] == "2027-03-14T03:30:00-04:00"


async def test_fall_back_2027_never_doubles_a_wall_clock_start(client, accounts):
    instructor = await accounts.instructor()
    day = date(2027, 11, 7)  # America/New_York falls back at 02:00
    monday = day - timedelta(days=day.weekday())
    await save_week(client, instructor, instructor, monday, {day.isoformat(): [{"start": "00:00", "end": "03:00"}]})
    body = (await client.get(slots_path(instructor, day, day))).json()
    local_starts = [s["start"][11:16] for s in body["slots"]]
    assert len(local_starts) == len(set(local_starts))
    assert "2027-11-07T01:30:00-04:00" in [s["start"] for s in body["slots"]], "01:30 means its first occurrence"
    assert body["slots"][0] == {"start": "2027-11-07T00:00:00-04:00", "end": "2027-11-07T01:00:00-04:00"}
    # The lesson starting 01:30 EDT ends 60 elapsed minutes later, in the repeated hour: 01:30 EST.
    assert {"start": "2027-11-07T01:30:00-04:00", "end": "2027-11-07T01:30:00-05:00"} in body["slots"]
    # 00:00 EDT to 03:00 EST is 4 elapsed hours: 60-minute starts run 00:00 .. 02:00 on the wall-clock grid.
    assert local_starts[-1] == "02:00"


async def test_student_in_another_timezone_sees_the_same_instants(client, accounts):
    instructor = await accounts.instructor(timezone="Europe/Berlin")
    await accounts.student(timezone="Asia/Tokyo")
    monday = monday_after(tz="Europe/Berlin")
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "18:00", "end": "19:00"}]})
    body = (await client.get(slots_path(instructor, monday, monday))).json()
    assert body["timezone"] == "Europe/Berlin"
    assert [s["start"] for s in body["slots"]] == [f"{monday}T18:00:00+01:00"]


async def test_minimum_notice_and_buffer_are_taken_out(client, accounts):
    instructor = await accounts.instructor()
    student = await accounts.student()
    service_id = await offer_piano(client, instructor)
    await client.put(
        "/api/instructors/me/availability/settings", json={"buffer_minutes": 15}, headers=instructor.headers
    )
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "13:00"}]})
    first = (await client.get(slots_path(instructor, monday, monday))).json()["slots"][0]
    booked = await client.post(
        "/api/bookings",
        json={
            "instructor_id": instructor.id,
            "service_id": service_id,
            "start": f"{monday}T10:00:00-05:00",
            "duration_minutes": 60,
        },
        headers=student.headers,
    )
    assert booked.status_code == 201, booked.text
    starts = [s["start"][11:16] for s in (await client.get(slots_path(instructor, monday, monday))).json()["slots"]]
    # 10:00-11:00 booked with 15 minutes of buffer on both sides: 09:00-10:00 would leave no gap before it.
    assert starts == ["11:15", "11:30", "11:45", "12:00"]
    assert first["start"][11:16] == "09:00"
