"""A maximum hourly price: "under $80", "less than 80 dollars", "$80/hr max", "no more than 80 bucks",
"cheaper than $75.50". A number is a price only beside a word that makes it a ceiling ("80s music",
"$80" alone and "under 30 minutes" are not)."""

from __future__ import annotations

import re
from decimal import Decimal

from app.search.query_text import QueryText

# The most an instructor may charge an hour (app.catalog.service.MAX_RATE_CENTS): a higher ceiling is no filter.
HIGHEST_CENTS = 100_000
_AMOUNT = r"[0-9]{1,3}(?:,[0-9]{3})*(?:\.[0-9]{1,2})?|[0-9]+(?:\.[0-9]{1,2})?"
_MONEY = (
    rf"(?:\$\s?(?P<a>{_AMOUNT})(?:\s?(?:usd|dollars?|bucks))?"
    rf"|(?P<b>{_AMOUNT})\s?(?:\$|usd\b|dollars?\b|bucks\b)"
    rf"|(?P<c>{_AMOUNT})(?=\s?(?:/\s?h(?:ou)?r\b|/\s?h\b|per\s+hour\b|an\s+hour\b|a\s+hour\b|hourly\b)))"
)
_HOURLY = r"(?:\s?(?:/\s?(?:hour|hr|h)\b|per\s+hour\b|an\s+hour\b|a\s+hour\b|hourly\b|/\s?lesson\b|per\s+lesson\b))?"
_CEILING_BEFORE = (
    r"(?:under|below|less\s+than|lower\s+than|cheaper\s+than|no\s+more\s+than|not\s+more\s+than|at\s+most|max(?:imum)?"
    r"|up\s+to|within|budget(?:\s+(?:of|is))?|<=?|≤)"
)
_CEILING_AFTER = r"(?:or\s+(?:less|under|below|cheaper)|max(?:imum)?|tops|at\s+most|or\s+lower|and\s+under|limit)"
# A bare number ("under 80") is a price only from 20 up and when no unit other than money follows.
_BARE = (
    r"(?P<d>[0-9]{2,4}(?:\.[0-9]{1,2})?)"
    r"(?![0-9.,]|\s*(?:s\b|'s|years?|yrs?|yo\b|y/o|-|am\b|pm\b|a\.m|p\.m|:|%|min|hours?|mi\b|miles?|km))"
)

BARE_LOWEST_CENTS = 2000
_WHO_BEFORE = re.compile(
    r"\b(?:kids?|children|child|teens?|adults?|students?|people|ages?|aged|anyone|those)\s*$", re.I
)

PATTERNS = [
    re.compile(rf"(?<![\w$]){_CEILING_BEFORE}\s*(?:a\s+|an\s+)?(?:{_MONEY}|{_BARE}){_HOURLY}", re.I),
    re.compile(rf"(?<![\w$]){_MONEY}{_HOURLY}\s*,?\s*{_CEILING_AFTER}(?![\w])", re.I),
]


def _cents(amount: str) -> int:
    return int(Decimal(amount.replace(",", "")) * 100)


def read_max_price(query: QueryText) -> int | None:
    """Cents; None unless exactly one ceiling is named (or all name the same)."""
    found: set[int] = set()
    for pattern in PATTERNS:
        for match in query.free_matches(pattern):
            bare = bool(match.groupdict().get("d"))
            amount = next(match[g] for g in "abcd" if match.groupdict().get(g))
            cents = _cents(amount)
            if bare and (cents < BARE_LOWEST_CENTS or _WHO_BEFORE.search(query.text, 0, match.start())):
                continue  # "kids under 12", "adults under 30": ages, not prices
            if 100 <= cents <= HIGHEST_CENTS:
                found.add(cents)
                query.claim(*match.span())
    return found.pop() if len(found) == 1 else None
