"""Which service: the catalog's names and slugs, synonyms ("vocal" → voice, "maths" → math) and typos
("pianno", "gitar", "paino") through rapidfuzz. A service word that names a thing rather than lessons
("piano bar", "yoga mat") is no service."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.search.query_text import QueryText

# Groups of words for one service; a group stands for whichever of its words is a slug in the catalog.
SYNONYMS: list[tuple[str, ...]] = [
    ("piano", "pianist", "keyboard", "keyboards"),
    ("guitar", "guitarist", "acoustic guitar", "electric guitar", "guitars"),
    ("violin", "violinist", "fiddle"),
    ("voice", "singing", "vocal", "vocals", "singer", "sing", "voice coach"),
    ("drums", "drum", "drummer", "drumming", "percussion"),
    ("spanish", "espanol", "español"),
    ("french", "francais", "français"),
    ("mandarin", "chinese", "mandarin chinese"),
    ("english-esl", "esl", "english as a second language"),
    ("yoga", "vinyasa", "hatha"),
    ("personal-training", "personal trainer", "personal training", "strength training"),
    ("pilates", "reformer pilates"),
    ("drawing", "sketching", "sketch", "draw"),
    ("painting", "paint", "watercolor", "watercolour", "oil painting", "acrylic painting"),
    ("photography", "photo", "photos", "photographer", "camera"),
    ("math", "maths", "mathematics", "algebra", "geometry", "calculus", "trigonometry", "precalculus"),
    ("sat-prep", "sat", "sats", "sat prep", "sat test", "sat tutoring"),
    ("chemistry", "chem"),
    ("writing", "essay", "essays", "essay writing", "creative writing"),
    ("chess",),
    ("coding-for-kids", "coding", "programming", "scratch", "coding for kids"),
    ("swimming", "swim", "swimmer", "swim lessons"),
]
# Nouns that, right after a service word, make it a thing and not lessons.
THINGS = frozenset(
    """bar bars mat mats pants pool pools store stores shop shops repair repairs tuner tuning tuned movers
    moving set sets board boards strings string pick picks amp amps stand stands kit kits cap caps suit suits
    goggles book books exhibit exhibition gallery sale rental rentals booth""".split()
)
# Real words one typo away from a service word, which are not typos of it.
NOT_TYPOS = frozenset(
    """signing piano's painted painter's paints spinach chest chase chem's chessy drawn drawl drums' swims
    swam swing swung sings singe single singed france franch frenzy photon photos' voices voiced yogi
    keyed mathis pilot pilots fiddly cheese chemo coming slimming waiting printing pointing panting pirates
    plates palates swinging sinking drowning""".split()
)
MAX_WORDS = 5


@dataclass(frozen=True)
class Vocabulary:
    phrases: dict[str, str]  # a phrase as written, lowercased → slug
    single_words: tuple[str, ...]  # one-word phrases, what typos are matched against


def _phrase_key(text: str) -> str:
    return " ".join(re.sub(r"[-_()/]", " ", text.lower()).split())


@cache
def vocabulary(catalog: tuple[tuple[str, str], ...]) -> Vocabulary:
    """`catalog`: (slug, name) of every service."""
    phrases: dict[str, str] = {}
    slugs = {slug for slug, _ in catalog}
    for group in SYNONYMS:
        slug = next((word for word in group if word in slugs), None)
        for word in group if slug else ():
            phrases[_phrase_key(word)] = slug  # type: ignore[assignment]
    for slug, name in catalog:
        phrases.setdefault(_phrase_key(slug), slug)
        phrases.setdefault(_phrase_key(name), slug)
    return Vocabulary(phrases, tuple(sorted(p for p in phrases if " " not in p and len(p) >= 4)))


def _is_thing(query: QueryText, end: int) -> bool:
    following = re.match(r"[\s']*([a-z]+)", query.text[end:].lower())
    return bool(following and following.group(1) in THINGS)


def _phrases_in(
    query: QueryText, words: list[tuple[str, int, int]], vocab: Vocabulary
) -> Iterable[tuple[str, int, int]]:
    """Exact phrases, longest first, over free words."""
    for size in range(MAX_WORDS, 0, -1):
        for i in range(len(words) - size + 1):
            run = words[i : i + size]
            key = _phrase_key(" ".join(w for w, _, _ in run))
            if key in vocab.phrases and query.is_free(run[0][1], run[-1][2]):
                yield vocab.phrases[key], run[0][1], run[-1][2]


def _allowed_edits(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def _typo_of(word: str, vocab: Vocabulary) -> str | None:
    edits = _allowed_edits(word)
    if not edits or word in NOT_TYPOS or not word.isalpha():
        return None
    # Typos keep the first letter: "trench" is not French.
    within = process.extract(word, vocab.single_words, scorer=OSA.distance, score_cutoff=edits, limit=None)
    near = [(distance, candidate) for candidate, distance, _ in within if candidate[0] == word[0]]
    if not near:
        return None
    closest = min(distance for distance, _ in near)
    best = [candidate for distance, candidate in near if distance == closest]
    # "paino" is one edit from both piano and paint: two letters swapped is the likelier slip.
    swapped = [candidate for candidate in best if sorted(candidate) == sorted(word)]
    slugs = {vocab.phrases[candidate] for candidate in swapped or best}
    return slugs.pop() if len(slugs) == 1 else None


def read_service(query: QueryText, catalog: tuple[tuple[str, str], ...], *, typos: bool = True) -> str | None:
    """The one service the query names; None when it names none or several."""
    vocab = vocabulary(catalog)
    named: dict[str, list[tuple[int, int]]] = {}
    things: list[tuple[int, int]] = []
    for slug, start, end in _phrases_in(query, query.free_words(), vocab):
        if not query.is_free(start, end):
            continue
        query.claim(start, end)
        (things if _is_thing(query, end) else named.setdefault(slug, [])).append((start, end))
    if typos and not named:
        for word, start, end in query.free_words():
            slug = _typo_of(word, vocab)
            if slug and not _is_thing(query, end):
                query.claim(start, end)
                named.setdefault(slug, []).append((start, end))
    for span in things:
        query.claimed.remove(span)  # "piano bar": its words stay in the text left over
    if len(named) != 1:
        for span in (span for spans in named.values() for span in spans):
            query.claimed.remove(span)  # several services: none is read, their words stay
        return None
    return next(iter(named))
