"""Spatial search: results ordered by true distance (a haversine computed here) from points in all five
boroughs; instructors out of range, beyond radius_miles or not live never appear; online ones do
when asked."""

from __future__ import annotations

from app.places.resolve import place_by_neighborhood
from tests.search.support import OFFER, POINTS, haversine_miles, place_instructor, search

# A point in each borough to search from.
SEARCH_POINTS = {
    "Brooklyn": (40.6500, -73.9500),
    "Queens": (40.7300, -73.8000),
    "Bronx": (40.8400, -73.8700),
    "Staten Island": (40.5800, -74.1500),
    "Manhattan": (40.7800, -73.9700),
}


async def test_results_are_ordered_by_true_distance_from_a_point_in_each_borough(client, accounts):
    placed = {}
    for name, at in POINTS.items():
        # A 40-mile radius reaches the whole city: every instructor is a result from anywhere.
        placed[(await place_instructor(client, accounts, at, radius=40, name=f"Teacher in {name}")).id] = at
    for borough, (lat, lng) in SEARCH_POINTS.items():
        body = await search(client, service="piano", lat=str(lat), lng=str(lng), sort="distance", limit=50)
        true_distance = {i: haversine_miles(lat, lng, *at) for i, at in placed.items()}
        ids = [r["instructor"]["id"] for r in body["results"]]
        assert ids == sorted(placed, key=lambda i: true_distance[i]), borough
        for result in body["results"]:
            assert abs(result["distance_miles"] - true_distance[result["instructor"]["id"]]) < 0.006, borough
        assert body["next_cursor"] is None


async def test_a_neighbourhood_named_in_the_text_is_searched_from_its_centre(client, accounts):
    near, far = POINTS["Park Slope"], POINTS["Harlem"]
    close = await place_instructor(client, accounts, near, radius=20)
    distant = await place_instructor(client, accounts, far, radius=20)
    body = await search(client, q="piano near williamsburg", sort="distance")
    centre = place_by_neighborhood("Williamsburg")
    assert body["understood"]["place"]["name"] == "Williamsburg"
    assert [r["instructor"]["id"] for r in body["results"]] == [close.id, distant.id]
    expected = [haversine_miles(centre.lat, centre.lng, *at) for at in (near, far)]
    assert [r["distance_miles"] for r in body["results"]] == [round(d, 2) for d in expected]


async def test_instructors_out_of_range_or_not_live_never_appear(client, accounts):
    in_range = await place_instructor(client, accounts, POINTS["Park Slope"], radius=2)
    in_flushing = await place_instructor(client, accounts, POINTS["Flushing"], radius=2)
    offline = await place_instructor(client, accounts, POINTS["Park Slope"], radius=10)
    assert await accounts.call("DELETE", "/api/instructors/me/live", offline, 200) == {"is_live": False}
    park_slope = {"lat": str(POINTS["Park Slope"][0]), "lng": str(POINTS["Park Slope"][1])}

    def ids(body):
        return [r["instructor"]["id"] for r in body["results"]]

    assert ids(await search(client, service="piano", **park_slope)) == [in_range.id]
    assert ids(await search(client, **park_slope)) == [in_range.id]  # no service: the reach index leads
    assert ids(await search(client, q="piano in Flushing")) == [in_flushing.id]
    # Williamsburg is 2.9 miles from Park Slope: outside that instructor's 2-mile radius.
    assert ids(await search(client, service="piano", near="Williamsburg")) == []
    # Not live: absent from every search, with or without a place.
    everyone = ids(await search(client, service="piano", limit=50))
    assert offline.id not in everyone and {in_range.id, in_flushing.id} <= set(everyone)


async def test_radius_miles_keeps_only_instructors_that_close_to_the_place(client, accounts):
    here = await place_instructor(client, accounts, POINTS["Park Slope"], radius=20)
    nearby = await place_instructor(client, accounts, POINTS["Williamsburg"], radius=20)
    park_slope = {"lat": str(POINTS["Park Slope"][0]), "lng": str(POINTS["Park Slope"][1])}
    wide = await search(client, service="piano", radius_miles="5", sort="distance", **park_slope)
    assert [r["instructor"]["id"] for r in wide["results"]] == [here.id, nearby.id]
    narrow = await search(client, service="piano", radius_miles="2.5", **park_slope)
    assert [r["instructor"]["id"] for r in narrow["results"]] == [here.id]


