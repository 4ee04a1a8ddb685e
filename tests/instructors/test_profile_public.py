"""The public profile: visible to anyone for live instructors, always to the instructor itself and
admins, else 404; next open slots from the instructor's calendar."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tests.catalog.admins import make_admin
from tests.instructors.test_profile import PATH, PROFILE, new_instructor
from tests.support.calendar import PIANO_OFFER, monday_after, piano_id, save_week

FIELDS = {"id", "full_name", "headline", "bio", "bio_generated", "picture", "location", "services", "rating",
          "reviews", "next_slots"}  # fmt: skip


async def test_a_not_live_instructor_is_404_to_anonymous_students_and_other_instructors(client, accounts):
    ada = await new_instructor(accounts)
    assert (await client.put(PATH, json=PROFILE, headers=ada.headers)).status_code == 200
    student = await accounts.create("student")
    other = await new_instructor(accounts, "Bo Other")
    for headers in ({}, student.headers, other.headers):
        refused = await client.get(f"/api/instructors/{ada.id}", headers=headers)
        assert refused.status_code == 404
        assert refused.json()["detail"] == f"No instructor with id {ada.id}"
    # the same 404 as for no instructor at all, so liveness is not revealed
    assert (await client.get(f"/api/instructors/{student.id}")).json()[
        "detail"
    ] == f"No instructor with id {student.id}"
    assert (await client.get("/api/instructors/2147483647")).status_code == 404


async def test_the_instructor_itself_and_admins_see_the_whole_profile(client, accounts, settings):
    ada = await new_instructor(accounts, "Ada Lovelace")
    assert (await client.put(PATH, json=PROFILE, headers=ada.headers)).status_code == 200
    admin = await make_admin(client, accounts, settings)
    for viewer in (ada, admin):
        shown = await client.get(f"/api/instructors/{ada.id}", headers=viewer.headers)
        assert shown.status_code == 200, shown.text
        body = shown.json()
        assert set(body) == FIELDS
        assert (body["id"], body["full_name"], body["headline"]) == (ada.id, "Ada Lovelace", "Patient piano teacher")
        assert body["location"] == {"neighborhood": "Park Slope", "borough": "Brooklyn"}
        assert body["rating"] == {"average": None, "count": 0}
        assert (body["reviews"], body["picture"], body["services"], body["next_slots"]) == ([], None, [], [])
        assert body["bio"] == "Ada is an instructor in Park Slope, Brooklyn." and body["bio_generated"] is True


async def test_services_and_the_next_five_open_starts_of_the_shortest_duration(client, accounts):
    ada = await new_instructor(accounts)
    service_id = await piano_id(client)
    offered = await client.put(f"/api/instructors/me/services/{service_id}", json=PIANO_OFFER, headers=ada.headers)
    assert offered.status_code == 200
    monday = monday_after()
    await save_week(client, ada, ada, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    body = (await client.get(f"/api/instructors/{ada.id}", headers=ada.headers)).json()
    assert body["services"] == [{
        "service": {"id": service_id, "slug": "piano", "name": "Piano"}, "hourly_rate_cents": 6000,
        "durations_minutes": [30, 60], "age_groups": ["adults"], "locations": ["online"],
    }]  # fmt: skip
    tz = ZoneInfo("America/New_York")
    expected = [datetime(monday.year, monday.month, monday.day, 9, m, tzinfo=tz) for m in (0, 15, 30, 45)]
    expected.append(datetime(monday.year, monday.month, monday.day, 10, 0, tzinfo=tz))
    assert [datetime.fromisoformat(s) for s in body["next_slots"]] == expected
    assert body["next_slots"][0] == expected[0].isoformat()


async def test_bad_ids_and_bad_tokens_are_refused(client, accounts):
    ada = await new_instructor(accounts)
    assert (await client.get("/api/instructors/0")).status_code == 400
    assert (await client.get("/api/instructors/abc")).status_code == 400
    stale = await client.get(f"/api/instructors/{ada.id}", headers={"Authorization": "Bearer not-a-token"})
    assert stale.status_code == 401


async def test_a_live_instructor_is_public_until_going_offline(client, accounts):
    live = await accounts.instructor(name="Lee Live")  # walked through onboarding to live
    shown = await client.get(f"/api/instructors/{live.id}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["full_name"], body["location"]["borough"]) == ("Lee Live", "Manhattan")
    assert [s["service"]["slug"] for s in body["services"]] == ["piano"]
    assert (body["rating"], body["reviews"]) == ({"average": None, "count": 0}, [])
    assert (await client.delete("/api/instructors/me/live", headers=live.headers)).json() == {"is_live": False}
    assert (await client.get(f"/api/instructors/{live.id}")).status_code == 404
    assert (await client.get(f"/api/instructors/{live.id}", headers=live.headers)).status_code == 200


async def test_head_answers_like_get(client, accounts):
    ada = await new_instructor(accounts)
    assert (await client.head(f"/api/instructors/{ada.id}", headers=ada.headers)).status_code == 200
    assert (await client.head(f"/api/instructors/{ada.id}")).status_code == 404
