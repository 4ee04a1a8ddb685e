"""The bio written from the structured profile when the instructor wrote none."""

from __future__ import annotations

from tests.instructors.test_profile import PATH, new_instructor, service_ids

STUDIO_KIDS = {"hourly_rate_cents": 6000, "durations_minutes": [30, 60], "age_groups": ["kids"],
               "locations": ["instructor_studio", "student_home"]}  # fmt: skip
ONLINE_ADULTS = {"hourly_rate_cents": 7000, "durations_minutes": [60], "age_groups": ["adults"],
                 "locations": ["online"]}  # fmt: skip


async def test_a_bio_is_generated_from_name_services_ages_place_and_radius(client, accounts):
    ada = await new_instructor(accounts, "Ada Lovelace")
    ids = await service_ids(client)
    for slug, offer in (("piano", STUDIO_KIDS), ("voice", ONLINE_ADULTS)):
        offered = await client.put(f"/api/instructors/me/services/{ids[slug]}", json=offer, headers=ada.headers)
        assert offered.status_code == 200, offered.text
    profile = {"headline": "Piano and voice", "location": {"neighborhood": "Park Slope"}, "service_radius_miles": 5}
    body = (await client.put(PATH, json=profile, headers=ada.headers)).json()
    assert body["bio_generated"] is True
    assert body["bio"] == (
        "Ada teaches piano and voice to kids and adults in Park Slope, Brooklyn, at their studio, "
        "at students' homes within 5 miles, and online."
    )


async def test_languages_keep_their_capital_and_online_only_teachers_say_where_they_are(client, accounts):
    bo = await new_instructor(accounts, "Bo Diaz")
    ids = await service_ids(client)
    await client.put(f"/api/instructors/me/services/{ids['spanish']}", json=ONLINE_ADULTS, headers=bo.headers)
    profile = {"headline": "Hola", "location": {"borough": "Bronx"}, "service_radius_miles": 1}
    body = (await client.put(PATH, json=profile, headers=bo.headers)).json()
    assert body["bio"] == "Bo teaches Spanish to adults online, from the Bronx."


async def test_a_written_bio_is_kept_and_an_instructor_with_nothing_yet_still_reads_well(client, accounts):
    cy = await new_instructor(accounts, "Cy Young")
    assert (await client.get(PATH, headers=cy.headers)).json()["bio"] == "Cy is an instructor on InstaInstru."
    written = {"bio": "Twenty years of teaching.", "location": {"zip": "11103"}, "service_radius_miles": 3}
    body = (await client.put(PATH, json=written, headers=cy.headers)).json()
    assert (body["bio"], body["bio_generated"]) == ("Twenty years of teaching.", False)
