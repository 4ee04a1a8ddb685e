"""Kids discovery and context lists follow an instructor's service and live changes at once (the cache
is invalidated through the outbox, never by a timer)."""

from __future__ import annotations

import asyncpg

from tests.search.support import OFFER, POINTS, place_instructor, service_ids

FOR_KIDS = {**OFFER, "age_groups": ["kids", "adults"]}


async def kids_category(client) -> list[str]:
    categories = (await client.get("/api/catalog/categories")).json()
    kids = [c for c in categories if c["slug"] == "kids"]
    assert len(kids) == 1
    return [s["slug"] for s in kids[0]["services"]]


async def context(client, slug: str, expect: int = 200, **params) -> set[int]:
    response = await client.get(f"/api/catalog/services/{slug}/instructors", params=params)
    assert response.status_code == expect, response.text
    return {r["instructor"]["id"] for r in response.json()["results"]} if expect == 200 else set()


async def test_kids_category_lists_what_live_instructors_offer_to_kids_and_follows_each_offer_change(client, accounts):
    assert await kids_category(client) == []
    teacher = await place_instructor(client, accounts, POINTS["Park Slope"])
    assert await kids_category(client) == [], "piano is offered to adults only"
    ids = await service_ids(client)
    piano, guitar = f"/api/instructors/me/services/{ids['piano']}", f"/api/instructors/me/services/{ids['guitar']}"
    await accounts.call("PUT", piano, teacher, 200, json=FOR_KIDS)
    assert await kids_category(client) == ["piano"]
    await accounts.call("PUT", guitar, teacher, 200, json=FOR_KIDS)
    assert await kids_category(client) == ["piano", "guitar"], "in the catalog's order"
    await accounts.call("PUT", piano, teacher, 200, json=OFFER)
    assert await kids_category(client) == ["guitar"]
    # A refused change changes nothing.
    await accounts.call("PUT", piano, teacher, 400, json={**FOR_KIDS, "durations_minutes": [50]})
    assert (await client.put(piano, json=FOR_KIDS)).status_code == 401
    assert await kids_category(client) == ["guitar"]
    await accounts.call("DELETE", guitar, teacher, 204)
    assert await kids_category(client) == []


async def test_kids_category_follows_going_offline_and_live_again(client, accounts):
    teacher = await place_instructor(client, accounts, POINTS["Astoria"], offers={"chess": FOR_KIDS})
    assert await kids_category(client) == ["chess"]
    assert await accounts.call("DELETE", "/api/instructors/me/live", teacher, 200) == {"is_live": False}
    assert await kids_category(client) == []
    assert await accounts.call("POST", "/api/instructors/me/live", teacher, 200) == {"is_live": True}
    assert await kids_category(client) == ["chess"]


async def test_kids_category_is_served_from_the_cache_until_a_change_records_one(client, accounts, settings):
    teacher = await place_instructor(client, accounts, POINTS["Harlem"], offers={"swimming": FOR_KIDS})
    assert await kids_category(client) == ["swimming"]
    # Written behind the product's back, with no change recorded: the cached list stands.
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute("UPDATE instructor_services SET age_groups = '{adults}' WHERE instructor = $1", teacher.id)
    finally:
        await conn.close()
    assert await kids_category(client) == ["swimming"]
    # Any recorded change is heard at once, and the list is read afresh.
    ids = await service_ids(client)
    await accounts.call("PUT", f"/api/instructors/me/services/{ids['yoga']}", teacher, 200, json=OFFER)
    assert await kids_category(client) == []


async def test_context_lists_music_piano_lists_every_piano_teacher_and_kids_piano_only_kids_capable(client, accounts):
    both = await place_instructor(client, accounts, POINTS["Midtown"], offers={"piano": FOR_KIDS})
    adults = await place_instructor(client, accounts, POINTS["Harlem"])
    await place_instructor(client, accounts, POINTS["Astoria"], offers={"guitar": FOR_KIDS})
    assert await context(client, "piano", category="music") == {both.id, adults.id}
    assert await context(client, "piano") == {both.id, adults.id}
    assert await context(client, "piano", category="kids") == {both.id}
    ids = await service_ids(client)
    await accounts.call("PUT", f"/api/instructors/me/services/{ids['piano']}", adults, 200, json=FOR_KIDS)
    assert await context(client, "piano", category="kids") == {both.id, adults.id}
    await accounts.call("DELETE", "/api/instructors/me/live", both, 200)
    assert await context(client, "piano", category="kids") == {adults.id}
    assert await context(client, "piano", category="music") == {adults.id}


async def test_context_list_results_have_the_search_result_shape_and_page(client, accounts):
    first = await place_instructor(client, accounts, POINTS["Midtown"])
    second = await place_instructor(client, accounts, POINTS["Harlem"])
    page = (await client.get("/api/catalog/services/piano/instructors", params={"limit": 1, "sort": "price"})).json()
    assert set(page) == {"results", "next_cursor"}
    result = page["results"][0]
    assert set(result) == {"instructor", "service", "hourly_rate_cents", "distance_miles", "rating", "next_slots"}
    assert result["instructor"]["id"] == first.id and result["service"]["slug"] == "piano"
    rest = await client.get(
        "/api/catalog/services/piano/instructors", params={"limit": 1, "sort": "price", "cursor": page["next_cursor"]}
    )
    assert [r["instructor"]["id"] for r in rest.json()["results"]] == [second.id]
    assert rest.json()["next_cursor"] is None


async def test_context_list_of_an_unknown_service_or_a_category_without_it_is_404(client, accounts):
    await context(client, "no-such-service", 404)
    await context(client, "piano", 404, category="art")
    await context(client, "piano", 404, category="no-such-category")
    bad = await client.get("/api/catalog/services/piano/instructors", params={"limit": "51"})
    assert bad.status_code == 400 and bad.json()["extra"][0]["key"] == "limit"
