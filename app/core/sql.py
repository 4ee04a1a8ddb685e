"""SQL put together from fragments, each with `{}` placeholders for its arguments, numbered for asyncpg
once the whole is known: a fragment need not know where in a statement it lands."""

from __future__ import annotations

from typing import Any


class Sql:
    """Fragments with {} placeholders and their arguments, in order."""

    def __init__(self, fragment: str = "", *args: Any) -> None:
        self.parts: list[str] = [fragment] if fragment else []
        self.args: list[Any] = list(args)

    def add(self, fragment: str | Sql, *args: Any) -> Sql:
        if isinstance(fragment, Sql):
            fragment, args = fragment.text(), (*fragment.args, *args)
        self.parts.append(fragment)
        self.args.extend(args)
        return self

    def text(self) -> str:
        return " ".join(self.parts)

    def numbered(self) -> str:
        """The text with asyncpg's $1, $2, ... for its {} placeholders."""
        pieces = self.text().split("{}")
        return "".join(f"{piece}${i}" for i, piece in enumerate(pieces[:-1], 1)) + pieces[-1]
