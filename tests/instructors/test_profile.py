"""An instructor's profile: headline, bio, a place in New York City and a service radius."""

from __future__ import annotations

PATH = "/api/instructors/me/profile"
PROFILE = {"headline": "Patient piano teacher", "location": {"neighborhood": "Park Slope"}, "service_radius_miles": 5}


async def new_instructor(accounts, name: str = "Ada Lovelace"):
    # A freshly registered instructor (not walked through onboarding).
    return await accounts.create("instructor", name=name)


async def service_ids(client) -> dict[str, int]:
    categories = (await client.get("/api/catalog/categories")).json()
    return {s["slug"]: s["id"] for c in categories for s in c["services"]}


async def test_an_instructor_sets_a_profile_in_a_neighborhood_and_reads_it_back(client, accounts):
    ada = await new_instructor(accounts)
    saved = await client.put(PATH, json=PROFILE, headers=ada.headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["headline"] == "Patient piano teacher"
    assert body["location"] == {"zip": None, "neighborhood": "Park Slope", "borough": "Brooklyn",
                                "lat": 40.671, "lng": -73.9814}  # fmt: skip
    assert body["service_radius_miles"] == 5 and body["complete"] is True
    assert (await client.get(PATH, headers=ada.headers)).json() == body


async def test_every_kind_of_place_is_accepted(client, accounts):
    ada = await new_instructor(accounts)
    cases = {
        "zip": ({"zip": "11101"}, ("11101", "Queens")),
        "borough": ({"borough": "Staten Island"}, (None, "Staten Island")),
        "coordinates": ({"lat": 40.8116, "lng": -73.9465}, (None, "Manhattan")),
    }
    for name, (location, (zip_code, borough)) in cases.items():
        saved = await client.put(PATH, json={**PROFILE, "location": location}, headers=ada.headers)
        assert saved.status_code == 200, (name, saved.text)
        assert (saved.json()["location"]["zip"], saved.json()["location"]["borough"]) == (zip_code, borough), name
    assert saved.json()["location"]["neighborhood"] == "Harlem"


async def test_an_unknown_place_is_400_naming_it_and_nothing_is_stored(client, accounts):
    ada = await new_instructor(accounts)
    refused = await client.put(PATH, json={**PROFILE, "location": {"neighborhood": "Narnia"}}, headers=ada.headers)
    assert refused.status_code == 400
    assert refused.json()["extra"] == [
        {"key": "location.neighborhood", "message": "No New York City neighborhood called 'Narnia'"}
    ]
    after = (await client.get(PATH, headers=ada.headers)).json()
    assert (after["location"], after["headline"], after["complete"]) == (None, None, False)


async def test_bad_fields_are_400_naming_each_and_the_stored_profile_is_unchanged(client, accounts):
    ada = await new_instructor(accounts)
    assert (await client.put(PATH, json=PROFILE, headers=ada.headers)).status_code == 200
    before = (await client.get(PATH, headers=ada.headers)).json()
    cases = {
        "headline": {**PROFILE, "headline": "x" * 121},
        "bio": {**PROFILE, "bio": "y" * 2001},
        "service_radius_miles": {**PROFILE, "service_radius_miles": 0.4},
        "location.lat": {**PROFILE, "location": {"lat": 40.7178, "lng": -74.0431}},  # Jersey City
        "location.zip": {**PROFILE, "location": {"zip": "90210"}},
        "location.borough": {**PROFILE, "location": {"borough": "Westchester"}},
        "location": {**PROFILE, "location": {"zip": "11215", "borough": "Brooklyn"}},
    }
    for key, body in cases.items():
        refused = await client.put(PATH, json=body, headers=ada.headers)
        assert refused.status_code == 400, (key, refused.text)
        assert key in [p["key"] for p in refused.json()["extra"]], (key, refused.json())
    too_far = await client.put(PATH, json={**PROFILE, "service_radius_miles": 51}, headers=ada.headers)
    assert too_far.status_code == 400 and too_far.json()["extra"][0]["key"] == "service_radius_miles"
    outside = await client.put(PATH, json=cases["location.lat"], headers=ada.headers)
    assert "outside New York City" in outside.json()["extra"][0]["message"]
    control = await client.put(PATH, json={**PROFILE, "headline": "bell\u0007"}, headers=ada.headers)
    assert control.status_code == 400 and control.json()["extra"][0]["key"] == "headline"
    missing = await client.put(PATH, json={"headline": "No place"}, headers=ada.headers)
    assert missing.status_code == 400
    assert (await client.get(PATH, headers=ada.headers)).json() == before


async def test_a_headline_alone_or_a_bio_alone_completes_the_step_and_blank_ones_do_not(client, accounts):
    ada = await new_instructor(accounts)
    only_bio = {"bio": "I teach.", "location": {"zip": "10025"}, "service_radius_miles": 2}
    assert (await client.put(PATH, json=only_bio, headers=ada.headers)).json()["complete"] is True
    blank = {"headline": "   ", "bio": "", "location": {"zip": "10025"}, "service_radius_miles": 2}
    cleared = (await client.put(PATH, json=blank, headers=ada.headers)).json()
    assert (cleared["headline"], cleared["complete"], cleared["bio_generated"]) == (None, False, True)


async def test_only_instructors_have_profiles(client, accounts):
    student = await accounts.create("student")
    assert (await client.put(PATH, json=PROFILE, headers=student.headers)).status_code == 403
    assert (await client.get(PATH, headers=student.headers)).status_code == 403
    assert (await client.put(PATH, json=PROFILE)).status_code == 401
    assert (await client.get(PATH)).status_code == 401


async def test_completing_the_profile_tells_the_instructor_once(client, accounts):
    ada = await new_instructor(accounts)
    incomplete = {"location": {"zip": "10025"}, "service_radius_miles": 2}
    assert (await client.put(PATH, json=incomplete, headers=ada.headers)).json()["complete"] is False

    async def profile_notes() -> list[dict]:
        feed = (await client.get("/api/notifications", headers=ada.headers)).json()["items"]
        return [n for n in feed if n["type"] == "onboarding.step_done" and n["data"]["step"] == "profile"]

    assert await profile_notes() == []
    for _ in range(2):
        assert (await client.put(PATH, json=PROFILE, headers=ada.headers)).json()["complete"] is True
    assert len(await profile_notes()) == 1
