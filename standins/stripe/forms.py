"""Stripe's request encoding: form fields in bracket notation (`metadata[k]=v`, `expand[0]=x`,
`expand[]=x`) decoded into nested dicts and lists, and typed reads that answer Stripe's 400s."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl

from standins.stripe.errors import invalid_request

_KEY_PART = re.compile(r"\[([^\[\]]*)\]")


def decode_form(body: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        node = tree
        for part, following in pairwise(parts):
            node = node.setdefault(part, {})
            if following == "":
                break
        last = parts[-1]
        if last == "" and len(parts) > 1:
            node[str(len(node))] = value
        else:
            node[last] = value
    return _lists_from_indexed(tree)


def _lists_from_indexed(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    converted = {key: _lists_from_indexed(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


class Params:
    """The decoded parameters of one call; every read marks a name as known, and `done()` refuses
    the rest as Stripe does (`parameter_unknown`)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values
        self._known = {"expand"}

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        self._known.add(name)
        return self.values.get(name)

    def str(self, name: str, *, required: bool = False, choices: tuple[str, ...] = ()) -> str | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                raise invalid_request(f"Missing required param: {name}.", param=name, code="parameter_missing")
            return None
        if not isinstance(value, str):
            raise invalid_request(f"Invalid string: {name}", param=name, code="parameter_invalid_string")
        if choices and value not in choices:
            raise invalid_request(
                f"Invalid {name}: must be one of {', '.join(choices)}", param=name, code="parameter_invalid_string"
            )
        return value

    def int(self, name: str, *, required: bool = False, minimum: int = 0) -> int | None:
        value = self.str(name, required=required)
        if value is None:
            return None
        if not value.isascii() or not value.lstrip("-").isdigit():
            raise invalid_request(f"Invalid integer: {value}", param=name, code="parameter_invalid_integer")
        number = int(value)
        if number < minimum:
            raise invalid_request(
                f"This value must be greater than or equal to {minimum}.", param=name, code="parameter_invalid_integer"
            )
        return number

    def bool(self, name: str) -> bool | None:
        value = self.str(name)
        if value is None:
            return None
        if value not in ("true", "false"):
            raise invalid_request(f"Invalid boolean: {value}", param=name, code="parameter_invalid_boolean")
        return value == "true"

    def dict(self, name: str) -> dict[str, Any]:
        value = self.raw(name)
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise invalid_request(f"Invalid object: {name}", param=name, code="parameter_invalid_object")
        return value

    def metadata(self, current: dict[str, str] | None = None) -> dict[str, str]:
        """Stripe merges metadata keys; an empty value removes a key, an empty `metadata` clears all."""
        value = self.raw("metadata")
        if value == "":
            return {}
        merged = dict(current or {})
        for key, item in (value or {}).items():
            if item == "":
                merged.pop(key, None)
            else:
                merged[key] = item
        return merged

    def expand(self) -> list[str]:
        value = self.values.get("expand") or []
        return value if isinstance(value, list) else [value]

    def done(self) -> None:
        for name in self.values:
            if name not in self._known:
                raise invalid_request(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")
