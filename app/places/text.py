"""Places named in free text, for search: "piano in park slope" → Park Slope. Names and aliases match
case-insensitively on word boundaries, longest first; short all-capital aliases (UWS, LIC) only as
written, so the French "les" is not the Lower East Side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.places.gazetteer import RIGHT_QUOTE, Place, gazetteer
from app.places.resolve import place_by_borough, place_by_neighborhood, place_by_zip


@dataclass(frozen=True)
class PlaceMention:
    kind: str  # "zip" | "neighborhood" | "borough"
    text: str  # as written in the text
    start: int
    end: int
    place: Place


def _is_abbreviation(alias: str) -> bool:
    return len(alias) <= 4 and alias.isupper()


def _pattern(alias: str) -> str:
    # Spaces, hyphens and apostrophes are interchangeable or optional, as name_key treats them.
    parts = [re.escape(word) for word in re.split(r"[\s\-]+", alias.replace(RIGHT_QUOTE, "'"))]
    body = r"[\s\-]+".join(parts).replace("'", f"['{RIGHT_QUOTE}]?").replace(r"\.", r"\.?")
    return rf"(?<![\w']){body}(?![\w'])"


@cache
def _matchers() -> list[tuple[re.Pattern[str], str, str]]:
    names: list[tuple[str, str, str]] = []  # (alias, kind, canonical name)
    for hood in gazetteer().neighborhoods:
        names += [(alias, "neighborhood", hood.name) for alias in (hood.name, *hood.aliases)]
    for borough in gazetteer().boroughs:
        names += [(alias, "borough", borough.name) for alias in (borough.name, *borough.aliases)]
    names.sort(key=lambda item: len(item[0]), reverse=True)
    return [
        (re.compile(_pattern(alias), 0 if _is_abbreviation(alias) else re.IGNORECASE), kind, canonical)
        for alias, kind, canonical in names
    ]


def find_in_text(text: str) -> list[PlaceMention]:
    """Every place named in `text`, in the order written, never two over the same words."""
    taken: list[tuple[int, int]] = []
    found: list[PlaceMention] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern, kind, canonical in _matchers():
        for match in pattern.finditer(text):
            if free(match.start(), match.end()):
                resolve = place_by_neighborhood if kind == "neighborhood" else place_by_borough
                taken.append(match.span())
                found.append(PlaceMention(kind, match.group(), match.start(), match.end(), resolve(canonical)))
    # Five digits alone: not part of a longer number, a price ($11215) or a decimal (11215.5).
    for match in re.finditer(r"(?<![\w$.,-])[0-9]{5}(?![\w-]|[.,][0-9])", text):
        if match.group() in gazetteer().zips and free(match.start(), match.end()):
            found.append(PlaceMention("zip", match.group(), match.start(), match.end(), place_by_zip(match.group())))
    return sorted(found, key=lambda m: m.start)
