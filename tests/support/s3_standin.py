"""The S3 stand-in for tests: one process per test session (moto's server mode, in memory) that
every app, live server and worker the tests start talks to (tests/conftest.py: s3_env)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from standins.s3.launch import RunningS3, start_s3_standin

S3_SECRET_KEY = "test-s3-secret"


@pytest.fixture(scope="session")
def s3_standin_process() -> Iterator[RunningS3]:
    with start_s3_standin(secret_key=S3_SECRET_KEY) as standin:
        yield standin
