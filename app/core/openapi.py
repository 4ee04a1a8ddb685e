"""What the OpenAPI document says beyond the handlers' own types: error bodies, who may call, bounds.

Routes declare `responses=errors(400, 401, ...)` with the statuses they really answer and
`security=BEARER` when they need a token (public routes declare none). `ContractSchemas` renders
the strict whole numbers of app.core.params and closes request bodies that refuse unknown fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPI, Schema, SecurityRequirement
from litestar.openapi.spec.enums import OpenAPIType
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

from app.core.params import WholeNumber, is_whole_number

BEARER: list[SecurityRequirement] = [{"bearer": []}]


class Problem(msgspec.Struct):
    key: str
    message: str


class Error(msgspec.Struct):
    status_code: int
    detail: str
    code: str
    extra: list[Problem] | msgspec.UnsetType = msgspec.UNSET


class BadInput(msgspec.Struct):
    status_code: int
    detail: str
    code: str
    extra: list[Problem]


def _spec(container: Any, description: str) -> ResponseSpec:
    return ResponseSpec(data_container=container, description=description, generate_examples=False)


RESPONSES: dict[int, ResponseSpec] = {
    304: _spec(None, "Not modified: If-None-Match names the current version"),
    400: _spec(BadInput, "Bad input: `extra` names each offending field (`key`) and what is wrong (`message`)"),
    401: _spec(Error, "No valid bearer token (missing, expired or revoked), or wrong credentials"),
    403: _spec(Error, "Signed in, but this account may not do this (its role, or not an editor)"),
    404: _spec(Error, "No such resource"),
    409: _spec(Error, "Conflicts with the current state: `code` names the conflict"),
    428: _spec(Error, "If-Match is missing: send the version you loaded"),
    429: _spec(Error, "Too many attempts: retry after the `Retry-After` header's seconds"),
    503: _spec(Error, "A backing service is briefly unavailable: retry after `Retry-After` seconds"),
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The `responses=` of a route: each status it really answers besides its success."""
    return {status: RESPONSES[status] for status in statuses}


def _whole_number(field: FieldDefinition) -> type[WholeNumber] | None:
    return field.annotation if is_whole_number(field.annotation) else None


def _is_closed_struct(field: FieldDefinition) -> bool:
    return (
        not field.is_union
        and field.is_subclass_of(msgspec.Struct)
        and msgspec.inspect.type_info(field.type_).forbid_unknown_fields  # type: ignore[union-attr]
    )


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline(defs[node["$ref"].rsplit("/", 1)[1]], defs)
        return {key: _inline(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def request_body_schema(struct: type[msgspec.Struct]) -> dict[str, Any]:
    """msgspec's own JSON Schema of a request body: exactly what its decoder enforces."""
    full = msgspec.json.schema(struct)
    defs = full.get("$defs", {})
    return _inline(defs[full["$ref"].rsplit("/", 1)[1]], defs)


class ContractSchemas(OpenAPISchemaPlugin):
    """Strict whole numbers, and request bodies as msgspec validates them (Litestar's own rendering
    drops zero bounds, dict key patterns and sizes, and `forbid_unknown_fields`)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return _whole_number(field_definition) is not None or _is_closed_struct(field_definition)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        number = _whole_number(field_definition)
        if number is not None:
            return Schema(
                type=OpenAPIType.INTEGER,
                minimum=number.low,
                maximum=number.high,
                multiple_of=number.step if number.step > 1 else None,
                description=number.rule(),
            )
        body = request_body_schema(field_definition.type_)
        schema = schema_creator.schema_registry.get_schema_for_field_definition(field_definition)
        schema.title = body.get("title", field_definition.type_.__name__)
        schema.type = OpenAPIType.OBJECT
        schema.properties = body["properties"]
        schema.required = sorted(body.get("required", []))
        schema.additional_properties = False
        schema.description = body.get("description")
        return schema


OpenAPICompletion = Callable[[OpenAPI], None]


class CompletedOpenAPIPlugin(OpenAPIPlugin):
    """Litestar's OpenAPI plugin with what its generator cannot see (app.state.openapi_completions:
    the /ws upgrade, the busy 503s) added each time it builds the document, which it does when the
    document is first asked for, not while the app starts."""

    __slots__ = ()

    def _build_openapi(self) -> OpenAPI:
        openapi = super()._build_openapi()
        for complete in self.app.state.get("openapi_completions", ()):
            complete(openapi)
        return openapi


def complete_openapi(app: Litestar, *completions: OpenAPICompletion) -> None:
    """Each completion edits the built document in place."""
    app.state.openapi_completions = completions
    # Litestar makes its own plugin instance; the subclass adds behaviour only (no state, same slots).
    app.plugins.get(OpenAPIPlugin).__class__ = CompletedOpenAPIPlugin
