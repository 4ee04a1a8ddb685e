"""Bad search input is a 400 naming the key (never a 500); a bad token is 401; a cursor only pages
the search it came from."""

from __future__ import annotations

import base64
import json

import pytest

from tests.search.support import POINTS, place_instructor, search

BAD = [
    ({"lat": "91", "lng": "-73.98"}, "lat"),
    ({"lat": "40.7", "lng": "abc"}, "lng"),
    ({"lat": "40.7"}, "lng"),
    ({"lat": "NaN", "lng": "-73.98"}, "lat"),
    ({"lat": "1e1", "lng": "-73.98"}, "lat"),
    ({"lat": "48.8566", "lng": "2.3522"}, "lat"),  # Paris: outside New York City
    ({"limit": "51"}, "limit"),
    ({"limit": "0"}, "limit"),
    ({"limit": "ten"}, "limit"),
    ({"cursor": "not-a-cursor"}, "cursor"),
    ({"cursor": base64.urlsafe_b64encode(b'[1e999, 0, 1, "x"]').decode()}, "cursor"),
    ({"cursor": "A" * 301}, "cursor"),
    ({"sort": "popularity"}, "sort"),
    ({"sort": "distance"}, "sort"),  # no place to measure from
    ({"start": "2026-12-10T10:00:00-05:00", "end": "2026-12-10T09:00:00-05:00"}, "end"),
    ({"start": "2026-12-10T10:00:00-05:00", "end": "2026-12-10T10:00:00-05:00"}, "end"),
    ({"start": "2026-12-10T10:00:00-05:00", "end": "2027-02-10T10:00:00-05:00"}, "end"),
    ({"start": "2026-12-10T10:00:00-05:00"}, "end"),
    ({"start": "tomorrow", "end": "2026-12-10T10:00:00-05:00"}, "start"),
    ({"start": "2026-12-10T10:00:00", "end": "2026-12-11T10:00:00-05:00"}, "start"),
    ({"service": "underwater-basket-weaving"}, "service"),
    ({"age_group": "toddlers"}, "age_group"),
    ({"max_price_cents": "50"}, "max_price_cents"),
    ({"max_price_cents": "80.5"}, "max_price_cents"),
    ({"near": "Atlantis"}, "near"),
    ({"near": "90210"}, "near"),
    ({"near": "Park Slope", "lat": "40.7", "lng": "-73.9"}, "near"),
    ({"radius_miles": "5"}, "radius_miles"),  # no place
    ({"near": "Park Slope", "radius_miles": "-1"}, "radius_miles"),
    ({"near": "Park Slope", "radius_miles": "51"}, "radius_miles"),
    ({"online": "yes"}, "online"),
    ({"tz": "Mars/Olympus_Mons"}, "tz"),
    ({"q": "piano " * 40}, "q"),
]


@pytest.mark.parametrize(("params", "key"), BAD, ids=[f"{key}:{i}" for i, (_, key) in enumerate(BAD)])
async def test_bad_search_input_is_400_naming_the_key(client, params, key):
    body = await search(client, 400, **params)
    assert body["code"] == "bad_request"
    assert key in [problem["key"] for problem in body["extra"]], body
    assert len(json.dumps(body)) < 3000


async def test_every_bad_key_is_named_at_once(client):
    body = await search(client, 400, sort="popularity", age_group="toddlers", tz="Nowhere/Here")
    assert {p["key"] for p in body["extra"]} >= {"sort", "age_group", "tz"}


async def test_a_bad_token_is_401_and_no_token_is_anonymous(client):
    response = await client.get("/api/search", params={"q": "piano"}, headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert (await client.get("/api/search", params={"q": "piano"})).status_code == 200


async def test_a_cursor_pages_only_the_search_it_came_from(client, accounts):
    for _ in range(2):
        await place_instructor(client, accounts, POINTS["Midtown"])
    first = await search(client, service="piano", sort="price", limit=1)
    assert first["next_cursor"]
    elsewhere = await search(client, 400, service="piano", sort="rating", limit=1, cursor=first["next_cursor"])
    assert elsewhere["extra"][0]["key"] == "cursor"
    # The same search with another page size still reads on.
    more = await search(client, service="piano", sort="price", limit=5, cursor=first["next_cursor"])
    assert len(more["results"]) == 1


async def test_text_that_is_not_a_filter_is_no_error(client):
    for q in ("", "   ", "80s music", "piano bar reviews", "\u0000", "🎹🎹🎹", "' OR 1=1 --", "%_%"):
        body = await search(client, q=q)
        assert body["results"] == [] and body["next_cursor"] is None
