"""Each offer carries its instructor's live flag, service reach, place and radius (migrations 0018 and
0019), which the search reads instead of the sources: the copies follow every change of those sources, in the same
transaction, also when an offer is written while its instructor goes offline or moves."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.search.support import OFFER, POINTS, place_instructor, search, service_ids

# Offers whose copies differ from their sources (none, ever).
DRIFTED = """
SELECT o.id FROM instructor_services o
LEFT JOIN onboarding_states l ON l.instructor = o.instructor
LEFT JOIN instructor_profiles p ON p.instructor = o.instructor
WHERE o.live IS DISTINCT FROM coalesce(l.is_live, false)
   OR (o.reach IS NULL) <> (p.reach IS NULL) OR NOT (o.reach ~= p.reach)
   OR o.lat IS DISTINCT FROM p.lat OR o.lng IS DISTINCT FROM p.lng
   OR o.service_radius_miles IS DISTINCT FROM p.service_radius_miles
"""


async def _copies(conn: asyncpg.Connection, instructor_id: int) -> list[tuple[bool, str | None]]:
    rows = await conn.fetch(
        "SELECT live, reach::text AS reach FROM instructor_services WHERE instructor = $1 ORDER BY id", instructor_id
    )
    return [(row["live"], row["reach"]) for row in rows]


@pytest.fixture
async def conn(settings):
    connection = await asyncpg.connect(settings.database_url)
    yield connection
    await connection.close()


async def test_offers_follow_going_live_and_offline_moving_and_new_offers(client, accounts, conn):
    teacher = await place_instructor(
        client, accounts, POINTS["Park Slope"], radius=3, offers={"piano": OFFER, "guitar": OFFER}
    )
    reach = await conn.fetchval("SELECT reach::text FROM instructor_profiles WHERE instructor = $1", teacher.id)
    assert await _copies(conn, teacher.id) == [(True, reach), (True, reach)]

    assert await accounts.call("DELETE", "/api/instructors/me/live", teacher, 200) == {"is_live": False}
    assert await _copies(conn, teacher.id) == [(False, reach), (False, reach)]
    assert (await search(client, q="guitar in Park Slope"))["results"] == []

    harlem = {"lat": POINTS["Harlem"][0], "lng": POINTS["Harlem"][1]}
    moved = {"headline": "Patient teacher", "location": harlem, "service_radius_miles": 2}
    await accounts.call("PUT", "/api/instructors/me/profile", teacher, 200, json=moved)
    assert await accounts.call("POST", "/api/instructors/me/live", teacher, 200) == {"is_live": True}
    new_reach = await conn.fetchval("SELECT reach::text FROM instructor_profiles WHERE instructor = $1", teacher.id)
    assert new_reach != reach
    await accounts.call("PUT", f"/api/instructors/me/services/{(await service_ids(client))['violin']}", teacher, 200,
                        json=OFFER)  # fmt: skip
    assert await _copies(conn, teacher.id) == [(True, new_reach)] * 3

    ids = [r["instructor"]["id"] for r in (await search(client, q="violin in Harlem"))["results"]]
    assert ids == [teacher.id]
    assert (await search(client, q="guitar in Park Slope"))["results"] == []  # 2 miles around Harlem now
    assert await conn.fetch(DRIFTED) == []


ADD_OFFER = """INSERT INTO instructor_services (instructor, service, hourly_rate_cents, durations_minutes, age_groups,
               locations) VALUES ($1, $2, 5000, '{60}', '{adults}', '{student_home}')"""
GO_OFFLINE = "UPDATE onboarding_states SET is_live = false WHERE instructor = $1"


@pytest.mark.parametrize("first", ["offer", "offline"])
async def test_an_offer_written_while_its_instructor_goes_offline_is_not_live(client, accounts, conn, settings, first):
    teacher = await place_instructor(client, accounts, POINTS["Astoria"], radius=5)
    changes = {
        "offer": (ADD_OFFER, teacher.id, (await service_ids(client))["guitar"]),
        "offline": (GO_OFFLINE, teacher.id),
    }
    second = "offline" if first == "offer" else "offer"
    one, other = await asyncpg.connect(settings.database_url), await asyncpg.connect(settings.database_url)
    try:
        earlier, later = one.transaction(), other.transaction()
        await earlier.start()
        await one.execute(*changes[first])
        await later.start()
        waiting = asyncio.create_task(other.execute(*changes[second]))
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the later change waits for the earlier one to commit"
        await earlier.commit()
        await asyncio.wait_for(waiting, 10)
        await later.commit()
    finally:
        await one.close()
        await other.close()
    assert [live for live, _ in await _copies(conn, teacher.id)] == [False, False]
    assert await conn.fetch(DRIFTED) == []
    assert (await search(client, q="guitar in Astoria"))["results"] == []


@pytest.mark.parametrize("source", ["instructor_profiles", "onboarding_states"])
async def test_a_source_row_moved_to_another_instructor_takes_its_copies_along(client, accounts, conn, source):
    teacher = await place_instructor(client, accounts, POINTS["Astoria"], radius=5)
    other = await place_instructor(client, accounts, POINTS["Harlem"], radius=2)
    await conn.execute(f"DELETE FROM {source} WHERE instructor = $1", other.id)
    await conn.execute(f"UPDATE {source} SET instructor = $1 WHERE instructor = $2", other.id, teacher.id)
    assert await conn.fetch(DRIFTED) == []
    left = await conn.fetchrow("SELECT live, reach, lat FROM instructor_services WHERE instructor = $1", teacher.id)
    assert (not left["live"]) if source == "onboarding_states" else (left["reach"], left["lat"]) == (None, None)
    found = [r["instructor"]["id"] for r in (await search(client, q="piano in Astoria"))["results"]]
    assert found == ([other.id] if source == "instructor_profiles" else [])  # the place went with the profile
