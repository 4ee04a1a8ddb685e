"""Health, readiness, the browser client's entry page."""

from __future__ import annotations

from litestar import Response, get
from litestar.enums import ParamType
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPI, OpenAPIResponse, OpenAPIType, Operation, Parameter, PathItem, Schema
from litestar.response import File

from app.services import Services
from app.settings import PROJECT_ROOT


@get("/health", exclude_from_auth=True, tags=["operations"], summary="Liveness", sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/ready",
    exclude_from_auth=True,
    tags=["operations"],
    summary="Readiness: database and Redis reachable",
    responses={
        503: ResponseSpec(
            data_container=dict[str, object],
            description='Not ready: the same body with `"status": "not_ready"` and the failing check false',
            generate_examples=False,
        )
    },
)
async def ready(services: Services) -> Response[dict[str, object]]:
    checks = {"database": False, "redis": False}
    try:
        await services.engine.run_ddl("SELECT 1")
        checks["database"] = True
    except Exception:  # readiness reports, never raises
        pass
    try:
        checks["redis"] = bool(await services.publisher.redis.ping())
    except Exception:
        pass
    ok = all(checks.values())
    return Response({"status": "ready" if ok else "not_ready", **checks}, status_code=200 if ok else 503)


@get("/", exclude_from_auth=True, include_in_schema=False, sync_to_thread=False)
def index() -> File:
    return File(
        PROJECT_ROOT / "static" / "index.html",
        filename="index.html",
        media_type="text/html",
        content_disposition_type="inline",
    )


WS_DESCRIPTION = """The realtime protocol (API.md "Websocket"). Upgrade with `?token=<token>` or
`Authorization: Bearer <token>` (anonymous clients may read `slots:` channels only). Every frame is
a JSON object with an `op`. Client: `subscribe {channel, last_id}`, `unsubscribe {channel}`, `ping`.
Server: `subscribed {channel, last_id}`, `event {channel, id?, type, data}`, `resync {channel,
last_id}`, `error {channel?, code, detail}`, `pong`. Channels: `calendar:{instructor_id}:{week_start}`
(editors; availability.updated, presence, conflict), `calendar:{instructor_id}:template` (editors;
template.updated with the hours, version, client_id and who saved, presence), `slots:{instructor_id}` (anyone;
slots.changed), `notifications:{user_id}` (that user; notification.created). Served natively by
socketify (uWebSockets) in production and as an ASGI websocket under uvicorn."""


def document_websocket(schema: OpenAPI) -> None:
    """Websocket handlers are not in Litestar's OpenAPI output; /ws is documented here."""
    schema.paths = schema.paths or {}
    schema.paths["/ws"] = PathItem(
        get=Operation(
            operation_id="RealtimeWebsocket",
            summary="Realtime websocket (upgrade)",
            description=WS_DESCRIPTION,
            tags=["realtime"],
            parameters=[
                Parameter(
                    name="token",
                    param_in=ParamType.QUERY,
                    required=False,
                    schema=Schema(type=OpenAPIType.STRING),
                )
            ],
            responses={
                "101": OpenAPIResponse(description="Switching protocols: the socket speaks the /ws protocol"),
                "400": OpenAPIResponse(description="Not a websocket upgrade"),
            },
        )
    )
