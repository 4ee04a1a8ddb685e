"""create_app(settings): the Litestar application with its lifespan (pool, Redis, arq, realtime hub)."""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import asyncpg
from botocore.exceptions import BotoCoreError, ClientError
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.static_files import create_static_files_router
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app import ops
from app.accounts.limits import AccountLookupLimiter, LoginLimiter
from app.accounts.passwords import Passwords
from app.accounts.routes import router as accounts_router
from app.availability.routes import router as availability_router
from app.bookings.routes import router as bookings_router
from app.catalog.admin_routes import router as catalog_admin_router
from app.catalog.routes import router as catalog_router
from app.clock.routes import router as test_clock_router
from app.core.admission import Admission, admission_middleware, document_busy
from app.core.auth import TokenAuthMiddleware, Tokens, bearer_token
from app.core.errors import (
    ApiError,
    handle_http_exception,
    handle_redis_unavailable,
    handle_storage_error,
    handle_unexpected,
    handle_unstorable_value,
)
from app.core.http import allow_every_method, http_semantics
from app.core.logging import configure_logging
from app.core.loop_lag import start_measuring, stop_measuring
from app.core.openapi import ContractSchemas, complete_openapi
from app.core.params import DECODERS as WHOLE_NUMBER_DECODERS
from app.core.requests import StrictJsonRequest
from app.core.security_headers import SecurityHeaders
from app.feeds.routes import router as feeds_router
from app.instructors.onboarding_routes import router as onboarding_router
from app.instructors.profile_routes import router as profile_router
from app.instructors.routes import router as instructors_router
from app.media.routes import router as media_router
from app.media.storage import storage_origin
from app.notifications.routes import router as notifications_router
from app.payments.card_routes import router as cards_router
from app.payments.config_routes import router as config_router
from app.payments.earnings_routes import router as earnings_router
from app.payments.routes import router as payments_router
from app.payments.webhook_routes import router as webhook_router
from app.realtime_channels import channel_rules
from app.referrals.routes import router as referrals_router
from app.reviews.routes import router as reviews_router
from app.search.routes import router as search_router
from app.services import Services, open_services
from app.settings import PROJECT_ROOT, Settings
from app.waitlist.routes import router as waitlist_router
from realtime.asgi_transport import AsgiTransport, websocket_route
from realtime.hub import Hub
from realtime.transport import Transport

AUTH_PATHS = ("/api/auth/login", "/api/auth/register")


def services_of(state: State) -> Services:
    return state.services


