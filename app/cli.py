"""python -m app <command>: dev (the whole platform), serve, worker, migrate, seed, create-admin."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import replace

from app.core.heap import freeze_startup_heap
from app.settings import PROJECT_ROOT, InvalidSetting, Settings


def resolved_settings() -> Settings:
    """Settings from the environment, with the embedded PostgreSQL/Redis started when no URL is given."""
    from app.core.embedded import resolve_urls

    settings = Settings.from_env()
    database_url, redis_url = resolve_urls(settings.database_url, settings.redis_url, settings.data_dir)
    return settings.with_services(database_url, redis_url)


def migrate(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["PICCOLO_CONF"] = "piccolo_conf"
    sys.path.insert(0, str(PROJECT_ROOT))
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = asyncio.run(run_forwards("instainstru"))
    if not result.success:
        sys.exit(f"migrations failed: {result.message}")


async def _with_database(database_url: str, work) -> None:
    from app.core.db import bind_tables, make_engine, open_pool

    engine = make_engine(database_url)
    bind_tables(engine)
    await open_pool(engine, max_size=2)
    try:
        await work()
    finally:
        await engine.close_connection_pool()


def passwords(settings: Settings):
    from app.accounts.passwords import Passwords

    return Passwords.create(settings.password_time_cost, settings.password_memory_kib)


def seed(settings: Settings, *, demo: bool) -> None:
    from app.catalog.seed import seed_catalog
    from app.demo import create_demo_accounts
    from app.services import open_services
    from realtime.publisher import Publisher

    async def work() -> None:
        publisher = Publisher.connect(settings.redis_url or "", settings.redis_prefix, settings.channel_history)
        services = await open_services(settings, publisher, pool_size=2)
        try:
            await seed_catalog()
            if demo:
                await create_demo_accounts(services, passwords(settings))
        finally:
            await services.aclose()
            await publisher.aclose()

    asyncio.run(work())


def create_admin(settings: Settings, email: str, password: str, full_name: str) -> None:
    from app.accounts.schemas import UserRegister
    from app.accounts.service import register

    async def work() -> None:
        user = await register(
            UserRegister(email=email, password=password, full_name=full_name, role="student", timezone="UTC"),
            passwords(settings),
            role="admin",
        )
        print(f"admin {user.email} created with id {user.id}")

    asyncio.run(_with_database(settings.database_url, work))


def audit_payments(settings: Settings) -> None:
    """Prints each discrepancy; exits 1 when there is any."""
    from app.payments.audit import audit_payments as audit
    from app.payments.stripe_api import StripeApi

    findings = []

    async def work() -> None:
        stripe_api = StripeApi(settings)
        try:
            findings.extend(await audit(settings, stripe_api))
        finally:
            await stripe_api.aclose()

    asyncio.run(_with_database(settings.database_url, work))
    for finding in findings:
        print(finding)
    print(f"{len(findings)} finding(s)")
    if findings:
        raise SystemExit(1)


def web_concurrency(parser: argparse.ArgumentParser) -> int:
    raw = os.environ.get("WEB_CONCURRENCY", "1")
    try:
        return int(raw)
    except ValueError:
        parser.error(f"WEB_CONCURRENCY must be a whole number, not {raw!r}")


def serve(settings: Settings, server: str, host: str, port: int, workers: int = 1) -> None:
    from app.main import create_app

    if server == "uvicorn":
        import uvicorn

        app = create_app(settings)
        freeze_startup_heap()
        uvicorn.run(
            app,
            host=host,
            port=port,
            loop="uvloop",
            http="httptools",
            ws_ping_interval=20,
            ws_ping_timeout=40,
            log_level="warning",
            lifespan="on",
        )
        return
    from realtime.socketify_transport import SocketifyTransport
    from socketify_asgi import serve_socketify

    # Built before the app so the hub delivers through it; it asks for the hub, made at startup, on each upgrade.
    transport = SocketifyTransport(hub_provider=lambda: app.state.hub)
    app = create_app(settings, transport=transport)
    freeze_startup_heap()
    # With workers, this process only supervises: each worker is this command run again (the app above
    # is built but never started here; see socketify_asgi/workers.py).
    serve_socketify(app, host=host, port=port, native_routes={"/ws": transport}, workers=workers)


def run_worker(settings: Settings) -> None:
    from arq.worker import run_worker as arq_run_worker

    from tasks.worker import worker_settings

    settings_for_arq = worker_settings(settings)
    freeze_startup_heap()
    arq_run_worker(settings_for_arq)


def dev(settings: Settings, port: int) -> None:
    """Everything a newcomer needs: services, schema, demo data, the Stripe stand-in (without
    STRIPE_SECRET_KEY), the S3 stand-in (without S3_ENDPOINT_URL), one web and one worker process."""
    with ExitStack() as stack:
        if not settings.s3_endpoint_url:
            from standins.s3.launch import start_s3_standin

            s3 = stack.enter_context(start_s3_standin(secret_key=settings.s3_secret_key))
            settings = replace(settings, s3_endpoint_url=s3.endpoint_url)
            print(f"S3 stand-in at {s3.endpoint_url} (bucket {settings.s3_bucket}, in memory)", flush=True)
        if settings.stripe_standin and not settings.stripe_api_base:
            standin = stack.enter_context(start_standin(settings, port))
            settings = replace(settings, stripe_api_base=standin.base_url)
            print(f"Stripe stand-in at {standin.base_url} (data in {standin.data_dir})", flush=True)
        migrate(settings.database_url)
        seed(settings, demo=True)
        env = {**os.environ, "DATABASE_URL": settings.database_url, "REDIS_URL": settings.redis_url}
        if settings.stripe_api_base:
            env["STRIPE_API_BASE"] = settings.stripe_api_base
        env["S3_ENDPOINT_URL"] = settings.s3_endpoint_url
        run_children(env, port)


def start_standin(settings: Settings, port: int):
    """The local Stripe on its fixed port (hosted-page URLs it keeps name that address), delivering
    its webhooks to this platform, signed with the platform's secret."""
    from standins.stripe.launch import start_stripe_standin

    return start_stripe_standin(
        settings.data_dir / "stripe",
        webhook_url=f"http://127.0.0.1:{port}/api/payments/webhook",
        webhook_secret=settings.stripe_webhook_secret,
        port=settings.stripe_standin_port,
    )


