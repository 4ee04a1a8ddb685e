"""Places named in free text, for search: "piano in park slope" → Park Slope. Whole words are looked
up as name_key compares names (case, apostrophes, periods and hyphens aside), the longest name first;
short all-capital aliases (UWS, LIC) only as written, so the French "les" is not the Lower East Side."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from app.places.gazetteer import Place, gazetteer, name_key
from app.places.resolve import place_by_borough, place_by_neighborhood, place_by_zip


@dataclass(frozen=True)
class PlaceMention:
    kind: str  # "zip" | "neighborhood" | "borough"
    text: str  # as written in the text
    start: int
    end: int
    place: Place


WORD = re.compile(r"[^\s,;:!?()\[\]{}\"/]+")


def _is_abbreviation(alias: str) -> bool:
    return len(alias) <= 4 and alias.isupper()


@cache
def _names() -> tuple[dict[str, tuple[str, str, str]], int, frozenset[str]]:
    """Every name and alias by name_key → (kind, canonical name, alias), the most words in one, and
    the keys of their first words (most words of a query start no name)."""
    names: dict[str, tuple[str, str, str]] = {}
    for hood in gazetteer().neighborhoods:
        names |= {name_key(alias): ("neighborhood", hood.name, alias) for alias in (hood.name, *hood.aliases)}
    for borough in gazetteer().boroughs:
        names |= {name_key(alias): ("borough", borough.name, alias) for alias in (borough.name, *borough.aliases)}
    longest = max(len(WORD.findall(alias)) for _, _, alias in names.values())
    return names, longest, frozenset(key.split()[0] for key in names)


def _place_at(words: list[re.Match[str]], i: int, text: str) -> tuple[int, PlaceMention] | None:
    """The longest place name starting at word i, and how many words it takes."""
    names, longest, first_words = _names()
    if (name_key(words[i].group()).split() or [""])[0] not in first_words:
        return None
    for n in range(min(longest, len(words) - i), 0, -1):
        start, end = words[i].start(), words[i + n - 1].end()
        written = text[start:end].rstrip(".")
        known = names.get(name_key(written))
        if known and (not _is_abbreviation(known[2]) or written == known[2]):
            kind, canonical, _ = known
            resolve = place_by_neighborhood if kind == "neighborhood" else place_by_borough
            return n, PlaceMention(kind, written, start, start + len(written), resolve(canonical))
    return None


def find_in_text(text: str) -> list[PlaceMention]:
    """Every place named in `text`, in the order written, never two over the same words."""
    words = list(WORD.finditer(text))
    found, i = [], 0
    while i < len(words):
        hit = _place_at(words, i, text)
        if hit is None:
            i += 1
            continue
        i += hit[0]
        found.append(hit[1])
    # Five digits alone: not part of a longer number, a price ($11215) or a decimal (11215.5).
    for match in re.finditer(r"(?<![\w$.,-])[0-9]{5}(?![\w-]|[.,][0-9])", text):
        if match.group() in gazetteer().zips:
            found.append(PlaceMention("zip", match.group(), match.start(), match.end(), place_by_zip(match.group())))
    return sorted(found, key=lambda m: m.start)
