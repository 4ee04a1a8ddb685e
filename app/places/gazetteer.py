"""The offline gazetteer of New York City: zip codes (centroids from the pinned `zipcodes` package),
neighbourhoods and boroughs (data/nyc_neighborhoods.json), and the city's coarse outline."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import zipcodes

DATA_FILE = Path(__file__).parent / "data" / "nyc_neighborhoods.json"
EARTH_RADIUS_MILES = 3958.8
RIGHT_QUOTE = "\u2019"  # how phones type an apostrophe
BOROUGHS = ("Manhattan", "Brooklyn", "Queens", "Bronx", "Staten Island")


@dataclass(frozen=True)
class Place:
    lat: float
    lng: float
    zip: str | None = None
    neighborhood: str | None = None
    borough: str | None = None


@dataclass(frozen=True)
class Neighborhood:
    name: str
    borough: str
    lat: float
    lng: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Borough:
    name: str
    lat: float
    lng: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Gazetteer:
    neighborhoods: tuple[Neighborhood, ...]
    boroughs: tuple[Borough, ...]
    zips: dict[str, Place]
    outline: tuple[tuple[float, float], ...]
    neighborhood_by_key: dict[str, Neighborhood]
    borough_by_key: dict[str, Borough]


def haversine_miles(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(min(1.0, h)))


_KEY_TABLE = str.maketrans({"'": None, RIGHT_QUOTE: None, ".": None, "-": " ", "_": " ", "/": " ", ",": " "})


def name_key(name: str) -> str:
    """How names compare: case, apostrophes, periods, hyphens and spacing do not matter."""
    return " ".join(name.lower().translate(_KEY_TABLE).split())


def _nyc_zips(corrections: dict[str, dict[str, float]], borough_of_county: dict[str, str]) -> dict[str, Place]:
    zips = {}
    for row in zipcodes.filter_by_state("NY"):
        borough = borough_of_county.get(row["county"])
        if borough is None or not row["active"] or not row["lat"]:
            continue
        fixed = corrections.get(row["zip_code"], {})
        lat, lng = fixed.get("lat", float(row["lat"])), fixed.get("lng", float(row["long"]))
        zips[row["zip_code"]] = Place(lat=lat, lng=lng, zip=row["zip_code"], borough=borough)
    return zips


@cache
def gazetteer() -> Gazetteer:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    boroughs = tuple(Borough(b["name"], b["lat"], b["lng"], tuple(b["aliases"])) for b in data["boroughs"])
    hoods = tuple(
        Neighborhood(n["name"], n["borough"], n["lat"], n["lng"], tuple(n["aliases"])) for n in data["neighborhoods"]
    )
    corrections = {k: v for k, v in data["zip_corrections"].items() if k.isdigit()}
    zips = _nyc_zips(corrections, {b["county"]: b["name"] for b in data["boroughs"]})
    return Gazetteer(
        neighborhoods=hoods,
        boroughs=boroughs,
        zips=zips,
        outline=tuple((lat, lng) for lat, lng in data["outline"]),
        neighborhood_by_key={name_key(alias): n for n in hoods for alias in (n.name, *n.aliases)},
        borough_by_key={name_key(alias): b for b in boroughs for alias in (b.name, *b.aliases)},
    )


def in_new_york_city(lat: float, lng: float) -> bool:
    """Ray casting against the outline (lat as y, lng as x)."""
    outline = gazetteer().outline
    inside = False
    for (y1, x1), (y2, x2) in zip(outline, outline[1:] + outline[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lng < x1 + (lat - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def nearest_neighborhood(lat: float, lng: float, borough: str | None = None) -> Neighborhood:
    """The neighbourhood whose centre is nearest (within `borough` when given)."""
    candidates = [n for n in gazetteer().neighborhoods if borough is None or n.borough == borough]
    return min(candidates, key=lambda n: haversine_miles(lat, lng, n.lat, n.lng))