def run_children(env: dict[str, str], port: int) -> None:
    python = sys.executable
    children = [
        subprocess.Popen([python, "-m", "app", "serve", "--port", str(port)], env=env),
        subprocess.Popen([python, "-m", "app", "worker"], env=env),
    ]
    try:
        _wait_for_health(port)
        print(f"\nInstaInstru is running at http://127.0.0.1:{port}/", flush=True)
        print("Demo logins: instructor@demo.test / student@demo.test, password 'demo-password'", flush=True)
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        while not stop and all(c.poll() is None for c in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            child.wait(timeout=15)


def _wait_for_health(port: int) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the web process did not become healthy in 60 s")


def main(argv: list[str] | None = None) -> None:
    try:
        run(argv)
    except InvalidSetting as exc:
        raise SystemExit(f"Configuration error: {exc}") from None


def run(argv: list[str] | None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("dev", help="run the whole platform locally (embedded services unless URLs set)")
    p.add_argument("--port", type=int, help="default: PORT, else 8000")
    p = commands.add_parser("serve", help="the web server (one process, or --workers of them)")
    p.add_argument("--server", choices=["socketify", "uvicorn"], default="socketify")
    p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, help="default: PORT, else 8000")
    p.add_argument(
        "--workers", type=int, default=None,
        help="socketify: web processes sharing the port, e.g. one per core (default: WEB_CONCURRENCY, else 1)",
    )  # fmt: skip
    commands.add_parser("worker", help="one arq worker process")
    commands.add_parser("migrate", help="apply database migrations")
    p = commands.add_parser("seed", help="insert the catalog (and demo accounts with --demo)")
    p.add_argument("--demo", action="store_true")
    p = commands.add_parser("create-admin", help="create an admin account")
    p.add_argument("--email", required=True)
    p.add_argument("--password", required=True)
    p.add_argument("--full-name", default="Administrator")
    commands.add_parser(
        "audit-money",
        aliases=["audit-payments"],
        help="reconcile bookings, credits, earnings and payouts with Stripe",
    )
    commands.add_parser("stop-embedded", help="stop the embedded PostgreSQL and Redis of the data folder")
    args = parser.parse_args(argv)

    if args.command == "stop-embedded":
        from app.core.embedded import stop_embedded

        stop_embedded(Settings.from_env().data_dir)
        return
    settings = resolved_settings()
    if args.command == "dev":
        dev(settings, args.port or settings.port)
    elif args.command == "serve":
        workers = args.workers if args.workers is not None else web_concurrency(parser)
        if workers < 1 or (workers > 1 and args.server != "socketify"):
            parser.error("--workers: a whole number from 1, above 1 with --server socketify only")
        serve(settings, args.server, args.host, args.port or settings.port, workers)
    elif args.command == "worker":
        run_worker(settings)
    elif args.command == "migrate":
        migrate(settings.database_url)
    elif args.command == "seed":
        seed(settings, demo=args.demo)
    elif args.command in ("audit-money", "audit-payments"):
        audit_payments(settings)
    elif args.command == "create-admin":
        create_admin(settings, args.email, args.password, args.full_name)
