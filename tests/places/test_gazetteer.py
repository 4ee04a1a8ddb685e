"""The offline gazetteer of New York City: its data file, resolve, nearest_neighborhood, haversine."""

from __future__ import annotations

import itertools

import pytest

from app.core.errors import ApiError
from app.places import Place, haversine_miles, in_new_york_city, nearest_neighborhood, resolve
from app.places.gazetteer import BOROUGHS, gazetteer, name_key


def problem_of(place: dict, **kw) -> dict:
    with pytest.raises(ApiError) as refused:
        resolve(place, **kw)
    assert refused.value.status_code == 400
    [problem] = refused.value.extra
    return problem


def test_the_data_file_covers_every_borough_with_well_known_neighborhoods():
    hoods = gazetteer().neighborhoods
    assert len(hoods) >= 150
    per_borough = {b: sum(h.borough == b for h in hoods) for b in BOROUGHS}
    assert min(per_borough.values()) >= 25, per_borough
    names = {h.name for h in hoods}
    for known in ("Park Slope", "Williamsburg", "Astoria", "Harlem", "Upper West Side", "SoHo", "Flushing",
                  "St. George", "Riverdale"):  # fmt: skip
        assert known in names


def test_every_neighborhood_centre_lies_in_the_city_near_its_zip_and_apart_from_the_others():
    g = gazetteer()
    for hood in g.neighborhoods:
        assert in_new_york_city(hood.lat, hood.lng), hood.name
        z = g.zips[hood_zip(hood.name)]
        assert haversine_miles(hood.lat, hood.lng, z.lat, z.lng) <= 2.0, hood.name
        assert z.borough == hood.borough or hood.name == "Marble Hill", hood.name  # Marble Hill has a Bronx zip
    for a, b in itertools.combinations(g.neighborhoods, 2):
        assert haversine_miles(a.lat, a.lng, b.lat, b.lng) > 0.1, (a.name, b.name)


def hood_zip(name: str) -> str:
    import json

    from app.places.gazetteer import DATA_FILE

    rows = json.loads(DATA_FILE.read_text())["neighborhoods"]
    return next(r["zip"] for r in rows if r["name"] == name)


def test_names_and_aliases_are_unique_across_the_city():
    keys = [name_key(a) for h in gazetteer().neighborhoods for a in (h.name, *h.aliases)]
    keys += [name_key(a) for b in gazetteer().boroughs for a in (b.name, *b.aliases)]
    assert len(keys) == len(set(keys))


def test_zips_are_only_new_york_citys():
    zips = gazetteer().zips
    assert {"10001", "11215", "11101", "10451", "10301"} <= set(zips)
    assert "07302" not in zips and "10701" not in zips and "11021" not in zips  # Jersey City, Yonkers, Great Neck
    assert {z.borough for z in zips.values()} == set(BOROUGHS)


def test_a_zip_resolves_to_its_centroid_borough_and_nearest_neighborhood():
    park_slope = Place(40.6669, -73.9828, zip="11215", neighborhood="Park Slope", borough="Brooklyn")
    assert resolve({"zip": "11215"}) == park_slope
    williamsburg = resolve({"zip": "11249"})  # corrected: zipcodes puts it at Brooklyn's centre
    assert williamsburg.neighborhood == "Williamsburg"


def test_a_neighborhood_resolves_by_name_or_alias_whatever_the_case_and_punctuation():
    park_slope = resolve({"neighborhood": "park slope"})
    assert (park_slope.neighborhood, park_slope.borough, park_slope.zip) == ("Park Slope", "Brooklyn", None)
    assert resolve({"neighborhood": "Bed-Stuy"}).neighborhood == "Bedford-Stuyvesant"
    assert resolve({"neighborhood": "hells kitchen"}).neighborhood == "Hell's Kitchen"
    assert resolve({"neighborhood": "Saint George"}).neighborhood == "St. George"
    assert resolve({"neighborhood": "  UWS "}).neighborhood == "Upper West Side"


def test_a_borough_resolves_to_its_centre():
    bronx = resolve({"borough": "the bronx"})
    assert (bronx.borough, bronx.neighborhood) == ("Bronx", None)
    assert resolve({"borough": "Kings County"}).borough == "Brooklyn"
    assert resolve({"borough": "Staten Island"}).borough == "Staten Island"


def test_coordinates_get_the_nearest_neighborhood_and_its_borough():
    place = resolve({"lat": 40.6720, "lng": -73.9780})
    assert (place.lat, place.lng, place.neighborhood, place.borough) == (40.672, -73.978, "Park Slope", "Brooklyn")
    assert nearest_neighborhood(40.7680, -73.9200).name == "Astoria"
    assert nearest_neighborhood(40.6437, -74.0776).name == "St. George"


def test_unknown_places_are_400_naming_the_key():
    assert problem_of({"neighborhood": "Narnia"}, prefix="location.") == {
        "key": "location.neighborhood", "message": "No New York City neighborhood called 'Narnia'",
    }  # fmt: skip
    assert "that is a borough" in problem_of({"neighborhood": "Queens"})["message"]
    assert problem_of({"borough": "Westchester"})["key"] == "borough"
    assert problem_of({"zip": "90210"}) == {"key": "zip", "message": "90210 is not a New York City zip code"}
    assert problem_of({"zip": "1121"})["message"] == "A zip code is five ASCII digits"
    assert problem_of({"zip": "١١٢١٥"})["message"] == "A zip code is five ASCII digits"
    assert problem_of({"neighborhood": ""})["message"] == "Must be a non-empty string"
    assert problem_of({"neighborhood": 7})["message"] == "Must be a non-empty string"
    assert len(problem_of({"neighborhood": "x" * 5000})["message"]) < 100


@pytest.mark.parametrize(
    "lat,lng",
    [(40.7178, -74.0431), (40.7440, -74.0320), (40.9312, -73.8988), (40.8007, -73.7285), (48.8566, 2.3522)],
    ids=["jersey-city", "hoboken", "yonkers", "great-neck", "paris"],
)
def test_coordinates_outside_the_city_are_400_saying_so(lat, lng):
    problem = problem_of({"lat": lat, "lng": lng}, prefix="location.")
    assert problem["key"] == "location.lat"
    assert problem["message"].endswith("is outside New York City")


def test_malformed_places_are_400():
    one_of = "Give exactly one of zip, neighborhood, borough, or lat and lng"
    assert problem_of({"zip": "11215", "borough": "Brooklyn"}, prefix="location.") == {
        "key": "location", "message": one_of,
    }  # fmt: skip
    assert problem_of({"lat": 40.7})["message"] == one_of
    assert problem_of({})["message"] == one_of
    assert problem_of({"lat": "40.7", "lng": -73.9})["key"] == "lat"
    assert problem_of({"lat": True, "lng": -73.9})["key"] == "lat"
    assert problem_of({"lat": 40.7, "lng": -273.9})["message"] == "Must be between -180 and 180"
    assert problem_of({"lat": float("nan"), "lng": -73.9})["key"] == "lat"


def test_haversine_miles_matches_known_distances():
    assert haversine_miles(40.7128, -74.0060, 34.0522, -118.2437) == pytest.approx(2445.6, abs=1)
    assert haversine_miles(40.0, -74.0, 41.0, -74.0) == pytest.approx(69.09, abs=0.05)
    assert haversine_miles(40.7, -73.9, 40.7, -73.9) == 0
