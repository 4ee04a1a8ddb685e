"""The S3 stand-in for tests: one process per test session (moto's server mode, in memory) that
every app, live server and worker the tests start talks to (tests/conftest.py: s3_env)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from standins.s3.launch import RunningS3, start_s3_standin

S3_SECRET_KEY = "test-s3-secret"


@pytest.fixture(scope="session")
def s3_standin_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningS3]:
    log = tmp_path_factory.mktemp("s3-standin") / "server.log"
    with start_s3_standin(secret_key=S3_SECRET_KEY, log=log) as standin:
        yield standin


def s3_standin_alive(standin: RunningS3) -> None:
    """Fails the test at once, with the server's last words, if the session's stand-in has gone."""
    code = standin.process.poll()
    if code is not None:
        tail = standin.log.read_text(errors="replace")[-3000:] if standin.log else ""
        pytest.fail(f"the session's S3 stand-in exited with {code}; its log ends:\n{tail}", pytrace=False)
