"""Fixtures the whole suite builds on: real PostgreSQL and Redis, throwaway databases, the app in
process, live servers in subprocesses (socketify and uvicorn), websocket clients, burst workers,
and one Stripe stand-in and one S3 stand-in per session that every app the tests build talks to.

Given DATABASE_URL / REDIS_URL the suite uses those servers (never writing into the database
named); without them it starts the embedded ones in the data folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import subprocess
import sys
from collections import deque
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.testing import AsyncTestClient
from redis.asyncio import Redis

from app.core.embedded import embedded_running, resolve_urls, stop_embedded
from app.settings import PROJECT_ROOT, Settings
from tests.support.accounts import Accounts, use_database
from tests.support.s3_standin import S3_SECRET_KEY, s3_standin_alive, s3_standin_process  # noqa: F401
from tests.support.stripe_standin import (  # noqa: F401
    STANDIN_WEBHOOK_SECRET,
    stripe_client,
    stripe_standin,
    stripe_standin_process,
)

_counter = itertools.count(1)
RUN_ID = f"{os.getpid()}"


def database_url_for(server_url: str, name: str) -> str:
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(server_url)


@pytest.fixture(scope="session")
def service_urls() -> Iterator[tuple[str, str]]:
    """The servers under test; embedded ones this run had to start are stopped at the end."""
    data_dir = Path(os.environ.get("DATA_DIR") or PROJECT_ROOT / ".data")
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    already_running = embedded_running(data_dir)
    yield resolve_urls(database_url or None, redis_url or None, data_dir)
    if not (database_url and redis_url) and not already_running:
        stop_embedded(data_dir)


class DatabaseClones:
    """Databases cloned from the template ahead of the tests that take them, and dropped after, in
    the background: a clone costs the server 0.3-0.7 s of I/O, which overlaps with the test before."""

    AHEAD = 2

    def __init__(self, server_url: str, template: str) -> None:
        self.server_url, self.template = server_url, template
        self.ready: deque[asyncio.Task[str]] = deque()
        self.dropping: set[asyncio.Task[None]] = set()

    async def _run(self, sql: str) -> None:
        admin = await _admin(self.server_url)
        try:
            await admin.execute(sql)
        finally:
            await admin.close()

    async def _clone(self, name: str) -> str:
        await self._run(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def _start_one(self) -> None:
        self.ready.append(asyncio.create_task(self._clone(f"ii_test_{RUN_ID}_{next(_counter)}")))

    async def take(self) -> str:
        """The name of a fresh clone, made ahead when possible; the next ones start cloning."""
        while len(self.ready) < self.AHEAD + 1:
            self._start_one()
        return await self.ready.popleft()

    def drop(self, name: str) -> None:
        task = asyncio.create_task(self._run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.dropping.add(task)
        task.add_done_callback(self.dropping.discard)

    async def close(self) -> None:
        """Drops the clones made ahead and waits for every drop."""
        while self.ready:
            with contextlib.suppress(Exception):
                self.drop(await self.ready.popleft())
        await asyncio.gather(*self.dropping, return_exceptions=True)


@pytest.fixture(scope="session")
async def template_database(service_urls: tuple[str, str]) -> AsyncIterator[str]:
    server_url, _ = service_urls
    name = f"ii_template_{RUN_ID}"
    admin = await _admin(server_url)
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = database_url_for(server_url, name)
    env = {**os.environ, "DATABASE_URL": url}
    for command in (["migrate"], ["seed"]):
        subprocess.run([sys.executable, "-m", "app", *command], env=env, cwd=PROJECT_ROOT, check=True)
    try:
        yield name
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_clones(service_urls: tuple[str, str], template_database: str) -> AsyncIterator[DatabaseClones]:
    clones = DatabaseClones(service_urls[0], template_database)
    yield clones
    await clones.close()


@pytest.fixture
async def database_url(service_urls: tuple[str, str], database_clones: DatabaseClones) -> AsyncIterator[str]:
    """A fresh database per test, cloned from the migrated, seeded template."""
    name = await database_clones.take()
    url = database_url_for(service_urls[0], name)
    use_database(url)  # where Accounts makes the admin that approves its instructors' documents
    yield url
    database_clones.drop(name)


@pytest.fixture(scope="session")
def stripe_env(stripe_standin_process) -> Iterator[dict[str, str]]:  # noqa: F811 (the imported fixture, by name)
    """The session's Stripe stand-in for every app: in-process ones through `settings`, subprocess
    servers and workers through the environment they inherit (tests/support/live.py: server_env)."""
    env = {"STRIPE_API_BASE": stripe_standin_process.base_url, "STRIPE_WEBHOOK_SECRET": STANDIN_WEBHOOK_SECRET}
    dropped = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "TEST_CLOCK")
    saved = {name: os.environ.get(name) for name in (*env, *dropped)}
    for name in dropped:
        os.environ.pop(name, None)
    os.environ.update(env)
    yield env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def s3_env(s3_standin_process) -> Iterator[dict[str, str]]:  # noqa: F811
    """The session's S3 stand-in, as stripe_env does for Stripe: `settings` and the environment."""
    env = {
        "S3_ENDPOINT_URL": s3_standin_process.endpoint_url,
        "S3_BUCKET": "instainstru",
        "S3_ACCESS_KEY": "test",
        "S3_SECRET_KEY": S3_SECRET_KEY,
        "S3_REGION": "us-east-1",
    }
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    yield env
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture
def settings(
    service_urls: tuple[str, str],
    database_url: str,
    stripe_env: dict[str, str],
    s3_env: dict[str, str],
    s3_standin_process,  # noqa: F811
) -> Settings:
    """Each test gets its own Redis prefix and bucket, so tests never see each other's keys, channels or objects."""
    s3_standin_alive(s3_standin_process)
    return suite_settings(database_url, service_urls[1], f"t{RUN_ID}-{next(_counter)}", stripe_env, s3_env)


