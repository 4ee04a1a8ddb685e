"""A readable bio written from the structured profile, for instructors who wrote none:
"Ada teaches piano and music theory to kids and adults in Park Slope, Brooklyn, at their studio,
at students' homes within 5 miles, and online." """

from __future__ import annotations

import re
from dataclasses import dataclass

AGE_ORDER = ("kids", "teens", "adults")
# Language names are proper nouns; every other service reads in lower case mid-sentence.
PROPER_CATEGORIES = frozenset({"languages"})


@dataclass(frozen=True)
class Offer:
    name: str
    category_slug: str
    age_groups: tuple[str, ...]
    locations: tuple[str, ...]


def listing(items: list[str], oxford: bool = False) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + ("," if oxford else "") + " and " + items[-1]


def service_words(offer: Offer) -> str:
    if offer.category_slug in PROPER_CATEGORIES or re.search(r"[A-Z]{2}", offer.name):
        return offer.name
    return offer.name.lower()


def miles(radius: float) -> str:
    number = f"{radius:g}"
    return f"{number} mile" if radius == 1 else f"{number} miles"


def borough_words(borough: str | None) -> str | None:
    return "the Bronx" if borough == "Bronx" else borough


def where_lessons_happen(locations: set[str], radius: float | None) -> list[str]:
    phrases = []
    if "instructor_studio" in locations:
        phrases.append("at their studio")
    if "student_home" in locations:
        phrases.append("at students' homes" + (f" within {miles(radius)}" if radius else ""))
    if "online" in locations:
        phrases.append("online")
    return phrases


def generated_bio(
    full_name: str, offers: list[Offer], neighborhood: str | None, borough: str | None, radius: float | None
) -> str:
    first_name = full_name.split()[0] if full_name.split() else "This instructor"
    place = ", ".join(p for p in (neighborhood, borough_words(borough)) if p)
    if not offers:
        return f"{first_name} is an instructor " + (f"in {place}." if place else "on InstaInstru.")
    ages = {age for offer in offers for age in offer.age_groups}
    age_words = [age for age in AGE_ORDER if age in ages]
    locations = {location for offer in offers for location in offer.locations}
    sentence = f"{first_name} teaches {listing([service_words(o) for o in offers])}"
    sentence += f" to {listing(age_words)}" if age_words else ""
    phrases = where_lessons_happen(locations, radius)
    if phrases == ["online"]:
        return sentence + " online" + (f", from {place}." if place else ".")
    sentence += f" in {place}" if place else ""
    if phrases:
        sentence += ("," if place else "") + " " + listing(phrases, oxford=True)
    return sentence + "."
