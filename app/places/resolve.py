"""A place as a client gives it ({"zip"} | {"neighborhood"} | {"borough"} | {"lat", "lng"}) → a Place,
or a 400 naming the key."""

from __future__ import annotations

import math
import re
from typing import Any

from app.core.errors import ApiError, bad_input, shorten
from app.places.gazetteer import (
    Place,
    gazetteer,
    in_new_york_city,
    name_key,
    nearest_neighborhood,
)

KINDS = ("zip", "neighborhood", "borough")
ONE_OF = "Give exactly one of zip, neighborhood, borough, or lat and lng"
MAX_NAME = 80


def _refuse(key: str, message: str) -> ApiError:
    return bad_input([{"key": key, "message": message}])


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(key, "Must be a non-empty string")
    if len(value) > MAX_NAME:
        raise _refuse(key, f"At most {MAX_NAME} characters")
    return value.strip()


def _coordinate(value: Any, key: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _refuse(key, "Must be a number (decimal degrees)")
    if not low <= value <= high:
        raise _refuse(key, f"Must be between {low} and {high}")
    return float(value)


def place_by_zip(raw: Any, key: str = "zip") -> Place:
    code = _text(raw, key)
    if not re.fullmatch(r"[0-9]{5}", code):
        raise _refuse(key, "A zip code is five ASCII digits")
    place = gazetteer().zips.get(code)
    if place is None:
        raise _refuse(key, f"{code} is not a New York City zip code")
    hood = nearest_neighborhood(place.lat, place.lng, place.borough)
    return Place(place.lat, place.lng, zip=code, neighborhood=hood.name, borough=place.borough)


def place_by_neighborhood(raw: Any, key: str = "neighborhood") -> Place:
    name = _text(raw, key)
    hood = gazetteer().neighborhood_by_key.get(name_key(name))
    if hood is None:
        message = f"No New York City neighborhood called '{shorten(name, 40)}'"
        if name_key(name) in gazetteer().borough_by_key:
            message += " (that is a borough: give it as borough)"
        raise _refuse(key, message)
    return Place(hood.lat, hood.lng, neighborhood=hood.name, borough=hood.borough)


def place_by_borough(raw: Any, key: str = "borough") -> Place:
    name = _text(raw, key)
    borough = gazetteer().borough_by_key.get(name_key(name))
    if borough is None:
        names = ", ".join(b.name for b in gazetteer().boroughs)
        raise _refuse(key, f"No New York City borough called '{shorten(name, 40)}' (one of {names})")
    return Place(borough.lat, borough.lng, borough=borough.name)


def place_at(lat_raw: Any, lng_raw: Any, prefix: str = "") -> Place:
    lat = _coordinate(lat_raw, f"{prefix}lat", -90, 90)
    lng = _coordinate(lng_raw, f"{prefix}lng", -180, 180)
    if not in_new_york_city(lat, lng):
        raise _refuse(f"{prefix}lat", f"{lat:.4f}, {lng:.4f} is outside New York City")
    hood = nearest_neighborhood(lat, lng)
    return Place(lat, lng, neighborhood=hood.name, borough=hood.borough)


def resolve(place: Any, *, prefix: str = "") -> Place:
    """`prefix` names where the place sat in the request ("location." → key "location.zip")."""
    given = sorted(place) if isinstance(place, dict) else []
    where = prefix.rstrip(".") or "place"
    if given == ["lat", "lng"]:
        return place_at(place["lat"], place["lng"], prefix)
    if len(given) != 1 or given[0] not in KINDS:
        raise _refuse(where, ONE_OF)
    kind = given[0]
    by_kind = {"zip": place_by_zip, "neighborhood": place_by_neighborhood, "borough": place_by_borough}
    return by_kind[kind](place[kind], f"{prefix}{kind}")