def suite_settings(
    database_url: str, redis_url: str, tag: str, stripe_env: dict[str, str], s3_env: dict[str, str]
) -> Settings:
    """Settings of an app the tests run (in-process or as a live server): the session's Stripe and S3
    stand-ins, cheap password hashing, and a Redis prefix and bucket of its own named by `tag`."""
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        redis_prefix=f"{tag}:",
        secret_key="test-secret-key-" + "x" * 32,
        password_time_cost=1,
        password_memory_kib=8192,
        stripe_api_base=stripe_env["STRIPE_API_BASE"],
        stripe_webhook_secret=stripe_env["STRIPE_WEBHOOK_SECRET"],
        s3_endpoint_url=s3_env["S3_ENDPOINT_URL"],
        s3_bucket=f"{s3_env['S3_BUCKET']}-{tag}",
        s3_access_key=s3_env["S3_ACCESS_KEY"],
        s3_secret_key=s3_env["S3_SECRET_KEY"],
        s3_region=s3_env["S3_REGION"],
    )


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(settings.redis_url)
    yield client
    keys = [k async for k in client.scan_iter(match=f"{settings.redis_prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture
async def client(settings: Settings, redis: Redis) -> AsyncIterator[AsyncTestClient]:
    from app.main import create_app

    async with AsyncTestClient(app=create_app(settings), timeout=30) as test_client:
        yield test_client


@pytest.fixture
def accounts(client: AsyncTestClient) -> Accounts:
    return Accounts(client)


@pytest.fixture
async def open_week(client, accounts):
    """An instructor offering piano with next week's Monday 09:00-12:00 open."""
    from tests.support.calendar import monday_after, offer_piano, save_week

    instructor = await accounts.instructor()
    service_id = await offer_piano(client, instructor)
    monday = monday_after()
    await save_week(client, instructor, instructor, monday, {monday.isoformat(): [{"start": "09:00", "end": "12:00"}]})
    return instructor, service_id, monday


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in item.nodeid.split("/"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def project_root() -> Iterator[Path]:
    yield PROJECT_ROOT


@pytest.fixture
def live(settings: Settings):
    """Start web processes sharing the test's database and Redis: `server = live("uvicorn")`."""
    from tests.support.live import start_server

    started = []

    def start(kind: str = "uvicorn", **env: str):
        server = start_server(kind, settings, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
async def http_factory():
    """httpx clients for live servers, closed after the test."""
    import httpx

    clients = []

    def make(server) -> httpx.AsyncClient:
        client = httpx.AsyncClient(base_url=server.url, timeout=30)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
def run_worker_burst(settings: Settings):
    """Run the real arq worker in burst mode until `max_jobs` jobs ran."""
    from arq.worker import Worker

    from tasks.worker import worker_settings

    async def run(max_jobs: int = 1) -> Worker:
        worker = Worker(**worker_settings(settings), burst=True, poll_delay=0.05, max_burst_jobs=max_jobs)
        worker.handle_signals = False
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker

    return run