async def test_instructors_teaching_online_are_results_from_anywhere_when_online_is_asked(client, accounts):
    online_offer = {**OFFER, "locations": ["online"]}
    far_online = await place_instructor(
        client, accounts, POINTS["Tottenville"], radius=1, offers={"piano": online_offer}
    )
    far_in_person = await place_instructor(client, accounts, POINTS["Riverdale"], radius=1)
    local = await place_instructor(client, accounts, POINTS["Park Slope"], radius=3)

    def ids(body):
        return {r["instructor"]["id"] for r in body["results"]}

    assert ids(await search(client, q="piano in park slope")) == {local.id}
    assert ids(await search(client, q="online piano in park slope")) == {local.id, far_online.id}
    online_anywhere = await search(client, q="piano over zoom")
    assert online_anywhere["understood"] == {"service": "piano", "online": True}
    assert ids(online_anywhere) == {far_online.id}
    assert far_in_person.id in ids(await search(client, service="piano", limit=50))


def _point_at(origin: tuple[float, float], miles: float, bearing: str) -> tuple[float, float]:
    """The point `miles` (by haversine_miles) due north or due east of `origin` along its parallel."""
    lat, lng = origin
    low, high = 0.0, 2.0
    for _ in range(60):
        step = (low + high) / 2
        there = (lat + step, lng) if bearing == "north" else (lat, lng + step)
        low, high = (step, high) if haversine_miles(lat, lng, *there) < miles else (low, step)
    return (lat + low, lng) if bearing == "north" else (lat, lng + low)


async def test_an_instructor_is_found_just_inside_the_radius_and_not_just_beyond_it_in_each_direction(client, accounts):
    # The index's reach box must hold the whole radius (wider in longitude than in latitude here); the
    # haversine decides at the edge.
    origin = POINTS["Park Slope"]
    teacher = await place_instructor(client, accounts, origin, radius=8)
    for bearing in ("north", "east"):
        for miles, found in ((7.97, True), (8.03, False)):
            lat, lng = _point_at(origin, miles, bearing)
            body = await search(client, service="piano", lat=f"{lat:.6f}", lng=f"{lng:.6f}")
            assert [r["instructor"]["id"] for r in body["results"]] == ([teacher.id] if found else []), (
                bearing,
                miles,
            )


async def test_a_moved_or_narrowed_service_area_is_searched_at_once(client, accounts):
    teacher = await place_instructor(client, accounts, POINTS["Park Slope"], radius=5)
    williamsburg = {"lat": str(POINTS["Williamsburg"][0]), "lng": str(POINTS["Williamsburg"][1])}
    harlem = {"lat": str(POINTS["Harlem"][0]), "lng": str(POINTS["Harlem"][1])}

    async def found_from(place: dict[str, str]) -> bool:
        body = await search(client, service="piano", **place)
        return teacher.id in [r["instructor"]["id"] for r in body["results"]]

    assert await found_from(williamsburg) and not await found_from(harlem)
    moved = {
        "headline": "Patient teacher",
        "location": {"lat": POINTS["Harlem"][0], "lng": POINTS["Harlem"][1]},
        "service_radius_miles": 5,
    }
    await accounts.call("PUT", "/api/instructors/me/profile", teacher, 200, json=moved)
    assert await found_from(harlem) and not await found_from(williamsburg)
    narrowed = {**moved, "location": {"lat": POINTS["Park Slope"][0], "lng": POINTS["Park Slope"][1]}}
    narrowed["service_radius_miles"] = 2  # Williamsburg is 2.9 miles away
    await accounts.call("PUT", "/api/instructors/me/profile", teacher, 200, json=narrowed)
    assert not await found_from(williamsburg) and not await found_from(harlem)
