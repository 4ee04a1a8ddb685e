from __future__ import annotations

from tests.support.calendar import PIANO_OFFER, piano_id


async def test_categories_are_public_in_display_order_with_their_services(client):
    response = await client.get("/api/catalog/categories")
    assert response.status_code == 200
    categories = response.json()
    assert [c["display_order"] for c in categories] == sorted(c["display_order"] for c in categories)
    music = next(c for c in categories if c["slug"] == "music")
    assert set(music) == {"id", "slug", "name", "icon", "subtitle", "display_order", "services"}
    piano = next(s for s in music["services"] if s["slug"] == "piano")
    assert set(piano) == {"id", "slug", "name"} and piano["name"] == "Piano"
    assert any(c["slug"] == "kids" for c in categories)


async def test_instructor_offers_and_withdraws_a_service(client, accounts):
    instructor = await accounts.instructor(name="Ada Keys")
    service_id = await piano_id(client)
    path = f"/api/instructors/me/services/{service_id}"
    offered = await client.put(path, json=PIANO_OFFER, headers=instructor.headers)
    assert offered.status_code == 200
    assert offered.json()["durations_minutes"] == [30, 60]
    changed = await client.put(path, json={**PIANO_OFFER, "hourly_rate_cents": 9000}, headers=instructor.headers)
    assert changed.json()["hourly_rate_cents"] == 9000
    listed = (await client.get("/api/instructors")).json()
    mine = next(i for i in listed if i["id"] == instructor.id)
    assert [s["hourly_rate_cents"] for s in mine["services"]] == [9000], "a second PUT updates, never duplicates"
    assert (await client.delete(path, headers=instructor.headers)).status_code == 204
    assert (await client.delete(path, headers=instructor.headers)).status_code == 404
    assert instructor.id not in [i["id"] for i in (await client.get("/api/instructors")).json()]


async def test_bad_offers_are_400_naming_the_field(client, accounts):
    instructor = await accounts.instructor()
    service_id = await piano_id(client)
    path = f"/api/instructors/me/services/{service_id}"
    cases = {
        "hourly_rate_cents": {**PIANO_OFFER, "hourly_rate_cents": 0},
        "durations_minutes[0]": {**PIANO_OFFER, "durations_minutes": [50]},
        "age_groups": {**PIANO_OFFER, "age_groups": ["toddlers"]},
        "locations": {**PIANO_OFFER, "locations": []},
    }
    for key, body in cases.items():
        response = await client.put(path, json=body, headers=instructor.headers)
        assert response.status_code == 400, key
        assert any(key in e["key"] for e in response.json()["extra"]), (key, response.json())
    missing = await client.put("/api/instructors/me/services/999999", json=PIANO_OFFER, headers=instructor.headers)
    assert missing.status_code == 404
    assert (await client.put(path, json=PIANO_OFFER)).status_code == 401


async def test_every_rule_of_an_offer_is_checked(client, accounts):
    instructor = await accounts.create("instructor")
    path = f"/api/instructors/me/services/{await piano_id(client)}"
    refused = [
        {**PIANO_OFFER, "durations_minutes": [0]},
        {**PIANO_OFFER, "durations_minutes": [10]},
        {**PIANO_OFFER, "durations_minutes": [255]},
        {**PIANO_OFFER, "durations_minutes": []},
        {**PIANO_OFFER, "age_groups": []},
        {**PIANO_OFFER, "locations": ["the moon"]},
        {**PIANO_OFFER, "locations": []},
    ]
    for body in refused:
        assert (await client.put(path, json=body, headers=instructor.headers)).status_code == 400, body
    every = {**PIANO_OFFER, "durations_minutes": [15, 240], "age_groups": ["kids", "teens", "adults"],
             "locations": ["student_home", "instructor_studio", "online"]}  # fmt: skip
    assert (await client.put(path, json=every, headers=instructor.headers)).status_code == 200
