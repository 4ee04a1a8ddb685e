"""The offline gazetteer of New York City (zip codes, neighbourhoods, boroughs): see README.md in data/."""

from app.places.gazetteer import Place, haversine_miles, in_new_york_city, nearest_neighborhood
from app.places.resolve import resolve
from app.places.text import PlaceMention, find_in_text

__all__ = [
    "Place",
    "PlaceMention",
    "find_in_text",
    "haversine_miles",
    "in_new_york_city",
    "nearest_neighborhood",
    "resolve",
]
