"""Who the lessons are for: an age ("my 8 year old", "for my daughter, 15") or only an age group
("kids", "adult beginner"). Ages map to groups as API.md says: kids ≤ 12, teens 13 to 17, adults 18+."""

from __future__ import annotations

import re

from app.search.query_text import QueryText

OLDEST = 110
NUMBER_WORDS = {
    word: n
    for n, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
_NUMBER = r"(?P<n>[0-9]{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_CHILD = r"(?:son|daughter|kid|child|boy|girl|niece|nephew|grandson|granddaughter|twins?|toddler|teen|teenager)"
_NOT_AN_AGE_AFTER = (
    r"(?![0-9]|\s*(?:\$|dollars?|bucks|usd|/|per\b|an hour|a\.?m\b|p\.?m\b|am\b|pm\b|:|%|min|hour|mile))"
)

AGE_PATTERNS = [
    # "8 year old", "8-year-old", "8 yr old", "8 years old", "eight year old", "8yo", "8 y/o"
    re.compile(rf"(?<![\w$.]){_NUMBER}[\s-]*(?:years?|yrs?)[\s-]*olds?\b", re.I),
    re.compile(rf"(?<![\w$.]){_NUMBER}\s*(?:yo|y/o|y\.o\.)(?![\w/])", re.I),
    # "age 8", "aged 8", "ages 8"
    re.compile(rf"\bage[sd]?\s+{_NUMBER}\b{_NOT_AN_AGE_AFTER}", re.I),
    # "my daughter, 15", "my son (10)", "my son who is 10", "my daughter is 15", "daughter aged 15"
    re.compile(
        rf"\b{_CHILD}\s*(?:,|\(|\bwho(?:'s| is)\b|\bis\b|\baged?\b)?\s*{_NUMBER}\)?(?!\w|\.[0-9]){_NOT_AN_AGE_AFTER}",
        re.I,
    ),
]
# "kids 6-8", "ages 10 to 12": a group when both ends fall in one.
AGE_RANGE = re.compile(
    rf"\b(?:ages?|aged|kids|children|teens)\s+(?P<low>[0-9]{{1,2}})\s*(?:-|\u2013|to)\s*(?P<high>[0-9]{{1,2}})\b{_NOT_AN_AGE_AFTER}",
    re.I,
)
# "in my 40s", "in her 70s": an adult
DECADE = re.compile(r"\bin (?:my|his|her|their|our) (?P<n>[2-9])0'?s\b", re.I)

GROUP_WORDS = [
    ("kids", r"kids?|children|child|toddlers?|preschoolers?|kindergart(?:e|ne)rs?|little ones?|grade schoolers?"),
    ("teens", r"teens?|teenagers?|teenage|adolescents?|high school(?:ers?)?|middle school(?:ers?)?|tweens?"),
    ("adults", r"adults?|grown[\s-]?ups?|seniors?|retirees?|older adults?|college students?"),
]
GROUP_PATTERNS = [(group, re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.I)) for group, words in GROUP_WORDS]


def group_of_age(age: int) -> str:
    return "kids" if age <= 12 else "teens" if age <= 17 else "adults"


def _number(text: str) -> int:
    return NUMBER_WORDS[text.lower()] if text.lower() in NUMBER_WORDS else int(text)


def read_age(query: QueryText) -> tuple[int | None, str | None]:
    """(age, age_group); both None when nothing (or something contradictory) says who it is for."""
    ages: set[int] = set()
    groups: set[str] = set()
    for match in query.free_matches(AGE_RANGE):
        low, high = int(match["low"]), int(match["high"])
        if 1 <= low <= high <= OLDEST:
            query.claim(*match.span())
            # "ages 10-14" spans two groups: it names none
            groups.add(group_of_age(low) if group_of_age(low) == group_of_age(high) else "several")
    for pattern in AGE_PATTERNS:
        for match in query.free_matches(pattern):
            age = _number(match["n"])
            if 1 <= age <= OLDEST:
                ages.add(age)
                query.claim(*match.span())
    groups |= {group_of_age(age) for age in ages}
    for match in query.free_matches(DECADE):
        groups.add("adults")
        query.claim(*match.span())
    for group, pattern in GROUP_PATTERNS:
        for match in query.free_matches(pattern):
            groups.add(group)
            query.claim(*match.span())
    if len(groups) != 1 or "several" in groups:
        return None, None  # none said, or "kids and adults": no one group is meant
    return (ages.pop() if len(ages) == 1 else None), groups.pop()
