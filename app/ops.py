"""Health, readiness, the browser client's entry page."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.response import File

from app.settings import PROJECT_ROOT


@get("/health", exclude_from_auth=True, tags=["operations"], sync_to_thread=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@get("/ready", exclude_from_auth=True, tags=["operations"])
async def ready(request: Request) -> Response[dict[str, object]]:
    checks = {"database": False, "redis": False}
    try:
        await request.app.state.engine.run_ddl("SELECT 1")
        checks["database"] = True
    except Exception:  # readiness reports, never raises
        pass
    try:
        checks["redis"] = bool(await request.app.state.redis.ping())
    except Exception:
        pass
    ok = all(checks.values())
    return Response({"status": "ready" if ok else "not_ready", **checks}, status_code=200 if ok else 503)


@get("/", exclude_from_auth=True, include_in_schema=False, sync_to_thread=False)
def index() -> File:
    return File(PROJECT_ROOT / "static" / "index.html", content_disposition_type="inline")
