"""Where: a New York City zip code, neighbourhood or borough named in the query (app.places). Names that
are also everyday words or people's names count only after a word that makes them a place ("in",
"near", ...): "charleston dance" and "lessons with Travis" name no place."""

from __future__ import annotations

import re

from app.places import Place, PlaceMention, find_in_text
from app.places.gazetteer import name_key
from app.search.query_text import QueryText

NEEDS_A_PREPOSITION = frozenset(
    name_key(name)
    for name in (
        "Travis", "Charleston", "Corona", "Jamaica", "Concourse", "Clinton", "Belmont", "Melrose", "Kensington",
        "Norwood", "Clifton", "Oakwood", "Woodside", "Glendale", "Rosedale", "Inwood", "Flushing", "Midland Beach",
        "Chelsea", "Kingsbridge", "Stapleton", "Huguenot", "Wakefield", "Fordham", "Woodlawn", "Allerton",
        "Country Club", "Grant City", "Fieldston", "Tremont", "Highbridge", "Melrose", "Arverne", "Hollis",
        "Rockaway", "The Village", "Clinton", "Sunnyside", "Richmond Hill", "Bellerose", "Springfield Gardens",
        "Longwood", "Travis", "Annadale", "Eltingville", "Westerleigh", "Rossville", "New Brighton", "Soundview",
    )
)  # fmt: skip
_PREPOSITION = re.compile(
    r"\b(?:in|near|around|at|by|from|close\s+to|nearby|within\s+\S+\s+miles?\s+of)\s+(?:the\s+)?$", re.I
)


def _counts(query: QueryText, mention: PlaceMention) -> bool:
    if mention.kind != "neighborhood" or name_key(mention.text) not in NEEDS_A_PREPOSITION:
        return True
    return bool(_PREPOSITION.search(query.text, 0, mention.start))


def read_place(query: QueryText) -> Place | None:
    """The one place named, the most precise when they agree (zip, then neighbourhood: "Park Slope,
    Brooklyn" is Park Slope); None when none is, or when the query names places apart."""
    mentions = [m for m in find_in_text(query.text) if query.is_free(m.start, m.end) and _counts(query, m)]
    if not mentions or len({m.place.borough for m in mentions}) > 1:
        return None
    kind = next(kind for kind in ("zip", "neighborhood", "borough") if any(m.kind == kind for m in mentions))
    places = {m.place for m in mentions if m.kind == kind}
    if len(places) > 1:
        return None
    for mention in mentions:
        query.claim(mention.start, mention.end)
    return places.pop()