def metrics_access(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """/metrics: with METRICS_TOKEN set, for `Authorization: Bearer <METRICS_TOKEN>` only; without
    it, for loopback clients only (a scraper on the same host)."""
    expected = services_of(connection.app.state).settings.metrics_token
    if expected:
        given = bearer_token(connection.headers) or ""
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise ApiError(
                401, "Metrics need the metrics token", code="unauthorized", headers={"WWW-Authenticate": "Bearer"}
            )
    elif not is_loopback(connection.client.host if connection.client else None):
        raise ApiError(403, "Metrics are served to this host only (or set METRICS_TOKEN)", code="forbidden")


def is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return address.is_loopback or bool(getattr(address, "ipv4_mapped", None) and address.ipv4_mapped.is_loopback)


def create_app(settings: Settings, *, transport: Transport | None = None) -> Litestar:
    """`transport` is socketify's native one in production; without it /ws is served over ASGI."""
    if not settings.database_url or not settings.redis_url:
        raise ValueError("create_app needs resolved DATABASE_URL and REDIS_URL (see app.core.embedded)")
    configure_logging(settings.log_level)
    redis = Redis.from_url(settings.redis_url)
    transport = transport or AsgiTransport()
    tokens = Tokens(settings.secret_key, settings.token_ttl_seconds)
    hub = Hub(
        redis_url=settings.redis_url,
        prefix=settings.redis_prefix,
        transport=transport,
        authenticate=tokens.authenticate,
        rules=channel_rules(),
        history=settings.channel_history,
        presence_expire_seconds=settings.presence_expire_seconds,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        services = app.state.services = replace(
            # Searches beyond 8 at once wait for a connection: two cores gain nothing from more backends.
            await open_services(settings, hub.publisher, search_pool_size=8),
            tokens=tokens,
            passwords=Passwords.create(settings.password_time_cost, settings.password_memory_kib),
            login_limiter=LoginLimiter(
                redis, settings.redis_prefix, settings.login_failures_per_email, settings.login_failure_window_seconds
            ),
            account_lookups=AccountLookupLimiter(redis, settings.redis_prefix, settings.collaborator_adds_per_hour),
        )
        await hub.start()
        retrying = asyncio.create_task(services.relay.retry_forever())
        lag_probe = start_measuring()
        try:
            yield
        finally:
            await stop_measuring(lag_probe)
            retrying.cancel()
            await hub.stop()
            await services.aclose()
            await redis.aclose()

    async def login_attempt(request) -> bool:
        return request.url.path in AUTH_PATHS

    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_address_per_minute),
        check_throttle_handler=login_attempt,
        store="rate_limit",
    )
    admission = Admission(settings.checkout_concurrency, settings.checkout_queue, settings.checkout_wait_seconds)
    prometheus = PrometheusConfig(app_name="instainstru", group_path=True, exclude=["/metrics"])

    class Metrics(PrometheusController):
        path = "/metrics"
        include_in_schema = False
        guards = [metrics_access]

    api = Router(
        "/",
        route_handlers=[
            accounts_router, catalog_router, instructors_router, availability_router, bookings_router,
            notifications_router, payments_router, cards_router, webhook_router, config_router,
            earnings_router, onboarding_router, profile_router, catalog_admin_router,
            media_router,
            reviews_router, referrals_router, feeds_router, waitlist_router,
            search_router,
            *([test_clock_router] if settings.test_clock else []),
        ],
        middleware=[TokenAuthMiddleware],
    )  # fmt: skip
    app = Litestar(
        route_handlers=[
            api,
            ops.health,
            ops.ready,
            ops.index,
            Metrics,
            websocket_route,
            create_static_files_router(path="/static", directories=[PROJECT_ROOT / "static"], include_in_schema=False),
        ],
        lifespan=[lifespan],
        dependencies={"services": Provide(services_of, sync_to_thread=False)},
        # First, so a money-moving request waits for its turn before anything is done for it.
        middleware=[admission_middleware(admission), rate_limit.middleware, prometheus.middleware],
        before_send=[
            SecurityHeaders(
                docs_path="/schema",
                storage_origin=storage_origin(settings),
                stripe_js=bool(settings.stripe_publishable_key),
            )
        ],
        stores={"rate_limit": RedisStore(redis, namespace=f"{settings.redis_prefix}ratelimit")},
        cors_config=CORSConfig(
            allow_origins=list(settings.cors_origins),
            allow_headers=[
                "Authorization",
                "Content-Type",
                "If-Match",
                "If-None-Match",
                "X-Client-Id",
                "Idempotency-Key",
            ],
            expose_headers=["ETag", "Last-Modified", "Retry-After"],
        ),
        # Each route declares its own security (public ones none) and the error statuses it answers.
        openapi_config=OpenAPIConfig(
            title="InstaInstru",
            version="0.1.0",
            path="/schema",
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
        ),
        plugins=[ContractSchemas()],
        type_decoders=WHOLE_NUMBER_DECODERS,
        exception_handlers={
            HTTPException: handle_http_exception,
            asyncpg.DataError: handle_unstorable_value,
            RedisError: handle_redis_unavailable,
            BotoCoreError: handle_storage_error,
            ClientError: handle_storage_error,
            Exception: handle_unexpected,
        },
        request_class=StrictJsonRequest,
        debug=False,
    )
    complete_openapi(app, ops.document_websocket, document_busy)
    app.asgi_handler = http_semantics(app.asgi_handler)
    allow_every_method(app)
    app.state.hub = hub
    return app
