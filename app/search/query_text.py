"""A search query being read: each reader claims the words it understood, so no two filters are read
from the same words and what nobody claimed is left over."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words that carry no filter of their own: left out of the text left over.
FILLER = frozenset(
    """a an the and or for my our his her their me i we in at on near around by with to of from who is are
    am be want need looking find some any lesson lessons class classes teacher teachers tutor tutors tutoring
    instructor instructors coach coaching course courses private session sessions please good best cheap""".split()
)
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")


class QueryText:
    def __init__(self, text: str) -> None:
        # One spelling of spaces and quotes; the length is kept so spans index the original.
        self.text = text.replace("\u2019", "'").replace("\u00a0", " ")
        self.claimed: list[tuple[int, int]] = []

    def is_free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self.claimed)

    def claim(self, start: int, end: int) -> None:
        self.claimed.append((start, end))

    def claims_since(self, count: int) -> tuple[tuple[int, int], ...]:
        """The spans claimed after the first `count`, in text order: what one reader read."""
        return tuple(sorted(self.claimed[count:]))

    def free_matches(self, pattern: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches over words nobody claimed yet (a later claim in the loop is seen at once)."""
        for match in pattern.finditer(self.text):
            if match.end() > match.start() and self.is_free(*match.span()):
                yield match

    def free_words(self) -> list[tuple[str, int, int]]:
        return [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(self.text) if self.is_free(*m.span())]

    def left_over(self) -> str:
        return " ".join(word for word, _, _ in self.free_words() if word not in FILLER)
