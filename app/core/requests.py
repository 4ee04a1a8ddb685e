"""Request bodies are read strictly: JSON types as declared, no coercion, bounded nesting."""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

_AT = re.compile(r" - at (?:`key` in )?`\$\.?(.*)`$")
_FIELD = re.compile(r"field `([^`]{1,80})`")


def body_problem(exc: Exception) -> dict[str, str]:
    """The field a msgspec error names (`$.days.x` → `days.x`), else the body itself."""
    text = str(exc)
    match = _AT.search(text)
    if isinstance(exc, RecursionError):
        return {"key": "body", "message": "JSON nested too deeply"}
    if match is None:
        named = _FIELD.search(text)
        return {"key": named[1] if named else "body", "message": text}
    # msgspec writes a dict's values as `to[...]`: the dict's own key is the closest name we have
    return {"key": match[1].replace("[...]", "") or "body", "message": text[: match.start()]}


class StrictJsonRequest(Request):
    """Litestar decodes a body to builtins and then converts it leniently ("5" → 5, 60.0 → 60);
    the contract allows neither, so the body is first checked against the handler's declared type."""

    async def json(self) -> Any:
        body = await self.body() or b"null"
        declared = getattr(self.route_handler.parsed_data_field, "annotation", None)
        try:
            if isinstance(declared, type) and issubclass(declared, msgspec.Struct):
                msgspec.json.decode(body, type=declared, strict=True)
            return await super().json()
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError) as exc:
            problem = body_problem(exc)
            raise ValidationException(f"{problem['key']}: {problem['message']}", extra=[problem]) from None
